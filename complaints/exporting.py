"""Exporting the problem log to CSV and XLSX, safe to open in a spreadsheet.

A cell beginning with = + - @ (or a tab or carriage return) is read as a formula by
spreadsheet programs, which lets text typed by anyone run in the reader's spreadsheet ("CSV
injection", OWASP). Every such cell is prefixed with an apostrophe, which spreadsheets show
as text and never evaluate. Personal data flagged in free text is redacted.
"""

from __future__ import annotations

import csv
import datetime
import io
import tempfile
from collections.abc import Iterable, Iterator

from django.utils import timezone
from openpyxl import Workbook

from complaints.models import Problem
from complaints.privacy import redact

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = [
    ("Reference", lambda p: p.reference),
    ("External reference", lambda p: p.external_ref),
    ("Received", lambda p: _when(p.received_at)),
    ("Learner", lambda p: p.learner.get_full_name() or p.learner.username),
    ("Identified by", lambda p: p.get_identified_by_display()),
    ("Customer", lambda p: p.get_customer_kind_display()),
    ("Customer reference", lambda p: p.customer_ref),
    ("Channel", lambda p: p.get_channel_display()),
    ("Product or service", lambda p: p.product),
    ("Type of problem", lambda p: p.get_category_display()),
    ("Severity", lambda p: p.get_severity_display()),
    ("What the customer expected", lambda p: redact(p.customer_expectation)),
    ("What went wrong", lambda p: redact(p.description)),
    ("Status", lambda p: p.get_status_display()),
    ("First response due", lambda p: _when(p.first_response_due)),
    ("First response", lambda p: _when(p.acknowledged_at)),
    ("Resolution due", lambda p: _when(p.resolution_due)),
    ("Resolved", lambda p: _when(p.resolved_at)),
]


def _when(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def neutralise(value: object) -> str:
    """The cell's text, made inert if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def export_rows(problems: Iterable[Problem]) -> Iterator[list[str]]:
    yield [name for name, _ in COLUMNS]
    for problem in problems:
        yield [neutralise(get(problem)) for _, get in COLUMNS]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(problems: Iterable[Problem]) -> Iterator[str]:
    """CSV lines one at a time, UTF-8 with a BOM so Excel reads the accents right."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in export_rows(problems):
        yield writer.writerow(row)


def xlsx_file(problems: Iterable[Problem]) -> io.BufferedReader:
    """An XLSX workbook written row by row (openpyxl's write-only mode) to a temporary file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Problem log")
    for row in export_rows(problems):
        sheet.append(row)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    workbook.save(handle)
    handle.seek(0)
    return handle
