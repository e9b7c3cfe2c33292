"""Background jobs of the problem log. Thin: each takes an id, calls one service, and is
safe to run twice (acknowledged late, so a job whose worker died is delivered again)."""

from __future__ import annotations

from celery import shared_task

from complaints.importing import services
from config.jobs import DatabaseRetryTask


class _ImportTask(DatabaseRetryTask):
    def give_up(self, object_id: int, exc: BaseException) -> None:
        services.import_job_fail(job_id=object_id, reason=services.DATABASE_TROUBLE)


@shared_task(base=_ImportTask, bind=False)
def import_job_check_task(job_id: int) -> str:
    """Check every row of an uploaded file (no problems are written)."""
    job = services.import_job_check_queued(job_id=job_id)
    if job is None:
        return f"import {job_id}: gone or not waiting for a check; nothing to do"
    return f"import {job_id}: {job.get_state_display()}, {job.rejected_count} bad row(s)"


@shared_task(base=_ImportTask, bind=False)
def import_job_run_task(job_id: int) -> str:
    """Import a checked file's rows; a re-run continues after the last committed chunk."""
    job = services.import_job_run(job_id=job_id)
    if job is None:
        return f"import {job_id}: gone, finished or not started; nothing to do"
    return f"import {job_id}: {job.get_state_display()}, {job.imported_count} imported"
