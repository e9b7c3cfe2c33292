"""The import's Celery tasks: thin, take ids, acknowledged late, retry only a database that
went away, and do nothing when the job is gone or not theirs. The last test runs a real
worker on Redis (where CELERY_BROKER_URL is set, as in CI)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.core.files import File
from django.db import InterfaceError, OperationalError, connection

from complaints import tasks
from complaints.importing import services
from complaints.models import ImportJob, Problem
from tests.complaints.test_import_files import TEXAS, TEXAS_ROWS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


@pytest.fixture
def job(centre, learner):
    with TEXAS.open("rb") as handle:
        return services.import_job_create(
            centre=centre, uploaded_by=learner, learner=learner, upload=File(handle, "tx.csv")
        )


def test_the_tasks_are_acknowledged_late_and_retry_only_database_outages():
    for task in (tasks.import_job_check_task, tasks.import_job_run_task):
        assert task.acks_late is True
        assert set(task.autoretry_for) == {OperationalError, InterfaceError}
        assert task.retry_backoff is True


def test_a_task_for_a_job_that_is_gone_exits_cleanly(db):
    assert "gone" in tasks.import_job_run_task(424242)
    assert "gone" in tasks.import_job_check_task(424242)


def test_the_check_task_checks_a_queued_job(job):
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.QUEUED)
    assert "Checked, 0 bad row(s)" in tasks.import_job_check_task(job.pk)
    job.refresh_from_db()
    assert job.state == ImportJob.State.VALIDATED


def test_the_run_task_does_nothing_for_a_job_not_started(job):
    assert "nothing to do" in tasks.import_job_run_task(job.pk)
    assert not Problem.objects.exists()


def test_the_run_task_imports_a_queued_job_and_a_second_delivery_does_nothing(job, learner):
    services.import_job_validate(job=job)
    ImportJob.objects.filter(pk=job.pk).update(  # as import_job_start leaves it
        state=ImportJob.State.QUEUED, started_at="2026-01-01T00:00Z", processed_rows=0
    )
    assert f"Imported, {TEXAS_ROWS} imported" in tasks.import_job_run_task(job.pk)
    assert "nothing to do" in tasks.import_job_run_task(job.pk)
    assert Problem.objects.count() == TEXAS_ROWS


def test_a_second_delivery_of_a_check_running_now_leaves_it_to_the_first(job):
    if connection.vendor != "postgresql":
        pytest.skip("jobs run one at a time in-process on SQLite")
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.QUEUED)
    db = connection.settings_dict
    first = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432,
    )  # fmt: skip
    lock = services._CHECK_LOCK + job.pk
    try:
        with first.cursor() as cursor:  # the first delivery's session, checking the file
            cursor.execute("SELECT pg_advisory_lock(%s)", [lock])
        assert services.import_job_check_queued(job_id=job.pk) is None
        job.refresh_from_db()
        assert job.state == ImportJob.State.QUEUED
        with first.cursor() as cursor:  # the first delivery stops (or its worker dies)
            cursor.execute("SELECT pg_advisory_unlock(%s)", [lock])
    finally:
        first.close()
    assert services.import_job_check_queued(job_id=job.pk).state == ImportJob.State.VALIDATED


def test_a_task_that_gives_up_marks_its_job_failed_with_a_reason(job):
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.RUNNING)
    tasks.import_job_run_task.on_failure(OperationalError("gone"), "task-id", (job.pk,), {}, None)
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED
    assert "database was unavailable" in job.error


# --- A real worker ---------------------------------------------------------------------------------


@pytest.fixture
def worker(transactional_db, settings):
    url = os.environ.get("CELERY_BROKER_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI is set but CELERY_BROKER_URL is not: the broker tests must run in CI.")
        pytest.skip("no CELERY_BROKER_URL: jobs run in-process here")
    db = connection.settings_dict
    if not db["ENGINE"].endswith("postgresql"):
        pytest.skip("a worker process cannot reach an in-memory SQLite test database")
    queue = f"test-imports-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "CASEBOOK_PRIVATE_STORAGE": str(settings.PRIVATE_STORAGE_ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "--concurrency=1", "-Q", queue, "--without-heartbeat", "--without-gossip",
         "--without-mingle", "-l", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    yield queue
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def _wait_for(job: ImportJob, state: str, timeout: float = 90) -> ImportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state == state:
            return job
        time.sleep(0.5)
    raise AssertionError(f"job still {job.state}, not {state}: {job.error}")


@pytest.mark.broker
def test_a_real_worker_checks_and_imports_a_file_from_redis(worker, centre, learner):
    with TEXAS.open("rb") as handle:
        job = services.import_job_create(
            centre=centre, uploaded_by=learner, learner=learner, upload=File(handle, "tx.csv")
        )
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.QUEUED)
    tasks.import_job_check_task.apply_async((job.pk,), queue=worker)
    job = _wait_for(job, ImportJob.State.VALIDATED)
    assert job.rejected_count == 0

    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.QUEUED, started_at="2026-01-01T00:00Z", processed_rows=0
    )
    tasks.import_job_run_task.apply_async((job.pk,), queue=worker)
    job = _wait_for(job, ImportJob.State.DONE)
    assert job.imported_count == TEXAS_ROWS
    assert Problem.objects.filter(import_job=job).count() == TEXAS_ROWS
