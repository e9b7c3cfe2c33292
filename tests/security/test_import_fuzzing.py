"""The importer, fuzzed (issue 8, item 4): any bytes, any CSV or workbook text and any
column mapping are read or refused with a message, never an unhandled exception; every bad
row is reported with its row and column; a refused file writes nothing and leaves nothing
behind; all or nothing means nothing is written from a file with bad rows.
"""

from __future__ import annotations

import csv
import datetime
import io
import tempfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from complaints.importing import checking, dates, reader, storage
from complaints.importing import mapping as m
from complaints.models import ImportJob, Problem
from tests.complaints.test_import_files import HEADER, good_rows
from tests.security.conftest import example_isolated, examples
from tests.security.files import workbook
from tests.security.judging import cookies_kept
from tests.security.strategies import hostile_texts

# Cells a company export might hold, good and bad: dates in many shapes, choice words,
# references, and the hostile texts the forms get.
GOOD_CELLS = [
    "CASE-000001",
    "13/08/2017",
    "2017-08-13",
    "13 Aug 2017",
    "08/13/2017",
    "2017-08-13 14:05",
    "44000",
    "Phone",
    "e-mail",
    "P1",
    "Resolved",
    "Closed",
    "Broadband",
    "Billing",
    "Router not dispatched",
    "a\n\\.\nb",  # COPY's end-of-data marker on a line of its own, inside a quoted value
    "0001-01-01T00:00:00+14:00",  # before the calendar starts, in London
    "9999-12-31T23:59:59-14:00",
    "0001-01-01",
    "01/01/1899",
    '"quoted"',
    "semi;colon",
    "tab\there",
]


def cells() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(GOOD_CELLS), hostile_texts())


