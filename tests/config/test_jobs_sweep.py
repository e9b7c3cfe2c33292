"""Sending a job to the job service and sending again what went missing (config.jobs): a job
never sent, or silent for longer than CASEBOOK_JOB_STALE_SECONDS, is sent again by the sweep;
a job making progress, or finished, is left alone; without a broker the sweep does nothing."""

from __future__ import annotations

import datetime

import pytest
from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError

from analytics.models import AnalysisRun
from analytics.tasks import analysis_run_task
from complaints.models import ImportJob
from complaints.tasks import import_job_check_task, import_job_run_task
from config import tasks as config_tasks
from config.jobs import DatabaseRetryTask, job_send, task_send
from config.tasks import jobs_sweep
from portfolio.models import PortfolioExport
from portfolio.tasks import portfolio_export_task

TASKS = {
    import_job_check_task: "check",
    import_job_run_task: "import",
    analysis_run_task: "analysis",
    portfolio_export_task: "export",
}


@pytest.fixture
def sent(monkeypatch, settings):
    """A deployment with a broker; what each task was sent with (its row's id)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CASEBOOK_JOB_STALE_SECONDS = 300
    calls: list[tuple[str, int]] = []
    for task, kind in TASKS.items():
        monkeypatch.setattr(task, "delay", lambda pk, kind=kind: calls.append((kind, pk)))
    return calls


def ago(minutes: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=minutes)


def import_job(centre, learner, *, state, heartbeat_at, started=True) -> ImportJob:
    return ImportJob.objects.create(
        centre=centre,
        uploaded_by=learner,
        learner=learner,
        original_name="export.csv",
        stored_name=f"{timezone.now().timestamp()}-{state}-{heartbeat_at}.upload",
        size_bytes=1,
        file_format=ImportJob.Format.CSV,
        state=state,
        started_at=timezone.now() if started else None,
        heartbeat_at=heartbeat_at,
    )


def test_the_sweep_sends_again_jobs_never_sent_or_silent_and_leaves_the_rest_alone(
    sent, centre, learner, enrolment
):
    lost_import = import_job(centre, learner, state="running", heartbeat_at=ago(10))
    unsent_check = import_job(centre, learner, state="queued", heartbeat_at=None, started=False)
    import_job(centre, learner, state="running", heartbeat_at=ago(1))  # making progress
    import_job(centre, learner, state="done", heartbeat_at=ago(60))  # finished
    import_job(centre, learner, state="validated", heartbeat_at=None, started=False)  # idle
    lost_run = AnalysisRun.objects.create(centre=centre, trigger="manual", heartbeat_at=ago(6))
    AnalysisRun.objects.create(centre=centre, trigger="manual", heartbeat_at=ago(2))
    AnalysisRun.objects.create(
        centre=centre, trigger="manual", status="succeeded", heartbeat_at=ago(90)
    )
    lost_export = PortfolioExport.objects.create(
        enrolment=enrolment, part="achievement", requested_by=learner, heartbeat_at=None
    )

    assert (
        jobs_sweep()
        == "2 imports, 1 analysis runs, 1 PDF exports, 0 notification e-mails sent again"
    )
    assert sorted(sent) == sorted(
        [
            ("import", lost_import.pk),
            ("check", unsent_check.pk),
            ("analysis", lost_run.pk),
            ("export", lost_export.pk),
        ]
    )
    # Each moved on: the next sweep leaves them until they are silent again.
    lost_import.refresh_from_db()
    assert lost_import.heartbeat_at > ago(1)
    assert (
        jobs_sweep()
        == "0 imports, 0 analysis runs, 0 PDF exports, 0 notification e-mails sent again"
    )
    assert len(sent) == 4


def test_a_sweep_while_the_job_service_is_still_down_leaves_the_job_waiting(
    monkeypatch, settings, centre, learner
):
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def down(*args):
        raise BrokerOperationalError("Error 111 connecting to 127.0.0.1:6379.")

    monkeypatch.setattr(import_job_run_task, "delay", down)
    job = import_job(centre, learner, state="queued", heartbeat_at=ago(30))

    assert jobs_sweep().startswith("0 imports")
    job.refresh_from_db()
    assert job.state == ImportJob.State.QUEUED
    assert job.waiting_for_job_service


def test_without_a_broker_the_sweep_does_nothing(settings, monkeypatch, centre, learner):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setattr(import_job_run_task, "delay", lambda pk: pytest.fail("sent"))
    import_job(centre, learner, state="running", heartbeat_at=ago(30))
    assert (
        jobs_sweep()
        == "0 imports, 0 analysis runs, 0 PDF exports, 0 notification e-mails sent again"
    )


def test_the_sweep_runs_every_minute_on_beat_and_expires_before_the_next(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["jobs-sweep"]
    assert entry["task"] == jobs_sweep.name
    assert entry["schedule"] == datetime.timedelta(seconds=60)
    assert entry["options"]["expires"] < 60


def test_a_job_silent_for_longer_than_a_step_takes_says_it_is_taking_longer_than_usual(
    settings, centre, learner
):
    settings.CASEBOOK_JOB_STALE_SECONDS = 300
    silent = import_job(centre, learner, state="running", heartbeat_at=ago(6))
    busy = import_job(centre, learner, state="running", heartbeat_at=ago(4))
    done = import_job(centre, learner, state="done", heartbeat_at=ago(60))
    assert (silent.stalled, busy.stalled, done.stalled) == (True, False, False)
    assert not silent.waiting_for_job_service


def test_sending_to_a_broker_that_does_not_answer_is_logged_not_raised(
    monkeypatch, centre, learner, caplog
):
    def down(*args):
        raise BrokerOperationalError("Error 111 connecting to 127.0.0.1:6379.")

    monkeypatch.setattr(import_job_run_task, "delay", down)
    job = import_job(centre, learner, state="queued", heartbeat_at=timezone.now())

    assert task_send(import_job_run_task, job.pk) is False
    assert job_send(import_job_run_task, job) is False
    assert job.heartbeat_at is None
    job.refresh_from_db()
    assert (job.state, job.heartbeat_at) == (ImportJob.State.QUEUED, None)
    assert "the job service did not answer" in caplog.text


def test_a_job_rides_out_a_database_restart_of_a_minute_or_two_before_giving_up():
    # Jittered back-off up to 1, 2, 4 ... 128 s: on average about two minutes in all.
    assert DatabaseRetryTask.max_retries == 8
    assert sum(min(2**n, DatabaseRetryTask.retry_backoff_max) for n in range(8)) == 255


def test_a_sweep_while_the_database_is_away_skips_and_leaves_it_to_the_next(monkeypatch, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def database_gone():
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(config_tasks, "import_jobs_resend_stale", database_gone)
    assert jobs_sweep() == "the database is unavailable: nothing sent again"
