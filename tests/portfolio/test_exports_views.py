"""The background PDF export's pages for every persona: the learner, their assessor and IV and
the centre's admins ask for the full portfolio, watch its progress bar and download it;
everyone else gets 404 (anonymous: login). The renderer is replaced by a fake here;
tests/portfolio/test_exports.py runs the real one."""

import hashlib

import pytest
from django.urls import reverse

from portfolio.models import PortfolioExport
from portfolio.services import exports, printing
from portfolio.services.exports import portfolio_export_request, portfolio_export_run

BODY = b"%PDF-1.7 the whole portfolio"
EXPORTERS = ["learner", "assessor", "verifier", "centre_admin"]
OUTSIDERS = ["other_learner", "other_assessor", "manager", "other_centre_manager"]


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def fake_renderer(monkeypatch):
    """The full portfolio printed by a fake that reports the real renderer's steps."""

    def record_print(*, enrolment, part, progress=None):
        for percent, words in [(5, "Gathering the records"), (30, "Laying out the pages")]:
            progress(percent, words)
        return printing.PrintedRecord(BODY, f"{part}-f6-lena-draft.pdf", "Full portfolio", True)

    monkeypatch.setattr(exports, "record_print", record_print)


@pytest.fixture
def persona(request, other_enrolment):
    def get(name):
        return request.getfixturevalue(name)

    return get


@pytest.fixture
def queued(enrolment, learner):
    """The learner's full portfolio, asked for and waiting for its job."""
    return portfolio_export_request(user=learner, enrolment=enrolment)


@pytest.fixture
def done(queued):
    return portfolio_export_run(export_id=queued.pk)


def start_url(enrolment):
    return reverse("portfolio:enrolment-exports", args=[enrolment.pk])


def download_url(export):
    return reverse("portfolio:export-download", args=[export.pk])


def progress_url(export):
    return reverse("portfolio:export-progress", args=[export.pk])


def test_the_records_page_offers_the_full_portfolio_pdf(client, learner, enrolment):
    client.force_login(learner)
    page = client.get(reverse("portfolio:enrolment-records", args=[enrolment.pk])).content.decode()

    assert "Full portfolio (PDF)" in page
    assert "Prepare the full portfolio PDF" in page
    assert f'action="{start_url(enrolment)}"' in page
    assert 'name="part" value="portfolio"' in page
    assert "csrfmiddlewaretoken" in page
    assert f'hx-get="{start_url(enrolment)}"' in page  # the recent PDFs load after the page


@pytest.mark.parametrize("name", EXPORTERS)
def test_people_who_may_print_the_records_prepare_and_download_the_full_portfolio(
    client, persona, name, enrolment, eager_jobs, django_capture_on_commit_callbacks
):
    user = persona(name)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(start_url(enrolment), {"part": "portfolio"})

    export = PortfolioExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == export.get_absolute_url()
    assert (export.part, export.requested_by, export.state) == ("portfolio", user, "done")

    page = client.get(export.get_absolute_url()).content.decode()
    assert "Download the PDF" in page
    assert export.sha256 == hashlib.sha256(BODY).hexdigest()
    assert export.sha256 in page
    assert "DRAFT" in page
    assert "hx-trigger" not in page  # finished: nothing polls

    download = client.get(download_url(export))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="portfolio-f6-lena-draft.pdf"'
    assert download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content) == BODY


