"""Background jobs of the analytics engine. Thin: each takes an id and calls one service.

Acknowledged late (a job whose worker died is delivered again), retried only when the
database went away, with back-off; results are upserted, so a re-run or a duplicated
delivery leaves one set of results.
"""

from __future__ import annotations

from celery import shared_task

from accounts.models import Centre
from analytics import selectors, services
from analytics.models import AnalysisRun
from config.jobs import DatabaseRetryTask


class _AnalysisTask(DatabaseRetryTask):
    def give_up(self, object_id: int, exc: BaseException) -> None:
        # Only a run has a row to mark; the other tasks take a problem's or a centre's id.
        if self.name == analysis_run_task.name:
            services.analysis_run_fail(run_id=object_id, reason=f"{type(exc).__name__}: {exc}")


@shared_task(base=_AnalysisTask, name="analytics.run")
def analysis_run_task(run_id: int) -> str:
    """Execute one recorded run (full pass or incremental update)."""
    run = services.analysis_run_execute(run_id=run_id)
    if run is None:
        return f"analysis run {run_id}: gone or already finished; nothing to do"
    return f"analysis run {run_id}: {run.get_status_display()} in {run.duration_ms} ms"


@shared_task(base=_AnalysisTask, name="analytics.problem_changed")
def problem_changed_task(problem_id: int) -> str:
    """A problem was logged or changed: update the series and groups it touches."""
    run = services.analysis_incremental(problem_id=problem_id)
    if run is None:
        return f"problem {problem_id}: gone; nothing to do"
    return f"problem {problem_id}: incremental run {run.pk}, {run.get_status_display()}"


@shared_task(base=_AnalysisTask, name="analytics.problems_imported")
def problems_imported_task(centre_id: int) -> str:
    """An import finished: one full pass instead of an update per row."""
    centre = Centre.objects.filter(pk=centre_id).first()
    if centre is None:
        return f"centre {centre_id}: gone; nothing to do"
    queued = selectors.run_queued(centre=centre)
    if queued is not None:
        # Not started yet, so it will read these problems too (an API client sending a
        # log in batches would otherwise queue a full pass per batch).
        return f"centre {centre_id}: full run {queued.pk} already queued"
    run = services.analysis_request(centre=centre, trigger=AnalysisRun.Trigger.IMPORT)
    return f"centre {centre_id}: full run {run.pk} queued"


@shared_task(base=_AnalysisTask, name="analytics.nightly")
def nightly_task() -> str:
    """Beat's nightly full pass: one queued run per centre that has problems."""
    runs = services.analysis_request_nightly()
    return f"{len(runs)} nightly run(s) queued"
