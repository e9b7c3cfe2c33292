"""Background jobs of the problem log. Thin: each takes an id, calls one service, and is
safe to run twice (acknowledged late, so a job whose worker died is delivered again)."""

from __future__ import annotations

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import InterfaceError, OperationalError

from complaints.importing import services

TRANSIENT = (OperationalError, InterfaceError)


class _ImportTask(DjangoTask):
    """Retries only a database that went away; when the retries run out, the job's page
    says so instead of showing "importing" for ever."""

    autoretry_for = TRANSIENT
    retry_backoff = True
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 5
    acks_late = True

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        if args:
            services.import_job_fail(job_id=args[0], reason=services.DATABASE_TROUBLE)


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
