"""The import pages: upload → mapping and preview → report → import, who may use them, and
the progress partial htmx polls."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from complaints import tasks
from complaints.importing import services, storage
from complaints.models import ImportJob, Problem
from tests.complaints.test_import_files import HEADER, TEXAS, TEXAS_ROWS, csv_text, good_rows


def text(response) -> str:
    """The page's HTML with runs of whitespace collapsed, as a reader sees the words."""
    return " ".join(response.content.decode().split())


NEW = reverse("complaints:import-new")
LIST = reverse("complaints:import-list")


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


def texas_upload(name: str = "tx_tdi_complaints_sample.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, TEXAS.read_bytes(), content_type="text/csv")


def csv_upload(rows, name="export.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_text(rows).encode(), content_type="text/csv")


def detail(job: ImportJob) -> str:
    return job.get_absolute_url()


def progress(job: ImportJob) -> str:
    return reverse("complaints:import-progress", args=[job.pk])


def mapping_post(job: ImportJob, **changes) -> dict:
    data = {"action": "check", "date_format": job.date_format}
    data.update({f"map_{name}": header for name, header in job.mapping.items()})
    data.update(changes)
    return data


@pytest.fixture
def uploaded(client, learner):
    """A learner's upload of the Texas sample, through the page."""
    client.force_login(learner)
    response = client.post(NEW, {"file": texas_upload()})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(job)
    return job


# --- Learner: the whole flow --------------------------------------------------------------------


def test_the_upload_page_warns_against_personal_data_and_states_the_size_limit(client, learner):
    client.force_login(learner)
    page = client.get(NEW).content.decode()
    assert "Don't include customers' names or contact details: use a customer reference" in page
    assert "up to 250.0\xa0MB" in page
    assert 'type="file"' in page
    assert 'accept=".csv,.xlsx' in page


def test_a_learner_uploads_maps_checks_and_imports_into_their_own_log(client, learner, uploaded):
    page = client.get(detail(uploaded)).content.decode()
    assert "Match the columns" in page
    assert '<option value="complaint_number" selected>complaint_number</option>' in page
    assert "The first 5 rows under the headings" in page
    assert "159573" in page  # the preview

    response = client.post(detail(uploaded), mapping_post(uploaded), follow=True)
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.VALIDATED
    assert f"Import {TEXAS_ROWS:,} problems" in response.content.decode()

    response = client.post(detail(job), {"action": "import"}, follow=True)
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    assert "2,000 problems joined your problem log" in text(response)
    assert Problem.objects.filter(learner=learner).count() == TEXAS_ROWS


def test_the_category_values_found_are_listed_and_the_choices_remembered(
    client, learner, uploaded, centre
):
    page = client.get(detail(uploaded)).content.decode()
    assert "Property and Casualty" in page
    key = next(
        name
        for name, field in _form_fields(client, uploaded).items()
        if name.startswith("category_") and field.label == "Property and Casualty"
    )
    client.post(detail(uploaded), mapping_post(uploaded, **{key: "system_failure"}))
    client.post(detail(uploaded), {"action": "import"})
    assert Problem.objects.filter(category="system_failure").count() == 1277
    assert centre.category_mappings.get().source_value == "property and casualty"


def _form_fields(client, job):
    return client.get(detail(job)).context["form"].fields


def test_a_report_lists_bad_rows_and_offers_the_valid_rows_only(client, learner):
    client.force_login(learner)
    rows = good_rows(4)
    rows[2][1] = "31/02/2017"
    client.post(NEW, {"file": csv_upload(rows)})
    job = ImportJob.objects.get()
    response = client.post(detail(job), mapping_post(job), follow=True)
    page = response.content.decode()
    assert "Row, column and reason" in page
    assert "“31/02/2017” is not a real date" in page
    assert "Import the 3 valid rows only" in page
    assert 'value="import"' not in page  # all or nothing is not on offer

    refused = client.post(detail(job), {"action": "import"}, follow=True)
    assert "1 rows have problems" in refused.content.decode()
    assert not Problem.objects.exists()

    client.post(detail(job), {"action": "import_valid"})
    assert Problem.objects.count() == 3


def test_the_full_report_downloads_as_csv_with_formula_text_made_inert(client, learner):
    client.force_login(learner)
    rows = [[*HEADER[:-1], "=HYPERLINK(1)"], ["A1", "not a date", "", "", "", "x"]]
    client.post(NEW, {"file": csv_upload(rows)})
    job = ImportJob.objects.get()
    client.post(detail(job), mapping_post(job, map_description="=HYPERLINK(1)"))
    response = client.get(detail(job) + "?download=report")
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert body.splitlines()[1] == "2,Date received,“not a date” is not a date,rejected"


def test_a_hostile_file_is_refused_on_the_upload_page_and_nothing_is_kept(
    client, learner, settings
):
    client.force_login(learner)
    png = SimpleUploadedFile("complaints.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    response = client.post(NEW, {"file": png})
    assert response.status_code == 200
    assert "This is a PNG image, not a CSV file or an Excel workbook" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert not list((Path(settings.PRIVATE_STORAGE_ROOT) / "imports").glob("*"))


def test_a_file_over_the_limit_is_refused_with_both_sizes(client, learner, settings):
    settings.CASEBOOK_IMPORT_MAX_BYTES = 1024
    client.force_login(learner)
    response = client.post(NEW, {"file": csv_upload(good_rows(100))})
    assert "the largest file Casebook imports is 1.0\xa0KB" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_ambiguous_dates_ask_for_the_date_format(client, learner):
    client.force_login(learner)
    rows = [HEADER, ["1", "03/04/2017", "", "", "", ""], ["2", "04/05/2017", "", "", "", ""]]
    client.post(NEW, {"file": csv_upload(rows)})
    job = ImportJob.objects.get()
    page = client.post(detail(job), mapping_post(job), follow=True).content.decode()
    assert "could be day-first (UK) or month-first (US)" in page
    assert 'name="date_format"' in page
    client.post(detail(job), mapping_post(job, date_format="mdy"))
    job.refresh_from_db()
    assert (job.state, job.date_format) == ("validated", "mdy")


def test_a_mapping_without_the_date_received_is_refused_on_the_page(client, learner, uploaded):
    response = client.post(detail(uploaded), mapping_post(uploaded, map_received_at=""))
    assert response.status_code == 200
    assert "Choose the column that holds it." in response.content.decode()
    uploaded.refresh_from_db()
    assert uploaded.state == ImportJob.State.UPLOADED


def test_a_double_click_on_import_imports_once(client, uploaded):
    client.post(detail(uploaded), mapping_post(uploaded))
    client.post(detail(uploaded), {"action": "import"})
    response = client.post(detail(uploaded), {"action": "import"}, follow=True)
    assert "already started" in response.content.decode()
    assert Problem.objects.count() == TEXAS_ROWS


def test_discarding_an_import_deletes_it_and_imports_nothing(client, uploaded):
    response = client.post(detail(uploaded), {"action": "discard"}, follow=True)
    assert response.redirect_chain[-1][0] == LIST
    uploaded.refresh_from_db()
    assert uploaded.state == ImportJob.State.CANCELLED
    assert not Problem.objects.exists()


def test_the_list_shows_the_users_imports(client, learner, uploaded):
    page = client.get(LIST).content.decode()
    assert "tx_tdi_complaints_sample.csv" in page
    assert detail(uploaded) in page


# --- Large files: the background job and its progress bar -----------------------------------------


def test_a_large_file_is_checked_and_imported_by_a_background_job_with_a_progress_bar(
    client, learner, uploaded, settings, django_capture_on_commit_callbacks
):
    settings.CASEBOOK_IMPORT_BACKGROUND_ROWS = 100
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(detail(uploaded), mapping_post(uploaded))
    uploaded.refresh_from_db()
    assert uploaded.state == ImportJob.State.QUEUED
    page = client.get(detail(uploaded)).content.decode()
    assert "Checking the file" in page
    assert "runs in the background" in page
    assert 'hx-trigger="every 2s"' in page
    assert "<progress" in page

    assert len(queued) == 1  # enqueued once the request's transaction commits
    tasks.import_job_check_task(uploaded.pk)  # what the worker runs
    uploaded.refresh_from_db()
    assert uploaded.state == ImportJob.State.VALIDATED

    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(detail(uploaded), {"action": "import"})
    assert len(queued) == 1
    uploaded.refresh_from_db()
    assert uploaded.state == ImportJob.State.QUEUED
    tasks.import_job_run_task(uploaded.pk)
    uploaded.refresh_from_db()
    assert (uploaded.state, uploaded.imported_count) == ("done", TEXAS_ROWS)


def test_the_progress_partial_polls_while_running_and_stops_with_a_refresh_when_done(
    client, learner, uploaded
):
    ImportJob.objects.filter(pk=uploaded.pk).update(
        state=ImportJob.State.RUNNING, processed_rows=500, total_rows=2000
    )
    running = client.get(progress(uploaded), headers={"HX-Request": "true"})
    body = running.content.decode()
    assert 'hx-trigger="every 2s"' in body
    assert 'value="25"' in body
    assert "Checked 500 of about 2,000 rows" in body
    assert "HX-Refresh" not in running

    ImportJob.objects.filter(pk=uploaded.pk).update(state=ImportJob.State.VALIDATED)
    finished = client.get(progress(uploaded), headers={"HX-Request": "true"})
    assert "hx-trigger" not in finished.content.decode()
    assert finished["HX-Refresh"] == "true"


# --- Who may do what --------------------------------------------------------------------------------


def test_a_manager_imports_into_a_learners_log_at_their_centre(client, manager, learner):
    client.force_login(manager)
    page = client.get(NEW)
    assert learner.display_name in page.content.decode()
    choice = next(
        value
        for value, label in page.context["form"].fields["log"].choices
        if label == learner.display_name
    )
    response = client.post(NEW, {"file": texas_upload(), "log": choice})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert (job.uploaded_by, job.learner) == (manager, learner)


def test_a_manager_cannot_choose_a_learner_of_another_centre(
    client, manager, learner, other_centre_learner, other_centre
):
    client.force_login(manager)
    response = client.post(
        NEW, {"file": texas_upload(), "log": f"{other_centre.pk}:{other_centre_learner.pk}"}
    )
    assert response.status_code == 200
    assert "You can import only into the problem log named on this page" in text(response)
    assert not ImportJob.objects.exists()


def test_the_learner_sees_an_import_made_for_them_but_cannot_change_it(
    client, manager, learner, centre
):
    with TEXAS.open("rb") as handle:
        from django.core.files import File

        job = services.import_job_create(
            centre=centre, uploaded_by=manager, learner=learner, upload=File(handle, "tx.csv")
        )
    client.force_login(learner)
    response = client.get(detail(job))
    assert response.status_code == 200
    assert response.context["form"] is None
    assert client.post(detail(job), mapping_post(job)).status_code == 403


@pytest.mark.parametrize("persona", ["assessor", "verifier", "centre_admin"])
def test_people_who_are_not_learners_or_managers_cannot_start_an_import(
    client, request, enrolment, persona
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, {"file": texas_upload()}).status_code == 403
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    "persona",
    ["assessor", "verifier", "other_learner", "other_centre_manager", "other_centre_learner"],
)
def test_others_cannot_see_or_touch_an_import(client, request, uploaded, enrolment, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(detail(uploaded)).status_code == 404
    assert client.get(progress(uploaded)).status_code == 404
    assert client.get(detail(uploaded) + "?download=report").status_code == 404
    assert client.post(detail(uploaded), {"action": "discard"}).status_code == 404
    assert "tx_tdi_complaints_sample.csv" not in client.get(LIST).content.decode()
    uploaded.refresh_from_db()
    assert uploaded.state == ImportJob.State.UPLOADED


def test_a_manager_of_the_centre_sees_its_imports(client, manager, uploaded):
    client.force_login(manager)
    assert client.get(detail(uploaded)).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client, uploaded):
    client.logout()
    for url in (LIST, NEW, detail(uploaded), progress(uploaded)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert client.post(detail(uploaded), {"action": "import"}).status_code == 302
    assert storage.upload_path(uploaded).exists()
