"""Background jobs of the portfolio. Thin: each takes an id, calls one service, and is safe
to run twice (acknowledged late, so a job whose worker died is delivered again)."""

from __future__ import annotations

from celery import shared_task
from celery.contrib.django.task import DjangoTask

from portfolio.services import exports


class _ExportTask(DjangoTask):
    """Retries only a database that went away; when the retries run out, the export's page
    says so instead of showing "being prepared" for ever."""

    autoretry_for = exports.TRANSIENT
    retry_backoff = True
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 5
    acks_late = True

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        if args:
            exports.portfolio_export_fail(export_id=args[0], reason=exports.DATABASE_TROUBLE)


@shared_task(base=_ExportTask, bind=False)
def portfolio_export_task(export_id: int) -> str:
    """Make one requested PDF and tell whoever asked for it."""
    export = exports.portfolio_export_run(export_id=export_id)
    if export is None:
        return f"portfolio export {export_id}: gone, finished or given up; nothing to do"
    return f"portfolio export {export_id}: {export.get_state_display()}"
