"""Background jobs of the portfolio. Thin: each takes an id, calls one service, and is safe
to run twice (acknowledged late, so a job whose worker died is delivered again)."""

from __future__ import annotations

from celery import shared_task

from config.jobs import DatabaseRetryTask
from portfolio.services import exports


class _ExportTask(DatabaseRetryTask):
    def give_up(self, object_id: int, exc: BaseException) -> None:
        exports.portfolio_export_fail(export_id=object_id, reason=exports.DATABASE_TROUBLE)


@shared_task(base=_ExportTask, bind=False)
def portfolio_export_task(export_id: int) -> str:
    """Make one requested PDF and tell whoever asked for it."""
    export = exports.portfolio_export_run(export_id=export_id)
    if export is None:
        return f"portfolio export {export_id}: gone, finished or given up; nothing to do"
    return f"portfolio export {export_id}: {export.get_state_display()}"
