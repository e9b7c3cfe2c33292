"""Importing a file in one go, as `manage.py import_problems` does: the same services the
pages use, in the same order, with a dry run that leaves no trace."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from accounts.models import Centre, User
from complaints.importing import storage
from complaints.importing.services import (
    import_job_configure,
    import_job_create,
    import_job_start,
    import_job_validate,
)
from complaints.models import ImportJob


@dataclass
class FileImport:
    """What importing one file did or, on a dry run or a refusal, would do."""

    job: ImportJob
    written: bool  # False: a dry run, or an all-or-nothing file with bad rows
    rows: int
    imported: int  # when not written: how many rows would be imported
    skipped: int
    rejected: int
    seconds: dict[str, float] = field(default_factory=dict)  # per step: upload, check, import


@contextmanager
def import_problems_from_file(
    *,
    path: Path,
    centre: Centre,
    learner: User,
    mapping: dict[str, str] | None = None,
    date_format: str = "",
    skip_invalid: bool = False,
    dry_run: bool = False,
) -> Iterator[FileImport]:
    """Import a file in one go, as `manage.py import_problems` does: the guessed mapping
    with `mapping`'s changes (a blank column unmaps a field), checked, then imported unless
    it has bad rows and `skip_invalid` is off. Raises ValidationError when the file or the
    mapping cannot be used. The learner is recorded as the uploader.

    A context manager, so the caller can read the full report (storage.report_lines) before
    a dry run or a refused file is cleaned away: then no job, no problem and no stored file
    is left behind."""
    seconds: dict[str, float] = {}
    with open(path, "rb") as handle:
        upload = File(handle, name=path.name)
        if dry_run:
            with _rolled_back():
                job = _checked_job(upload, centre, learner, mapping, date_format, seconds)
                try:
                    yield _outcome(job, written=False, seconds=seconds)
                finally:
                    storage.files_delete(job, keep_report=False)
            return
        job = _checked_job(upload, centre, learner, mapping, date_format, seconds)
        if job.rejected_count and not skip_invalid:
            try:
                yield _outcome(job, written=False, seconds=seconds)
            finally:
                storage.files_delete(job, keep_report=False)
                job.delete()
            return
    with _timed(seconds, "import"):
        job = import_job_start(job=job, by=learner, skip_invalid=skip_invalid, background=False)
    if job.state != ImportJob.State.DONE:
        raise ValidationError(job.error or f"The import stopped ({job.get_state_display()}).")
    yield _outcome(job, written=True, seconds=seconds)


@contextmanager
def _timed(seconds: dict[str, float], step: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds[step] = round(time.perf_counter() - started, 1)


@contextmanager
def _rolled_back() -> Iterator[None]:
    """A transaction that always rolls back."""

    class _Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def _checked_job(upload, centre, learner, mapping, date_format, seconds) -> ImportJob:
    with _timed(seconds, "upload"):
        job = import_job_create(centre=centre, uploaded_by=learner, learner=learner, upload=upload)
    try:
        job = import_job_configure(
            job=job, by=learner, mapping={**job.mapping, **(mapping or {})}, date_format=date_format
        )
        with _timed(seconds, "check"):
            job = import_job_validate(job=job)
        if job.state != ImportJob.State.VALIDATED:
            asks_for_dates = bool(storage.read_meta(job).get("date_question"))
            raise ValidationError(job.error, code="date_format" if asks_for_dates else "invalid")
    except ValidationError:
        storage.files_delete(job, keep_report=False)
        job.delete()
        raise
    return job


def _outcome(job: ImportJob, *, written: bool, seconds: dict[str, float]) -> FileImport:
    would = job.total_rows - job.rejected_count - job.skipped_count
    return FileImport(
        job=job,
        written=written,
        rows=job.total_rows,
        imported=job.imported_count if written else would,
        skipped=job.skipped_count,
        rejected=job.rejected_count,
        seconds=seconds,
    )
