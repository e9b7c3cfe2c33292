"""Where an import's files live: the upload (under a random name, outside any web-served
folder), a small JSON note of what was learned about it, and the full report as CSV."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File

from complaints.importing import reader
from complaints.importing.validate import RowError
from complaints.models import ImportJob

REPORT_KEEP = 1000  # report lines kept on the job for the page; the CSV file has them all
REJECTED = "rejected"
SKIPPED = "skipped"
REPORT_HEADER = ["row", "column", "problem", "outcome"]


def imports_dir() -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT) / "imports"


def upload_path(job: ImportJob) -> Path:
    return imports_dir() / job.stored_name


def report_path(job: ImportJob) -> Path:
    return imports_dir() / f"{job.stored_name}.report.csv"


def meta_path(job: ImportJob) -> Path:
    return imports_dir() / f"{job.stored_name}.json"


def stage_path(job: ImportJob) -> Path:
    """The rows the last check found importable, ready to write (see writers.Stage)."""
    return imports_dir() / f"{job.stored_name}.stage.csv"


def new_stored_name() -> str:
    return f"{secrets.token_hex(16)}.upload"


def store_upload(upload: File, path: Path, *, limit: int) -> tuple[int, str]:
    """Copy the upload to `path`, returning its size and SHA-256. Stops at the size limit
    whatever size the client claimed; an empty upload is refused."""
    digest = hashlib.sha256()
    size = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as out:
        for chunk in _chunks_of(upload):
            size += len(chunk)
            if size > limit:
                raise ValidationError(too_big_message(size, limit))
            digest.update(chunk)
            out.write(chunk)
    if size == 0:
        raise reader.FileRefused("The file is empty.")
    return size, digest.hexdigest()


def _chunks_of(upload: File) -> Iterator[bytes]:
    if hasattr(upload, "seek"):
        upload.seek(0)
    if hasattr(upload, "chunks"):
        yield from upload.chunks()
    else:
        while chunk := upload.read(1 << 20):
            yield chunk


def too_big_message(size: int, limit: int) -> str:
    return (
        f"The file is {megabytes(size)}; the largest file Casebook imports is "
        f"{megabytes(limit)}. Split it into smaller files and import each."
    )


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB" if size >= 100_000 else f"{size:,} bytes"


def read_meta(job: ImportJob) -> dict:
    """What the upload and the last check learned about the file (preview rows, category
    values, the date-format question)."""
    try:
        return json.loads(meta_path(job).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_meta(job: ImportJob, **changes) -> None:
    meta = read_meta(job)
    meta.update(changes)
    path = meta_path(job)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(meta), encoding="utf-8")
    os.replace(temporary, path)


def file_kind(job: ImportJob) -> reader.FileKind:
    delimiter = read_meta(job).get("delimiter") or ","
    return reader.FileKind(job.file_format, encoding=job.encoding, delimiter=delimiter)


def files_delete(job: ImportJob, *, keep_report: bool = True) -> None:
    """Delete the stored upload, its note and its staged rows; the report stays unless
    told otherwise."""
    upload_path(job).unlink(missing_ok=True)
    meta_path(job).unlink(missing_ok=True)
    stage_path(job).unlink(missing_ok=True)
    if not keep_report:
        report_path(job).unlink(missing_ok=True)


def report_lines(job: ImportJob) -> Iterator[list[str]]:
    """The full report, header first, as CSV rows (nothing when there is none yet)."""
    try:
        handle = open(report_path(job), encoding="utf-8", newline="")  # noqa: SIM115
    except FileNotFoundError:
        return
    with handle:
        yield from csv.reader(handle)


class Report:
    """Every rejected or skipped row of one pass, written as CSV to a temporary file that
    replaces the report when the pass completes; the first REPORT_KEEP lines are also kept
    in memory for the job's page."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kept: list[dict] = []
        self._temporary = path.with_name(path.name + ".tmp")

    def __enter__(self) -> Report:
        self._file = open(self._temporary, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self._csv = csv.writer(self._file)
        self._csv.writerow(REPORT_HEADER)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._file.close()
        if exc_type is None:
            os.replace(self._temporary, self.path)
        else:
            self._temporary.unlink(missing_ok=True)

    def add_errors(self, errors: list[RowError]) -> None:
        for error in errors:
            self._add(error.row, error.column, error.reason, REJECTED)

    def add_skipped(self, *, row: int, column: str, ref: str, number: int) -> None:
        self._add(row, column, f"“{ref}” is already in the log (problem number {number})", SKIPPED)

    def _add(self, row: int, column: str, reason: str, outcome: str) -> None:
        self._csv.writerow([row, column, reason, outcome])
        if len(self.kept) < REPORT_KEEP:
            self.kept.append({"row": row, "column": column, "reason": reason, "outcome": outcome})


def skipped_line(*, row: int, column: str, ref: str) -> dict:
    """A row found in the log while importing (added since the check)."""
    return {
        "row": row,
        "column": column,
        "reason": f"“{ref}” reached the log after the check",
        "outcome": SKIPPED,
    }


def report_append(job: ImportJob, lines: list[dict]) -> None:
    with open(report_path(job), "a", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        for line in lines:
            out.writerow([line["row"], line["column"], line["reason"], line["outcome"]])