def _xml_char(c: str) -> bool:
    return c in "\t\n\r" or ("\x20" <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd") or c > "\uffff"


def storable_cells() -> st.SearchStrategy[str]:
    """Cells a workbook can hold (XML 1.0 characters) and a CSV can carry (no NUL): what
    gets past the reader to the checks."""
    return cells().map(lambda text: "".join(c for c in text if _xml_char(c)))


def tables(max_rows: int = 6, cell=cells) -> st.SearchStrategy[list[list[str]]]:
    """A header (the usual one, or hostile) and rows that start good and get broken."""
    usual = st.just(list(HEADER))
    header = st.one_of(usual, usual, usual, st.lists(cell(), max_size=8))

    @st.composite
    def build(draw) -> list[list[str]]:
        head = draw(header)
        rows = [list(r) for r in good_rows(draw(st.integers(1, max_rows)))[1:]]
        for row in rows:
            if draw(st.integers(0, 3)) == 0:  # a quarter of the rows get broken
                for i in draw(st.lists(st.integers(0, len(HEADER) - 1), max_size=3)):
                    row[i] = draw(cell())
        if draw(st.integers(0, 3)) == 0:
            rows.append(draw(st.lists(cell(), max_size=9)))  # ragged
        return [head, *rows]

    return build()


def csv_bytes(rows: list[list[str]], encoding: str, delimiter: str) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode(encoding, errors="replace")


def files() -> st.SearchStrategy[bytes]:
    """Any bytes; CSV in the encodings people save; workbooks, well formed or not."""
    as_csv = st.builds(
        csv_bytes,
        tables(),
        st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]),
        st.sampled_from([",", ";", "\t", "|"]),
    )
    prefixes = st.sampled_from(
        [b"", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe", b"%PDF-", b"MZ", b"\x00", b"\r\n"]
    )
    return st.one_of(
        as_csv,
        as_csv,
        st.builds(workbook, tables()),
        st.builds(lambda p, b: p + b, prefixes, st.binary(max_size=300)),
    )


def plausible_files() -> st.SearchStrategy[bytes]:
    """Files that mostly get past the reader: UTF-8 CSV and workbooks of storable text, and
    now and then anything at all."""
    return st.one_of(
        st.builds(csv_bytes, tables(cell=storable_cells), st.just("utf-8"), st.just(",")),
        st.builds(workbook, tables(cell=storable_cells)),
        files(),
    )


def read_all(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]] | str:
    """The file's header and rows, or the message it was refused with."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        path.write_bytes(data)
        try:
            kind = reader.inspect_file(path)
            with reader.open_table(path, kind) as table:
                return table.headers, list(table.rows)
        except reader.FileRefused as exc:
            return str(exc)


@settings(max_examples=examples(300))
@given(data=files())
def test_any_file_is_read_or_refused_with_a_message(data):
    result = read_all(data)
    if isinstance(result, str):
        assert result.strip()
        return
    headers, rows = result
    assert len(set(h.casefold() for h in headers)) == len(headers)  # one label per column
    numbers = [number for number, _ in rows]
    assert numbers == sorted(set(numbers))  # spreadsheet row numbers, each once
    assert all("\x00" not in cell for _, row in rows for cell in row)


@st.composite
def mappings(draw, headers: list[str]) -> dict[str, str]:
    """Any mapping, good or bad (for the mapping checks)."""
    columns = st.sampled_from([*headers, "Not a heading", ""]) if headers else st.just("")
    chosen = draw(st.lists(st.sampled_from(m.FIELDS), unique=True))
    return {name: draw(columns) for name in chosen}


@st.composite
def usable_mappings(draw, headers: list[str]) -> dict[str, str]:
    """A mapping the service accepts: the date received and some other fields, each from
    its own column."""
    others = [name for name in m.FIELDS if name != "received_at"]
    fields = ["received_at", *draw(st.lists(st.sampled_from(others), unique=True))]
    columns = draw(st.permutations(headers))
    return dict(zip(fields, columns, strict=False))


@settings(max_examples=examples(300))
@given(table=tables(max_rows=8), data=st.data())
def test_every_bad_row_is_reported_with_its_row_and_a_column_of_the_file(table, data):
    headers = reader.unique_headers(table[0])
    assume(headers)
    mapping = data.draw(usable_mappings(headers))
    assert not m.mapping_problems(mapping, headers)
    order = data.draw(st.sampled_from(["", *dates.DATE_FORMATS]))
    validator = checking.validator_for(
        headers=headers, mapping=mapping, date_order=order, centre=None
    )
    for number, row in enumerate(table[1:], start=2):
        clean, errors = validator.check(number, row)
        if clean is None:
            assert errors
            for error in errors:
                assert error.row == number
                assert error.column in headers or error.column.startswith("Column ")
                assert error.reason.strip()
        else:
            assert not errors
            for name, limit in m.MAX_LENGTHS.items():
                assert len(clean[name]) <= limit
            assert clean["received_at"]
            datetime.datetime.fromisoformat(clean["received_at"])


@settings(max_examples=examples(200))
@given(headers=st.lists(cells(), max_size=10), data=st.data())
def test_a_mapping_is_guessed_or_refused_without_an_error(headers, data):
    headers = reader.unique_headers(headers)
    guessed = m.guess_mapping(headers)
    assert set(guessed) <= set(m.FIELDS)
    assert set(guessed.values()) <= set(headers)
    m.mapping_problems(data.draw(mappings(headers)), headers)


# Through the pages: upload, check, import ---------------------------------------------------


@pytest.fixture
def importer(client, learner, settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    client.force_login(learner)
    return client


def _stored_files() -> set[str]:
    folder = storage.imports_dir()
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def _check(client, job: ImportJob):
    data = {"action": "check", "date_format": job.date_format}
    data.update({f"map_{name}": job.mapping.get(name, "") for name in m.FIELDS})
    return client.post(job.get_absolute_url(), data)


def test_a_file_through_the_pages_is_imported_whole_or_writes_nothing(importer):
    @settings(max_examples=examples(40))
    @given(
        data=plausible_files(),
        name=st.sampled_from(["export.csv", "export.xlsx", "x", "..\\a.csv"]),
    )
    def attempt(data: bytes, name: str) -> None:
        with example_isolated(), cookies_kept(importer):
            _upload_check_import(importer, data, name)

    attempt()


def _upload_check_import(client, data: bytes, name: str) -> None:
    problems, jobs, kept = Problem.objects.count(), ImportJob.objects.count(), _stored_files()
    upload = SimpleUploadedFile(name, data, content_type="text/csv")
    response = client.post(reverse("complaints:import-new"), {"file": upload})
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # refused: said beside the file, nothing kept
        form = response.context["form"]
        event(f"refused at upload: {str(form.errors.get('file'))[:60]}")
        assert form.errors.get("file"), form.errors
        assert ImportJob.objects.count() == jobs
        assert _stored_files() == kept
        return
    job = ImportJob.objects.latest("pk")
    assert _check(client, job).status_code in (200, 302)
    job.refresh_from_db()
    assert Problem.objects.count() == problems  # checking writes no problem
    event(f"checked: {job.state}")
    if job.state != ImportJob.State.VALIDATED:
        assert job.state in (ImportJob.State.UPLOADED, ImportJob.State.FAILED)
        assert job.error.strip() or job.state == ImportJob.State.UPLOADED
        return
    for line in job.report:
        assert line["row"] >= 2
        assert line["column"]
        assert line["reason"]
    response = client.post(job.get_absolute_url(), {"action": "import"})
    assert response.status_code == 302
    job.refresh_from_db()
    event(f"import: {job.state}")
    if job.rejected_count:  # all or nothing: refused, nothing written
        assert Problem.objects.count() == problems
        assert job.state == ImportJob.State.VALIDATED
    else:
        assert job.state == ImportJob.State.DONE, job.error
        added = Problem.objects.count() - problems
        assert added == job.imported_count == job.total_rows - job.skipped_count
