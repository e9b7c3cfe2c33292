"""A worker killed (SIGKILL) in the middle of an import, and a new one started: the sweep
sends the job again, it continues after the last committed chunk, and every row of the file
is in the log exactly once, with one history record each. A real Celery worker on Redis and
PostgreSQL (runs where CELERY_BROKER_URL is set; CI sets it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.core.files import File
from django.db import connection
from django.db.models import Count

from bench.bench_import import write_csv
from complaints import tasks
from complaints.importing import services
from complaints.importing.checking import CHUNK_ROWS
from complaints.models import ImportJob, Problem
from complaints.services import service_level_for
from config.tasks import jobs_sweep

pytestmark = pytest.mark.broker

ROOT = Path(__file__).resolve().parents[2]
ROWS = 3 * CHUNK_ROWS  # three chunks: the kill lands in the second or the third


class Workers:
    """Celery workers on a private queue, pointed at the test database and storage."""

    def __init__(self, env: dict, queue: str) -> None:
        self.env, self.queue = env, queue
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        # Each worker's log is kept for a failing test to be read (test-results/ is ignored).
        (ROOT / "test-results").mkdir(exist_ok=True)
        log = open(ROOT / "test-results" / f"worker-{self.queue}.log", "a")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
             "-Q", self.queue, "--without-heartbeat", "--without-gossip", "--without-mingle",
             "-l", "info"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()  # the worker has its own copy

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def workers(broker_url, transactional_db, settings):
    db = connection.settings_dict
    if not db["ENGINE"].endswith("postgresql"):
        pytest.skip("a worker process cannot reach an in-memory SQLite test database")
    queue = f"test-faults-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "CASEBOOK_PRIVATE_STORAGE": str(settings.PRIVATE_STORAGE_ROOT),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    pool = Workers(env, queue)
    pool.start()
    yield pool
    pool.stop()


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


@pytest.fixture
def side(workers):
    """A second session on the test database, to hold locks the worker waits for."""
    db = connection.settings_dict
    session = psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
    yield session
    session.close()


def _lock_centre(side, centre) -> None:
    with side.cursor() as cursor:
        cursor.execute("SELECT 1 FROM accounts_centre WHERE id = %s FOR UPDATE", [centre.pk])


def _waiting_for_centre_lock() -> int:
    """Sessions waiting for a lock on a centre: a chunk reserving its problem numbers."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE %s",
            ['%FROM "accounts_centre"%FOR UPDATE%'],
        )
        return cursor.fetchone()[0]


def _wait_for(predicate, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid, state, wait_event_type, left(query, 120) FROM pg_stat_activity "
                    "WHERE datname = current_database()"
                )
                sessions = cursor.fetchall()
            raise AssertionError(f"timed out waiting for {what}; sessions: {sessions}")
        time.sleep(0.05)


def test_a_worker_killed_mid_import_and_a_new_one_leave_every_row_imported_exactly_once(
    workers, side, centre, learner, settings, monkeypatch, tmp_path
):
    path = tmp_path / "export.csv"
    write_csv(ROWS, path)
    with path.open("rb") as handle:
        job = services.import_job_create(
            centre=centre, uploaded_by=learner, learner=learner, upload=File(handle, "export.csv")
        )
    job = services.import_job_validate(job=job)
    assert (job.state, job.rejected_count) == (ImportJob.State.VALIDATED, 0)
    # The worker's first chunk waits for the centre's numbering lock, held here; this test
    # queues for the lock again as it lets go, so it holds it from the moment chunk 1 commits,
    # and chunk 2 stops half-way through its transaction, waiting, and is killed there.
    service_level_for(centre=centre)  # made now: made by the worker, it would wait for the lock
    _lock_centre(side, centre)
    # As import_job_start leaves it; sent to this test's worker rather than the default queue.
    ImportJob.objects.filter(pk=job.pk).update(
        state="queued", started_at="2026-01-01T00:00Z", processed_rows=0
    )
    tasks.import_job_run_task.apply_async((job.pk,), queue=workers.queue)
    _wait_for(lambda: _waiting_for_centre_lock() == 1, "chunk 1 to wait for the lock", 30)
    side.commit()
    relock = threading.Thread(target=_lock_centre, args=(side, centre))
    relock.start()
    _wait_for(lambda: ImportJob.objects.get(pk=job.pk).processed_rows >= CHUNK_ROWS, "chunk 1", 30)
    relock.join(timeout=60)
    _wait_for(lambda: _waiting_for_centre_lock() == 1, "chunk 2 to wait for the lock", 30)
    workers.kill()
    side.rollback()
    killed = ImportJob.objects.get(pk=job.pk)
    assert killed.state == ImportJob.State.RUNNING
    assert killed.processed_rows == CHUNK_ROWS  # chunk 1 in, chunk 2 rolled back

    # The killed worker's message stays unacknowledged in Redis for the broker's visibility
    # timeout (an hour); the sweep, with the job silent, sends it again to the new worker.
    workers.start()
    settings.CASEBOOK_JOB_STALE_SECONDS = 0
    monkeypatch.setattr(
        tasks.import_job_run_task,
        "delay",
        lambda pk: tasks.import_job_run_task.apply_async((pk,), queue=workers.queue),
    )
    assert jobs_sweep().startswith("1 imports")
    _wait_for(lambda: ImportJob.objects.get(pk=job.pk).state == ImportJob.State.DONE, "done")

    job.refresh_from_db()
    imported = Problem.objects.filter(import_job=job)
    assert job.imported_count == ROWS
    assert imported.count() == ROWS
    assert imported.values("import_row").distinct().count() == ROWS
    assert not imported.values("external_ref").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert Problem.history.filter(import_job_id=job.pk).count() == ROWS
