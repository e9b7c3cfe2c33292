"""Importing a company system's export into a learner's problem log: the flow.

`import_job_create` stores the upload and guesses the mapping; `import_job_configure`
records the user's mapping, date format and category choices; `import_job_validate` reads
the whole file and reports every bad row without writing a problem; `import_job_run`
writes the rows in chunks. A page calls `import_job_check` and `import_job_start`: small
files run inline, large ones as Celery jobs with a progress bar.

Exactly once, whatever happens to the worker: each chunk is one transaction that also
advances the job's checkpoint (`processed_rows`) under a lock on the job row, so a re-run
after a crash skips the chunks already committed, and two runs of the same job at once
take turns. The unique constraints on (import_job, import_row) and (centre, external_ref)
back that up.

All or nothing (the default): the file must have been checked with no bad rows before a
row is written. A run that dies part-way leaves the chunks it committed, and the re-run
(the task's redelivery, or "Try again") finishes the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Centre, Membership, Role, User
from complaints.importing import checking, dates, reader, storage
from complaints.importing import mapping as m
from complaints.importing.writers import RowWriter, StageChunk, read_chunk, writer_for
from complaints.models import (
    Category,
    CategoryMapping,
    ImportJob,
)
from complaints.services import problem_log_notify
from config.jobs import TRANSIENT as TRANSIENT_ERRORS
from config.jobs import job_enqueue, jobs_resend_stale

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 5
SAMPLE_ROWS = 2000  # rows read at upload to list category values and spot date formats

DATABASE_TROUBLE = (
    "The database was unavailable while importing. The rows imported so far are kept; "
    "“Try again” continues from where it stopped."
)
CHECK_TROUBLE = (
    "Something went wrong while checking the file. Try again, or upload it again; the "
    "error has been logged."
)
RUN_TROUBLE = (
    "Something went wrong while importing. The rows imported so far are kept; “Try again” "
    "continues from where it stopped. The error has been logged."
)


# --- Who may import into which log ----------------------------------------------------------


def import_permitted(*, by: User, centre: Centre, learner: User) -> bool:
    """A learner imports into their own log; a manager into any learner's log at a centre
    they manage. Nobody else imports."""
    if not Membership.objects.filter(user=learner, centre=centre, role=Role.LEARNER).exists():
        return False
    if by.pk == learner.pk:
        return True
    return Membership.objects.filter(user=by, centre=centre, role=Role.MANAGER).exists()


def import_job_require_uploader(*, job: ImportJob, by: User) -> None:
    """Only the person who uploaded a file changes its import (the learner it is for, or
    the centre's managers, only see it)."""
    if job.uploaded_by_id != by.pk:
        raise PermissionDenied("Only the person who uploaded the file can change this import.")


# --- Upload ---------------------------------------------------------------------------------


def import_job_create(
    *, centre: Centre, uploaded_by: User, learner: User, upload: File
) -> ImportJob:
    """Store an upload under a random name, refusing files over the size limit and files
    that are not CSV or XLSX, and record its headers, a preview and a guessed mapping.
    A refused file leaves nothing behind."""
    if not import_permitted(by=uploaded_by, centre=centre, learner=learner):
        raise PermissionDenied(f"{uploaded_by} may not import into {learner}'s log.")
    limit = settings.CASEBOOK_IMPORT_MAX_BYTES
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise ValidationError(storage.too_big_message(declared, limit))
    stored_name = storage.new_stored_name()
    path = storage.imports_dir() / stored_name
    job = None
    try:
        size, sha256 = storage.store_upload(upload, path, limit=limit)
        kind = reader.inspect_file(path)
        look = _first_look(path, kind)
        job = ImportJob.objects.create(
            centre=centre,
            uploaded_by=uploaded_by,
            learner=learner,
            original_name=Path(getattr(upload, "name", "") or "upload").name[:255],
            stored_name=stored_name,
            size_bytes=size,
            sha256=sha256,
            file_format=kind.file_format,
            encoding=kind.encoding,
            headers=look.pop("headers"),
            mapping=look.pop("mapping"),
            total_rows=look.pop("estimated_rows"),
        )
        storage.write_meta(job, **look)
    except BaseException as exc:
        path.unlink(missing_ok=True)
        if job is not None:
            job.delete()
        if isinstance(exc, reader.FileRefused):
            raise ValidationError(str(exc)) from None
        raise
    return job


def _first_look(path: Path, kind: reader.FileKind) -> dict:
    """Headers, a guessed mapping, the first rows and a sample's category values and date
    shapes, from the start of the file only (fast whatever its size)."""
    with reader.open_table(path, kind) as table:
        mapping = m.guess_mapping(table.headers)
        validator = checking.validator_for(
            headers=table.headers, mapping=mapping, date_order="", centre=None
        )
        preview: list[list] = []
        seen = 0
        for number, cells in table.rows:
            if len(preview) < PREVIEW_ROWS:
                preview.append([number, cells[: len(table.headers)]])
            validator.check(number, cells)
            seen += 1
            if seen >= SAMPLE_ROWS:
                break
    if seen == 0:
        raise reader.FileRefused("The file has a header row but no rows of problems under it.")
    evidence = validator.dates
    return {
        "headers": table.headers,
        "mapping": mapping,
        "estimated_rows": seen if seen < SAMPLE_ROWS else max(seen, kind.estimated_rows - 1),
        "preview": preview,
        "delimiter": kind.delimiter,
        "categories": validator.category_counts(),
        "categories_column": mapping.get("category", ""),
        "categories_complete": seen < SAMPLE_ROWS,
        "date_question": "" if evidence.order() is not None else evidence.question(),
    }


# --- Mapping --------------------------------------------------------------------------------


@transaction.atomic
def import_job_configure(
    *,
    job: ImportJob,
    by: User,
    mapping: dict[str, str],
    date_format: str = "",
    categories: dict[str, str] | None = None,
) -> ImportJob:
    """Record which column holds which field, the date format and how the file's category
    values map onto the unit's problem types (saved for the centre, for next time). Any
    earlier check is void: the file must be checked again."""
    import_job_require_uploader(job=job, by=by)
    mapping = {name: header for name, header in mapping.items() if header}
    problems = m.mapping_problems(mapping, job.headers)
    if date_format not in dates.DATE_FORMATS:
        problems.append(f"“{date_format}” is not a date format Casebook reads.")
    for value, category in (categories or {}).items():
        if category not in Category.values:
            problems.append(f"“{category}” is not a type of problem (for “{value}”).")
    if problems:
        raise ValidationError(problems)
    changed = ImportJob.objects.filter(
        pk=job.pk,
        state__in=[ImportJob.State.UPLOADED, ImportJob.State.VALIDATED],
        started_at__isnull=True,
    ).update(
        mapping={name: mapping[name] for name in m.FIELDS if name in mapping},
        date_format=date_format,
        state=ImportJob.State.UPLOADED,
        report=[],
        error="",
        rejected_count=0,
        skipped_count=0,
        processed_rows=0,
    )
    if changed != 1:
        raise ValidationError("This import is under way or finished: its mapping is fixed.")
    _category_mappings_save(centre=job.centre, choices=categories or {})
    job.refresh_from_db()
    return job


def _category_mappings_save(*, centre: Centre, choices: dict[str, str]) -> None:
    """Save the user's category choices for the centre. A choice that only repeats what
    Casebook would do anyway (a value named after a problem type, or unclassified) is not
    saved, unless it replaces an earlier saved choice."""
    category_words = checking.vocabulary().category
    saved = set(
        CategoryMapping.objects.filter(centre=centre).values_list("source_value", flat=True)
    )
    for value, category in choices.items():
        key = m.category_key(value)
        fallback = category_words.parse(value) or Category.UNCLASSIFIED
        if key and (key in saved or category != fallback):
            CategoryMapping.objects.update_or_create(
                centre=centre, source_value=key, defaults={"category": category}
            )


# --- Checking ------------------------------------------------------------------------------


def import_job_check(*, job: ImportJob, by: User) -> ImportJob:
    """Check the whole file with the current mapping: inline for a small file, as a
    background job for a large one."""
    import_job_require_uploader(job=job, by=by)
    checkable = [ImportJob.State.UPLOADED, ImportJob.State.VALIDATED]
    if job.started_at or job.state not in checkable:
        raise ValidationError("This file is already being checked or imported.")
    if job.total_rows <= settings.CASEBOOK_IMPORT_BACKGROUND_ROWS:
        return import_job_validate(job=job)
    claimed = ImportJob.objects.filter(
        pk=job.pk, state__in=checkable, started_at__isnull=True
    ).update(state=ImportJob.State.QUEUED, processed_rows=0, error="", heartbeat_at=timezone.now())
    if claimed != 1:
        raise ValidationError("This file is already being checked or imported.")
    from complaints import tasks  # tasks import this module

    job_enqueue(tasks.import_job_check_task, job)
    job.refresh_from_db()
    return job


def import_job_check_queued(*, job_id: int) -> ImportJob | None:
    """The background half of `import_job_check`: claim the queued job and check it.
    None when there is nothing to check (gone, reconfigured, an import, or being checked by
    another delivery of the same job right now)."""
    with _checked_alone(job_id) as alone:
        if not alone:
            return None
        claimed = ImportJob.objects.filter(
            pk=job_id,
            state__in=[ImportJob.State.QUEUED, ImportJob.State.RUNNING],
            started_at__isnull=True,
        ).update(state=ImportJob.State.RUNNING, heartbeat_at=timezone.now())
        if claimed != 1:
            return None
        return import_job_validate(job=ImportJob.objects.select_related("centre").get(pk=job_id))


_CHECK_LOCK = 0x4342_0000_0000_0000  # "CB": this app's advisory locks, plus the job's id


@contextmanager
def _checked_alone(job_id: int) -> Iterator[bool]:
    """Whether this delivery of a check may run it. A check rewrites the job's report and
    staged rows from scratch, so two deliveries of it at once (a redelivery after a worker
    died while the other carries on, a sweep) must not both write them: on PostgreSQL the
    first holds a session lock for the check, and a second finds it taken and leaves the
    check to the first. The lock ends with the first's connection if its worker dies."""
    if connection.vendor != "postgresql":
        yield True  # SQLite: jobs run in-process, one at a time
        return
    key = _CHECK_LOCK + job_id
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        (alone,) = cursor.fetchone()
    try:
        yield alone
    finally:
        if alone:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            except DatabaseError:
                pass  # the connection is gone, and the lock with it


def import_job_validate(*, job: ImportJob) -> ImportJob:
    """Read every row and record the report (row, column, reason), the counts and the
    category values found; writes no problems. When the dates could be read either way,
    the job waits for the user to choose the date format."""
    problems = m.mapping_problems(job.mapping, job.headers)
    if problems:
        return _check_outcome(job, state=ImportJob.State.UPLOADED, error=" ".join(problems))
    try:
        outcome = checking.validation_pass(job, job.date_format or dates.DMY)
        date_format = job.date_format
        if not date_format:
            evidence = outcome.validator.dates
            date_format = evidence.order()
            if date_format is None:
                storage.write_meta(job, date_question=evidence.question())
                return _check_outcome(
                    job, state=ImportJob.State.UPLOADED, error=evidence.question()
                )
            if date_format == dates.MDY:
                outcome = checking.validation_pass(job, dates.MDY)
            if not evidence.has_numeric():
                date_format = ""  # ISO or spelled-out dates only: no order to remember
    except reader.FileRefused as exc:
        return _check_outcome(job, state=ImportJob.State.FAILED, error=str(exc))
    except TRANSIENT_ERRORS:
        raise
    except Exception:
        logger.exception("Checking import %s failed", job.pk)
        return _check_outcome(job, state=ImportJob.State.FAILED, error=CHECK_TROUBLE)
    storage.write_meta(
        job,
        categories=outcome.validator.category_counts(),
        categories_column=job.mapping.get("category", ""),
        categories_complete=True,
        date_question="",
        stage=[asdict(chunk) for chunk in outcome.stage],
    )
    # A discard while the check ran wins: the check's outcome is dropped.
    _not_discarded(job).update(
        state=ImportJob.State.VALIDATED,
        date_format=date_format,
        total_rows=outcome.rows,
        processed_rows=outcome.rows,
        rejected_count=outcome.rejected,
        skipped_count=outcome.skipped,
        imported_count=0,
        report=outcome.report,
        error="",
    )
    job.refresh_from_db()
    return job


def _check_outcome(job: ImportJob, *, state: str, error: str) -> ImportJob:
    _not_discarded(job).update(
        state=state, error=error, report=[], rejected_count=0, skipped_count=0
    )
    job.refresh_from_db()
    return job


def _not_discarded(job: ImportJob):
    return ImportJob.objects.filter(pk=job.pk).exclude(state=ImportJob.State.CANCELLED)


# --- Importing -------------------------------------------------------------------------------


def import_job_start(
    *, job: ImportJob, by: User, skip_invalid: bool = False, background: bool | None = None
) -> ImportJob:
    """Start (or, after a failure, resume) the import of a checked file. All or nothing
    unless `skip_invalid`: then the valid rows are imported and the rest reported. A second
    click finds the job already started and is refused. `background` None: a Celery job
    above CASEBOOK_IMPORT_BACKGROUND_ROWS rows, inline below."""
    import_job_require_uploader(job=job, by=by)
    fresh = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.VALIDATED)
    if not skip_invalid:
        fresh = fresh.filter(rejected_count=0)
    claimed = fresh.update(
        state=ImportJob.State.QUEUED,
        skip_invalid=skip_invalid,
        started_at=timezone.now(),
        processed_rows=0,
        imported_count=0,
        error="",
        heartbeat_at=timezone.now(),
    )
    if claimed != 1:
        # A failed import resumes where it stopped, in the mode it was started in.
        claimed = ImportJob.objects.filter(
            pk=job.pk, state=ImportJob.State.FAILED, started_at__isnull=False
        ).update(state=ImportJob.State.QUEUED, error="", heartbeat_at=timezone.now())
    job.refresh_from_db()
    if claimed != 1:
        if job.state == ImportJob.State.VALIDATED and job.rejected_count:
            raise ValidationError(
                f"{job.rejected_count:,} rows have problems, so the file cannot be imported "
                "all together. Fix them and upload the file again, or import the valid rows "
                "only."
            )
        raise ValidationError("This import has already started, or the file is not checked.")
    if background is None:
        background = job.total_rows > settings.CASEBOOK_IMPORT_BACKGROUND_ROWS
    if background:
        from complaints import tasks  # tasks import this module

        job_enqueue(tasks.import_job_run_task, job)
        return job
    try:
        return import_job_run(job_id=job.pk) or job
    except DatabaseError:
        # Inline there is no task to retry it: record why, rather than fail the request.
        logger.exception("Import %s stopped on a database error", job.pk)
        import_job_fail(job_id=job.pk, reason=DATABASE_TROUBLE)
        job.refresh_from_db()
        return job


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Write the checked rows, one staged chunk per transaction, each chunk advancing the
    checkpoint with it. Safe to run twice, or again after a crash: it continues after the
    last committed chunk. None when there is nothing to do (gone, finished, not started)."""
    claimed = ImportJob.objects.filter(
        pk=job_id, state__in=[ImportJob.State.QUEUED, ImportJob.State.RUNNING]
    ).update(state=ImportJob.State.RUNNING, heartbeat_at=timezone.now())
    if claimed != 1:
        return None
    job = ImportJob.objects.select_related("centre", "uploaded_by").get(pk=job_id)
    try:
        _import_pass(job)
    except reader.FileRefused as exc:
        return _run_failed(job, str(exc))
    except _Stopped:
        job.refresh_from_db()
        return job
    except TRANSIENT_ERRORS:
        raise  # the task retries; the checkpoint makes the retry continue
    except Exception:
        logger.exception("Import %s failed", job.pk)
        return _run_failed(job, RUN_TROUBLE)
    finished = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.RUNNING).update(
        state=ImportJob.State.DONE, finished_at=timezone.now()
    )
    if finished:
        # One full analysis of the centre's log, instead of an update per imported row.
        problem_log_notify(setting="CASEBOOK_PROBLEMS_IMPORTED_TASK", arg=job.centre_id)
    # The rows are in the log: keep no copy of the company's file.
    storage.files_delete(job)
    job.refresh_from_db()
    return job


class _Stopped(Exception):
    """Another run of the same job finished it first."""


def _run_failed(job: ImportJob, error: str) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.FAILED, error=error)
    job.refresh_from_db()
    return job


def import_jobs_resend_stale() -> int:
    """Send again every check or import in flight that went silent: its message was lost
    (the broker restarted, or never took it) or its worker died. Safe: a check runs alone
    and starts afresh; an import continues after its last committed chunk."""
    from complaints import tasks  # tasks import this module

    return jobs_resend_stale(
        ImportJob.objects.filter(state__in=[ImportJob.State.QUEUED, ImportJob.State.RUNNING]),
        task_for=lambda job: (
            tasks.import_job_run_task if job.started_at else tasks.import_job_check_task
        ),
    )


def import_job_fail(*, job_id: int, reason: str) -> None:
    """Mark a job failed when its task gives up (retries exhausted)."""
    ImportJob.objects.filter(
        pk=job_id, state__in=[ImportJob.State.QUEUED, ImportJob.State.RUNNING]
    ).update(state=ImportJob.State.FAILED, error=reason)


def _import_pass(job: ImportJob) -> None:
    path = storage.stage_path(job)
    chunks = [StageChunk(**chunk) for chunk in storage.read_meta(job).get("stage", [])]
    if not path.exists() or not chunks:
        raise reader.FileRefused("The checked rows are no longer stored: upload the file again.")
    writer = writer_for(job)
    for chunk in chunks:
        lines = _import_chunk(job, chunk, writer, path)
        if lines:  # after the chunk commits; lost only if the process dies right here
            storage.report_append(job, lines)


@transaction.atomic
def _import_chunk(job: ImportJob, chunk: StageChunk, writer: RowWriter, path: Path) -> list[dict]:
    """Import one staged chunk and advance the checkpoint; the report lines of rows that
    reached the log since the check."""
    # The job's row lock makes two runs of the same job take turns, and each sees the
    # checkpoint the other committed.
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.state != ImportJob.State.RUNNING:
        raise _Stopped
    if locked.processed_rows >= chunk.last_seq:
        return []  # committed by an earlier run
    written = writer.write(
        read_chunk(path, chunk), rows=chunk.rows, after_seq=locked.processed_rows
    )
    lines = [
        storage.skipped_line(row=row, column=job.mapping.get("external_ref", ""), ref=ref)
        for row, ref in written.skipped
    ]
    changes = {"report": (locked.report + lines)[: storage.REPORT_KEEP]} if lines else {}
    ImportJob.objects.filter(pk=job.pk).update(
        processed_rows=chunk.last_seq,
        imported_count=locked.imported_count + written.imported,
        skipped_count=locked.skipped_count + len(lines),
        heartbeat_at=timezone.now(),
        **changes,
    )
    return lines


# --- Discarding -----------------------------------------------------------------------------


def import_job_discard(*, job: ImportJob, by: User) -> ImportJob:
    """Abandon an import that has not started writing; its stored file is deleted."""
    import_job_require_uploader(job=job, by=by)
    claimed = ImportJob.objects.filter(
        Q(state__in=[ImportJob.State.UPLOADED, ImportJob.State.VALIDATED])
        | Q(state=ImportJob.State.FAILED, started_at__isnull=True),
        pk=job.pk,
    ).update(state=ImportJob.State.CANCELLED, finished_at=timezone.now())
    if claimed != 1:
        raise ValidationError("Only an import that has not started can be discarded.")
    storage.files_delete(job, keep_report=False)
    job.refresh_from_db()
    return job