def test_the_button_asks_for_the_full_portfolio_unless_told_otherwise(
    client, learner, enrolment, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(start_url(enrolment))
    assert PortfolioExport.objects.get().part == "portfolio"


def test_a_double_click_prepares_one_pdf(
    client, learner, enrolment, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        first = client.post(start_url(enrolment))
        second = client.post(start_url(enrolment))
    assert first["Location"] == second["Location"]
    assert PortfolioExport.objects.count() == 1
    assert len(jobs) == 1


def test_an_unknown_part_is_refused_with_a_message(client, learner, enrolment):
    client.force_login(learner)
    response = client.post(start_url(enrolment), {"part": "everything"}, follow=True)
    assert "There is no printed record called" in response.content.decode()
    assert not PortfolioExport.objects.exists()


def test_while_it_waits_the_page_shows_a_polling_progress_bar(client, learner, queued):
    client.force_login(learner)
    page = client.get(queued.get_absolute_url()).content.decode()

    assert 'role="progressbar"' in page
    assert 'aria-valuenow="0"' in page
    assert 'role="status"' in page
    assert f'hx-get="{progress_url(queued)}"' in page
    assert "Waiting to start" in page
    assert "Download the PDF" not in page


def test_the_progress_fragment_shows_how_far_the_job_has_got(client, learner, queued):
    PortfolioExport.objects.filter(pk=queued.pk).update(
        state="running", percent=30, step="Laying out the pages"
    )
    client.force_login(learner)
    fragment = client.get(progress_url(queued), headers={"HX-Request": "true"})
    html = fragment.content.decode()

    assert "<html" not in html
    assert 'aria-valuenow="30"' in html
    assert "cb-w-30" in html
    assert "30%" in html
    assert "laying out the pages" in html
    assert 'hx-trigger="every 2s"' in html


def test_the_progress_fragment_stops_polling_and_offers_the_download_once_done(
    client, learner, done
):
    client.force_login(learner)
    html = client.get(progress_url(done), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in html
    assert download_url(done) in html
    assert done.sha256 in html
    assert "DRAFT" in html


def test_a_failed_export_shows_why_and_offers_to_try_again(client, learner, queued, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("Traceback: secret detail")

    monkeypatch.setattr(exports, "record_print", broken)
    failed = portfolio_export_run(export_id=queued.pk)
    client.force_login(learner)
    page = client.get(failed.get_absolute_url()).content.decode()

    assert "The PDF could not be made" in page
    assert "Something went wrong in Casebook" in page
    assert "secret detail" not in page
    assert "Try again" in page
    assert download_url(failed) not in page


def test_an_unfinished_export_cannot_be_downloaded(client, learner, queued):
    client.force_login(learner)
    assert client.get(download_url(queued)).status_code == 404


def test_a_pdf_missing_from_storage_is_404_not_an_error(client, learner, done):
    exports.export_path(done).unlink()
    client.force_login(learner)
    assert client.get(download_url(done)).status_code == 404


@pytest.mark.parametrize("name", OUTSIDERS)
def test_others_cannot_ask_for_see_or_download_the_pdf(client, persona, name, enrolment, done):
    client.force_login(persona(name))
    assert client.post(start_url(enrolment)).status_code == 404
    assert client.get(start_url(enrolment)).status_code == 404
    assert client.get(done.get_absolute_url()).status_code == 404
    assert client.get(progress_url(done)).status_code == 404
    assert client.get(download_url(done)).status_code == 404
    assert PortfolioExport.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client, enrolment, done):
    for url in [start_url(enrolment), done.get_absolute_url(), download_url(done)]:
        assert client.get(url)["Location"].startswith(reverse("login"))
    assert client.post(start_url(enrolment)).status_code == 302
    assert PortfolioExport.objects.count() == 1


def test_the_list_polls_while_a_pdf_is_being_prepared_and_stops_after(
    client, learner, enrolment, queued
):
    client.force_login(learner)
    waiting = client.get(start_url(enrolment), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in waiting
    assert 'hx-trigger="every 2s"' in waiting
    assert "Waiting to start" in waiting

    portfolio_export_run(export_id=queued.pk)
    finished = client.get(start_url(enrolment), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in finished
    assert download_url(queued) in finished
    assert "Asked for by you" in finished


def test_the_list_without_htmx_is_a_page_with_the_button(client, verifier, enrolment, done):
    client.force_login(verifier)
    page = client.get(start_url(enrolment)).content.decode()
    assert "<html" in page
    assert "Prepare the full portfolio PDF" in page
    assert download_url(done) in page
    assert f"Asked for by {done.requested_by.display_name}" in page
    assert reverse("portfolio:enrolment-records", args=[enrolment.pk]) in page


def test_a_centre_admin_is_not_led_to_the_records_they_do_not_read(
    client, centre_admin, enrolment, done
):
    client.force_login(centre_admin)
    page = client.get(done.get_absolute_url()).content.decode()
    assert reverse("portfolio:enrolment-records", args=[enrolment.pk]) not in page
    assert start_url(enrolment) in page
