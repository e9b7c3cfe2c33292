"""Killing the worker in the middle of an analysis, then running it again, leaves exactly
one set of results: a real Celery worker on Redis and PostgreSQL (runs where
CELERY_BROKER_URL is set; CI sets it)."""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest
from django.db import connection

from analytics.models import (
    AnalysisRun,
    CandidateIncident,
    Effectiveness,
    RecurringCandidate,
    SeriesCount,
    Signal,
)
from analytics.services import analysis_run_execute
from analytics.tasks import analysis_run_task
from tests.analytics.conftest import store_generated

pytestmark = pytest.mark.broker


def _snapshot(centre) -> dict:
    return {
        "counts": sorted(
            SeriesCount.objects.filter(centre=centre).values_list(
                "granularity", "dimension", "key", "day", "count"
            )
        ),
        "signals": sorted(
            Signal.objects.filter(centre=centre, active=True).values_list(
                "dimension", "key", "granularity", "period_start", "observed"
            )
        ),
        "candidates": sorted(
            RecurringCandidate.objects.filter(centre=centre).values_list("product", "size")
        ),
        "effects": sorted(Effectiveness.objects.values_list("action_id", "verdict")),
    }


def _other_sessions() -> int:
    """Other sessions on the test database still running a statement. Only such a session
    can still commit; idle ones (the live server's, kept by earlier browser tests in this
    process) never go away and need not."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND state = 'active'"
        )
        return cursor.fetchone()[0]


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid, state, wait_event_type, backend_start, left(query, 100) "
                    "FROM pg_stat_activity WHERE datname = current_database()"
                )
                sessions = cursor.fetchall()
            raise AssertionError(f"timed out waiting; sessions on the test database: {sessions}")
        time.sleep(0.02)


def test_a_worker_killed_mid_run_and_a_rerun_leave_exactly_one_set_of_results(
    worker, centre, learner, other_learner
):
    if connection.vendor != "postgresql":
        pytest.skip("the worker shares the test database only on PostgreSQL")
    store_generated(centre, [learner, other_learner], days=730, mean_per_day=14)
    run = AnalysisRun.objects.create(centre=centre, trigger=AnalysisRun.Trigger.NIGHTLY)
    analysis_run_task.apply_async(args=[run.pk], queue=worker.queue)
    _wait_for(lambda: AnalysisRun.objects.get(pk=run.pk).status == AnalysisRun.Status.RUNNING)
    time.sleep(0.3)  # into the pass: reading, computing or writing
    worker.process.send_signal(signal.SIGKILL)
    worker.process.wait(timeout=10)
    # Its database session outlives it until the statement in hand is done: a COMMIT it had
    # already sent still commits. Look once that session has gone, or the three looks below
    # could straddle that commit (seen once: counts absent, signals and candidates present).
    _wait_for(lambda: not _other_sessions())

    killed = AnalysisRun.objects.get(pk=run.pk)
    assert killed.status == AnalysisRun.Status.RUNNING  # it never finished
    # Whatever the kill interrupted, nothing half-written is visible: the results of this
    # first run are all there (it died after committing them) or none are.
    present = [
        model.objects.filter(centre=centre).exists()
        for model in (SeriesCount, Signal, RecurringCandidate)
    ]
    print(f"\nresults present when the worker died: {present}")
    assert all(present) or not any(present)

    # The broker delivers the unacknowledged task again; here it runs in-process.
    rerun = analysis_run_execute(run_id=run.pk)
    assert rerun.status == AnalysisRun.Status.SUCCEEDED
    assert AnalysisRun.objects.get(pk=run.pk).attempts == 2
    first = _snapshot(centre)

    # Exactly one set: no problem in two candidates, and a clean second pass changes nothing.
    links = Counter(CandidateIncident.objects.values_list("problem_id", flat=True))
    assert not [p for p, n in links.items() if n > 1]
    again = AnalysisRun.objects.create(centre=centre, trigger=AnalysisRun.Trigger.COMMAND)
    analysis_run_execute(run_id=again.pk)
    assert _snapshot(centre) == first
