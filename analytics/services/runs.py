"""Analysis runs: requested, claimed by a worker, executed, recorded for managers to see.

A run is a row before it is a task, so a manager sees it queued; the task only carries the
run's id. Claiming is a conditional UPDATE, so a duplicated delivery of a finished run does
nothing, and a run whose worker died (left "running") is taken up again on redelivery: its
results are written in one transaction and keyed by unique constraints, so the second attempt
leaves exactly one set.
"""

from __future__ import annotations

import logging
import time

from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Centre, User
from analytics.models import AnalysisRun
from complaints.models import Problem
from config.jobs import TRANSIENT, job_enqueue, jobs_resend_stale

logger = logging.getLogger(__name__)


def analysis_request(
    *,
    centre: Centre,
    trigger: str,
    scope: str = AnalysisRun.Scope.FULL,
    problem_id: int | None = None,
    by: User | None = None,
) -> AnalysisRun:
    """Record a queued run and enqueue it once the caller's transaction commits. When the job
    service does not answer, the run stays queued (``waiting_for_job_service``) and the
    sweeper sends it later."""
    from analytics import tasks  # the task module imports this one

    run = AnalysisRun.objects.create(
        centre=centre,
        trigger=trigger,
        scope=scope,
        problem_id=problem_id,
        requested_by=by,
        heartbeat_at=timezone.now(),
    )
    job_enqueue(tasks.analysis_run_task, run)
    return run


def analysis_runs_resend_stale() -> int:
    """Send again every run queued or running that went silent: its message was lost (the
    broker restarted, or never took it) or its worker died. Safe: a run's results are
    written in one transaction under the centre's lock and replace the last ones."""
    from analytics import tasks  # the task module imports this one

    return jobs_resend_stale(
        AnalysisRun.objects.filter(
            status__in=[AnalysisRun.Status.QUEUED, AnalysisRun.Status.RUNNING]
        ),
        task_for=lambda run: tasks.analysis_run_task,
    )


def analysis_request_nightly() -> list[AnalysisRun]:
    """Queue a full pass for every centre that has problems."""
    centres = Centre.objects.filter(problems__isnull=False).distinct()
    return [
        analysis_request(centre=centre, trigger=AnalysisRun.Trigger.NIGHTLY) for centre in centres
    ]


def analysis_incremental(*, problem_id: int) -> AnalysisRun | None:
    """Record and execute, here and now, the incremental update for one problem (the caller
    is already a background job). None when the problem is gone."""
    centre_id = Problem.objects.filter(pk=problem_id).values_list("centre_id", flat=True).first()
    if centre_id is None:
        return None
    run = AnalysisRun.objects.create(
        centre_id=centre_id,
        trigger=AnalysisRun.Trigger.PROBLEM,
        scope=AnalysisRun.Scope.INCREMENTAL,
        problem_id=problem_id,
        heartbeat_at=timezone.now(),
    )
    return analysis_run_execute(run_id=run.pk)


def analysis_run_claim(*, run_id: int) -> AnalysisRun | None:
    """Mark a queued (or abandoned running) run as running; None if finished or gone."""
    claimed = AnalysisRun.objects.filter(
        pk=run_id, status__in=[AnalysisRun.Status.QUEUED, AnalysisRun.Status.RUNNING]
    ).update(
        status=AnalysisRun.Status.RUNNING,
        started_at=timezone.now(),
        attempts=F("attempts") + 1,
        progress=0,
        step="Starting",
        heartbeat_at=timezone.now(),
    )
    if claimed != 1:
        return None
    return AnalysisRun.objects.select_related("centre").get(pk=run_id)


def analysis_run_execute(*, run_id: int) -> AnalysisRun | None:
    """Claim and execute a run. Transient database errors propagate (the task retries);
    anything else marks the run failed with the error, for the manager to see."""
    from analytics.services.passes import full_pass, incremental_update

    run = analysis_run_claim(run_id=run_id)
    if run is None:
        return None
    started = time.perf_counter()
    try:
        if run.scope == AnalysisRun.Scope.INCREMENTAL:
            counts, timings = incremental_update(run=run)
        else:
            counts, timings = full_pass(run=run)
    except TRANSIENT:
        raise
    except DatabaseError as error:
        _finish(run, started, status=AnalysisRun.Status.FAILED, error=_describe(error))
        raise
    except Exception as error:
        logger.exception("analysis run %s failed", run.pk)
        return _finish(run, started, status=AnalysisRun.Status.FAILED, error=_describe(error))
    return _finish(
        run, started, status=AnalysisRun.Status.SUCCEEDED, counts=counts, timings=timings
    )


def analysis_run_fail(*, run_id: int, reason: str) -> None:
    """Record that a run gave up (retries exhausted), unless it finished meanwhile."""
    AnalysisRun.objects.filter(
        pk=run_id, status__in=[AnalysisRun.Status.QUEUED, AnalysisRun.Status.RUNNING]
    ).update(status=AnalysisRun.Status.FAILED, finished_at=timezone.now(), error=reason)


def _finish(
    run: AnalysisRun,
    started: float,
    *,
    status: str,
    counts: dict | None = None,
    timings: dict | None = None,
    error: str = "",
) -> AnalysisRun:
    run.status = status
    run.finished_at = timezone.now()
    run.duration_ms = round(1000 * (time.perf_counter() - started))
    run.counts = counts or {}
    run.timings = timings or {}
    run.error = error
    if status == AnalysisRun.Status.SUCCEEDED:
        run.progress, run.step = 100, ""
    with transaction.atomic():
        AnalysisRun.objects.filter(pk=run.pk, status=AnalysisRun.Status.RUNNING).update(
            progress=run.progress,
            step=run.step,
            status=run.status,
            finished_at=run.finished_at,
            duration_ms=run.duration_ms,
            counts=run.counts,
            timings=run.timings,
            error=run.error,
        )
    return run


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]
