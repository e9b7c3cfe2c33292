"""PDF exports made in the background (issue 7): a request queues a Celery job once it
commits; the job renders one part of an enrolment's records (the full portfolio from the
records page), saving its progress for the page that polls it, stores the PDF under a random
name in private storage and tells whoever asked for it."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

from celery.exceptions import Retry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from accounts.models import Notification, User
from accounts.services import notify
from config.jobs import TRANSIENT, job_send, jobs_resend_stale
from portfolio.models import Enrolment, PortfolioExport
from portfolio.services.printing import PARTS, record_print

logger = logging.getLogger(__name__)

ACTIVE = (PortfolioExport.State.QUEUED, PortfolioExport.State.RUNNING)
# The database going away is worth a retry; anything else fails the export with a message.
# A job that has not finished by then has died with its worker (or was never delivered): it
# no longer stops the same person asking again. A full portfolio takes well under a minute.
STALLED_AFTER = timedelta(minutes=30)

# Shown under "The PDF could not be made" and in the notification saying so.
RENDER_TROUBLE = (
    "Something went wrong in Casebook while making it, and the error has been logged. Try "
    "again; if it fails again, tell your centre."
)
STORAGE_TROUBLE = (
    "It was made but could not be saved: the server's storage refused it. Try again later; "
    "if it fails again, tell your centre."
)
DATABASE_TROUBLE = "The database was unavailable while it was being made. Try again."
QUEUE_TROUBLE = "The job that makes it could not be started. Try again."
STALLED = "It stopped without finishing, perhaps because the server restarted. Try again."


def exports_dir() -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT) / "exports"


def export_path(export: PortfolioExport) -> Path:
    """Where a finished export's PDF is kept: under its random name, never a user's words."""
    return _path_for(export.stored_name)


def _path_for(stored_name: str) -> Path:
    return exports_dir() / stored_name[:2] / stored_name


# Requesting --------------------------------------------------------------------------------


def portfolio_export_request(
    *, user: User, enrolment: Enrolment, part: str = "portfolio"
) -> PortfolioExport:
    """Queue a PDF of one part of the enrolment's records (a key of printing.PARTS) for the
    user; the job starts once the caller's transaction commits. While the user's earlier
    request for the same PDF is still queued or running, that one is returned instead.
    Who may ask is the caller's check (selectors.enrolment_for_exporter)."""
    if part not in PARTS:
        raise ValidationError(f"There is no printed record called “{part[:40]}”.")
    mine = PortfolioExport.objects.filter(enrolment=enrolment, part=part, requested_by=user)
    mine.filter(state__in=ACTIVE, created_at__lt=timezone.now() - STALLED_AFTER).update(
        state=PortfolioExport.State.FAILED, error=STALLED, finished_at=timezone.now()
    )
    running = mine.filter(state__in=ACTIVE).first()
    if running is not None:
        return running
    name = PARTS[part].title
    try:
        with transaction.atomic():
            export = PortfolioExport.objects.create(
                enrolment=enrolment,
                part=part,
                title=f"{name}, unit {enrolment.unit.code}, {enrolment.learner.display_name}",
                requested_by=user,
                step="Waiting to start",
                heartbeat_at=timezone.now(),
            )
    except IntegrityError:
        # Two requests at the same moment: the other one's row won the constraint.
        return mine.get(state__in=ACTIVE)
    transaction.on_commit(lambda: _enqueue(export), robust=True)
    return export


def _enqueue(export: PortfolioExport) -> None:
    """Hand the job to Celery. A broker that does not answer leaves the export waiting for
    the sweeper (config.jobs.job_send). Without a broker it runs here and now (eager), so a
    database failure outlasting the retries surfaces here (as the retry Celery gave up on):
    the export says so rather than staying queued."""
    from portfolio import tasks  # the task calls back into this module

    try:
        job_send(tasks.portfolio_export_task, export)
    except (*TRANSIENT, Retry):
        logger.exception("Portfolio export %s: the database failed while it ran", export.pk)
        portfolio_export_fail(export_id=export.pk, reason=DATABASE_TROUBLE)
    except Exception:
        logger.exception("Portfolio export %s could not be queued", export.pk)
        portfolio_export_fail(export_id=export.pk, reason=QUEUE_TROUBLE)


def portfolio_exports_resend_stale() -> int:
    """Send again every export waiting or being prepared that went silent: its message was
    lost (the broker restarted, or never took it) or its worker died. Safe: each run writes
    its own file and only the first to finish is kept."""
    from portfolio import tasks  # the task calls back into this module

    return jobs_resend_stale(
        PortfolioExport.objects.filter(state__in=ACTIVE),
        task_for=lambda export: tasks.portfolio_export_task,
    )


