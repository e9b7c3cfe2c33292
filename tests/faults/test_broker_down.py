"""The job service (the Celery broker) down when someone asks for a job: no error page, the
job is kept as a queued row whose page says it is waiting and will start by itself, and once
the service answers the sweep sends it and it finishes, every row imported once."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files import File
from django.urls import reverse

from accounts.models import Notification
from accounts.services import notify
from analytics.models import AnalysisRun
from analytics.services import analysis_request
from complaints.importing import services as imports
from complaints.models import ImportJob, Problem
from config.tasks import jobs_sweep
from portfolio.models import PortfolioExport
from portfolio.services import exports, printing
from tests.complaints.test_import_files import TEXAS, TEXAS_ROWS

WAITING = "Waiting for Casebook's job service."


def text(response) -> str:
    return " ".join(response.content.decode().split())


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.CASEBOOK_IMPORT_BACKGROUND_ROWS = 100  # the Texas sample runs as a job


@pytest.fixture(autouse=True)
def _fake_renderer(monkeypatch):
    def record_print(*, enrolment, part, progress=None):
        progress(30, "Laying out the pages")
        return printing.PrintedRecord(b"%PDF-1.7 fake", f"{part}.pdf", "Achievement record", True)

    monkeypatch.setattr(exports, "record_print", record_print)


def _uploaded(centre, learner) -> ImportJob:
    with TEXAS.open("rb") as handle:
        return imports.import_job_create(
            centre=centre, uploaded_by=learner, learner=learner, upload=File(handle, "tx.csv")
        )


def _checked(centre, learner) -> ImportJob:
    return imports.import_job_validate(job=_uploaded(centre, learner))


def test_an_import_started_while_the_job_service_is_down_waits_and_says_it_will_start_by_itself(
    client, centre, learner, broker, django_capture_on_commit_callbacks
):
    job = _checked(centre, learner)
    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(job.get_absolute_url(), {"action": "import"})
    assert response.status_code == 302

    job.refresh_from_db()
    assert job.state == ImportJob.State.QUEUED
    assert job.waiting_for_job_service
    page = text(client.get(job.get_absolute_url()))
    assert WAITING in page
    assert "so the import hasn't started yet" in page
    assert "will start by itself when the service is back" in page
    assert not Problem.objects.exists()


def test_a_check_asked_for_while_the_job_service_is_down_waits_and_says_so(
    client, centre, learner, broker, django_capture_on_commit_callbacks
):
    job = _uploaded(centre, learner)
    client.force_login(learner)
    data = {"action": "check", "date_format": job.date_format}
    data.update({f"map_{name}": header for name, header in job.mapping.items()})
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(job.get_absolute_url(), data).status_code == 302

    job.refresh_from_db()
    assert (job.state, job.heartbeat_at) == (ImportJob.State.QUEUED, None)
    progress = text(client.get(reverse("complaints:import-progress", args=[job.pk])))
    assert "so the check of your file hasn't started yet" in progress


def test_a_pdf_asked_for_while_the_job_service_is_down_waits_and_says_so(
    client, learner, enrolment, broker, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    start = reverse("portfolio:enrolment-exports", args=[enrolment.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(start, {"part": "achievement"})
    export = PortfolioExport.objects.get()
    assert response.status_code == 302
    assert export.state == PortfolioExport.State.QUEUED
    page = text(client.get(export.get_absolute_url()))
    assert "so the PDF hasn't started yet" in page
    assert "The PDF could not be made" not in page


def test_an_analysis_asked_for_while_the_job_service_is_down_waits_and_the_manager_is_told(
    client, manager, centre, broker, transactional_db
):
    client.force_login(manager)
    page = client.post(reverse("analytics:start", args=[centre.slug]), follow=True)
    assert page.status_code == 200
    run = AnalysisRun.objects.get()
    assert run.status == AnalysisRun.Status.QUEUED
    assert run.waiting_for_job_service
    words = text(page)
    assert "The analysis of Harbour Energy is saved but waiting" in words
    assert "started." not in words
    assert "so the analysis hasn't started yet" in words  # the run's box on the dashboard


def test_a_notification_whose_email_cannot_be_queued_is_on_the_site_and_mailed_later(
    learner, broker, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a deployment with a broker and a worker
    learner.email = "lena@example.org"
    learner.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=learner, kind="evidence_assessed", title="Assessed", body="", url="/")
    assert Notification.objects.get().emailed_at is None
    assert len(mail.outbox) == 0

    broker.up = True
    assert jobs_sweep().endswith(", 1 notification e-mails sent again")
    assert Notification.objects.get().emailed_at is not None
    assert [m.to for m in mail.outbox] == [["lena@example.org"]]


def test_once_the_job_service_answers_the_sweep_sends_every_waiting_job_and_each_finishes(
    centre, learner, manager, enrolment, broker, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a deployment with a broker and a worker
    with django_capture_on_commit_callbacks(execute=True):
        job = imports.import_job_start(job=_checked(centre, learner), by=learner)
        analysis = analysis_request(centre=centre, trigger=AnalysisRun.Trigger.MANUAL, by=manager)
        export = exports.portfolio_export_request(
            user=learner, enrolment=enrolment, part="achievement"
        )
    waiting = [job, analysis, export]
    for row in waiting:
        row.refresh_from_db()
    assert all(row.waiting_for_job_service for row in waiting)

    assert (
        jobs_sweep()
        == "0 imports, 0 analysis runs, 0 PDF exports, 0 notification e-mails sent again"
    )  # still down
    broker.up = True
    # The export, finished within the sweep, tells the learner their PDF is ready; that
    # notification is made in this test's transaction, which never commits, so its e-mail is
    # never queued, and the same sweep, coming to the e-mails last, sends it.
    assert (
        jobs_sweep()
        == "1 imports, 1 analysis runs, 1 PDF exports, 1 notification e-mails sent again"
    )

    job.refresh_from_db()
    analysis.refresh_from_db()
    export.refresh_from_db()
    assert (job.state, job.imported_count) == (ImportJob.State.DONE, TEXAS_ROWS)
    assert Problem.objects.filter(import_job=job).count() == TEXAS_ROWS
    assert analysis.status == AnalysisRun.Status.SUCCEEDED
    assert export.state == PortfolioExport.State.DONE
    assert (
        jobs_sweep()
        == "0 imports, 0 analysis runs, 0 PDF exports, 0 notification e-mails sent again"
    )
