"""Project-wide tasks: the broker round trip check, and the sweep for jobs gone missing."""

from __future__ import annotations

import logging
import socket

from celery import shared_task
from django.db import connection

from accounts.services import notification_emails_resend_stale
from analytics.services import analysis_runs_resend_stale
from complaints.importing.services import import_jobs_resend_stale
from config.jobs import TRANSIENT
from portfolio.services.exports import portfolio_exports_resend_stale

logger = logging.getLogger(__name__)


@shared_task(ignore_result=False)
def ping() -> dict:
    """Round trip through the broker and the database: proves a worker is consuming and can
    reach the same database as the web app."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"pong": one == 1, "database": connection.vendor, "host": socket.gethostname()}


@shared_task(name="config.jobs_sweep")
def jobs_sweep() -> str:
    """Beat's sweep (every CASEBOOK_JOB_SWEEP_SECONDS): send again every import, analysis run
    and PDF export still queued or running that was never sent (the job service did not
    answer) or has gone silent (its message was lost, its worker died), and every recent
    notification e-mail no worker took. Each job is safe to run twice. Without a broker it
    does nothing."""
    try:
        sent = {
            "imports": import_jobs_resend_stale(),
            "analysis runs": analysis_runs_resend_stale(),
            "PDF exports": portfolio_exports_resend_stale(),
            "notification e-mails": notification_emails_resend_stale(),
        }
    except TRANSIENT as exc:
        # Not worth a retry: the next sweep comes round soon and finds the same jobs.
        logger.warning("Job sweep skipped: the database is unavailable (%s)", exc)
        return "the database is unavailable: nothing sent again"
    return ", ".join(f"{count} {kind}" for kind, count in sent.items()) + " sent again"