# Running ----------------------------------------------------------------------------------


def portfolio_export_run(*, export_id: int) -> PortfolioExport | None:
    """Make the PDF: claim the export, render it saving each step for the progress bar, store
    it and tell the requester. Safe to run twice: each run writes its own file, and only the
    first to finish is recorded (a later one removes its copy). None when there is nothing
    to do (gone, finished or given up)."""
    claimed = PortfolioExport.objects.filter(pk=export_id, state__in=ACTIVE).update(
        state=PortfolioExport.State.RUNNING,
        started_at=timezone.now(),
        percent=1,
        step="Starting",
        heartbeat_at=timezone.now(),
    )
    if claimed != 1:
        return None
    export = PortfolioExport.objects.select_related(
        "enrolment__unit", "enrolment__learner", "enrolment__assessor", "requested_by"
    ).get(pk=export_id)
    progress = _progress_saver(export_id)
    try:
        printed = record_print(enrolment=export.enrolment, part=export.part, progress=progress)
    except TRANSIENT:
        raise  # the task retries; the retry claims the running export again
    except Exception:
        logger.exception("Portfolio export %s: the PDF could not be made", export_id)
        return _run_failed(export, RENDER_TROUBLE)
    progress(95, "Saving the file")
    stored_name = secrets.token_hex(16)
    try:
        _write(_path_for(stored_name), printed.body)
    except OSError:
        logger.exception("Portfolio export %s: the PDF could not be stored", export_id)
        return _run_failed(export, STORAGE_TROUBLE)
    finished = PortfolioExport.objects.filter(
        pk=export_id, state=PortfolioExport.State.RUNNING
    ).update(
        state=PortfolioExport.State.DONE,
        percent=100,
        step="Ready",
        stored_name=stored_name,
        filename=printed.filename,
        title=printed.title,
        size=len(printed.body),
        sha256=hashlib.sha256(printed.body).hexdigest(),
        is_draft=printed.is_draft,
        finished_at=timezone.now(),
    )
    if finished != 1:
        # Another run finished first, or the export was given up as stalled: keep theirs.
        _path_for(stored_name).unlink(missing_ok=True)
    export.refresh_from_db()
    if finished == 1:
        _ready_notify(export)
    return export


def _progress_saver(export_id: int):
    """The progress callback: one UPDATE per step, committed at once (the job runs outside a
    transaction) so the polling page sees it."""

    def save(percent: int, words: str) -> None:
        PortfolioExport.objects.filter(pk=export_id, state=PortfolioExport.State.RUNNING).update(
            percent=max(1, min(99, percent)), step=words[:200], heartbeat_at=timezone.now()
        )

    return save


def _write(path: Path, body: bytes) -> None:
    """Write beside the final name and rename into place: nobody ever reads half a PDF, and
    a failed write leaves nothing behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _run_failed(export: PortfolioExport, error: str) -> PortfolioExport:
    portfolio_export_fail(export_id=export.pk, reason=error)
    export.refresh_from_db()
    return export


def portfolio_export_fail(*, export_id: int, reason: str) -> bool:
    """Mark a queued or running export failed, with a reason in words, and tell whoever
    asked for it. False when it had already finished (or is gone)."""
    failed = PortfolioExport.objects.filter(pk=export_id, state__in=ACTIVE).update(
        state=PortfolioExport.State.FAILED, error=reason, step="", finished_at=timezone.now()
    )
    if failed:
        export = PortfolioExport.objects.select_related("requested_by").get(pk=export_id)
        notify(
            recipient=export.requested_by,
            kind=Notification.Kind.PORTFOLIO_FAILED,
            title=f"Your PDF could not be made: {export.title}",
            body=f"{reason}\n\nIts page has a button to try again.",
            url=export.get_absolute_url(),
        )
    return bool(failed)


def _ready_notify(export: PortfolioExport) -> Notification:
    draft = (
        " It is marked DRAFT on every page: not every signature is in place and valid yet."
        if export.is_draft
        else ""
    )
    title = (
        "Your portfolio PDF is ready"
        if export.part == "portfolio"
        else f"Your PDF is ready: {PARTS[export.part].title.lower()}"
    )
    return notify(
        recipient=export.requested_by,
        kind=Notification.Kind.PORTFOLIO_READY,
        title=title,
        body=f"{export.title} ({filesizeformat(export.size)}) is ready to download.{draft}",
        url=export.get_absolute_url(),
    )
