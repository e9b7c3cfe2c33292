"""Reading a company's export (complaints/importing/reader.py, pure): the format by content,
the text encoding, hostile files, and row numbers as a spreadsheet shows them.

Also the builders the other import tests use to make files in tmp_path."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from complaints.importing import reader

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"
TEXAS = DATA / "tx_tdi_complaints_sample.csv"
TEXAS_ROWS = 2000

HEADER = ["Case ID", "Date received", "Closed date", "Product", "Channel", "Details"]


# --- Builders -------------------------------------------------------------------------------


def csv_text(rows: list[list[str]], *, newline: str = "\r\n") -> str:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator=newline).writerows(rows)
    return out.getvalue()


def write_csv(
    path: Path, rows: list[list[str]], *, encoding: str = "utf-8", bom: bool = False
) -> Path:
    data = csv_text(rows).encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def good_rows(count: int, *, start: int = 1) -> list[list[str]]:
    """A header and `count` valid rows with unique references and UK dates."""
    rows = [HEADER]
    for n in range(start, start + count):
        day = n % 16 + 13  # above 12: the file is plainly day-first
        rows.append(
            [f"CASE-{n:06d}", f"{day:02d}/08/2017", f"{day:02d}/09/2017", "Broadband", "Phone",
             f"Router not dispatched (case {n})"]
        )  # fmt: skip
    return rows


def table_of(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    kind = reader.inspect_file(path)
    with reader.open_table(path, kind) as table:
        return table.headers, list(table.rows)


# --- Format by content ------------------------------------------------------------------------


def test_a_csv_is_recognised_by_its_content_whatever_it_is_called(tmp_path):
    path = write_csv(tmp_path / "export.xlsx", good_rows(2))
    kind = reader.inspect_file(path)
    assert (kind.file_format, kind.encoding, kind.delimiter) == ("csv", "utf-8", ",")


def test_an_xlsx_is_recognised_by_the_workbook_inside_the_zip(tmp_path):
    path = write_xlsx(tmp_path / "export.csv", good_rows(2))
    assert reader.inspect_file(path).file_format == "xlsx"


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "a PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "a PDF document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old-style Excel (.xls)"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 16, "a gzip archive"),
    ],
)
def test_a_binary_file_is_refused_saying_what_it_is(tmp_path, content, named):
    path = tmp_path / "complaints.csv"
    path.write_bytes(content)
    with pytest.raises(reader.FileRefused, match="not a CSV file or an Excel workbook") as exc:
        reader.inspect_file(path)
    assert named in str(exc.value)


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "complaints.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("complaints.csv", "Case ID,Date received\n1,2017-08-25\n")
    with pytest.raises(reader.FileRefused, match="This is a zip archive, not"):
        reader.inspect_file(path)


def test_a_word_document_is_refused_as_one(tmp_path):
    path = tmp_path / "complaints.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(reader.FileRefused, match="a Word document"):
        reader.inspect_file(path)


def test_a_damaged_workbook_is_refused_when_opened(tmp_path):
    path = tmp_path / "complaints.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "this is not XML")
    kind = reader.inspect_file(path)
    with pytest.raises(reader.FileRefused, match="could not be opened"):  # noqa: SIM117
        with reader.open_table(path, kind):
            pass


def test_a_zip_bomb_posing_as_a_workbook_is_refused(tmp_path):
    path = tmp_path / "complaints.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (60 << 20))
    with pytest.raises(reader.FileRefused, match="far more data than a real export"):
        reader.inspect_file(path)


def test_an_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(reader.FileRefused, match="The file is empty"):
        reader.inspect_file(path)


def test_a_file_of_blank_lines_has_no_header_row(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_bytes(b"\r\n\r\n,,\r\n")
    with pytest.raises(reader.FileRefused, match="no header row"):
        table_of(path)


# --- Text encodings ---------------------------------------------------------------------------


def test_utf8_with_a_byte_order_mark_is_read_without_the_mark_in_the_first_heading(tmp_path):
    path = write_csv(tmp_path / "bom.csv", [["Case ID", "Details"], ["1", "Café £5"]], bom=True)
    assert reader.inspect_file(path).encoding == "utf-8-sig"
    headers, rows = table_of(path)
    assert headers[0] == "Case ID"
    assert rows == [(2, ["1", "Café £5"])]


def test_windows_1252_text_is_recognised_and_decoded(tmp_path):
    rows = [["Case ID", "Details"], ["1", "Café charged £5 – “twice”"]]
    path = write_csv(tmp_path / "excel.csv", rows, encoding="cp1252")
    kind = reader.inspect_file(path)
    assert (kind.encoding, kind.encoding_label) == ("cp1252", "Windows-1252")
    assert table_of(path)[1] == [(2, ["1", "Café charged £5 – “twice”"])]


@pytest.mark.parametrize("byte", [b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"])
def test_bytes_that_are_neither_utf8_nor_windows_1252_are_refused_naming_byte_and_line(
    tmp_path, byte
):
    path = tmp_path / "broken.csv"
    path.write_bytes(b"Case ID,Details\r\n1,fine\r\n2,bad " + byte + b" here\r\n")
    with pytest.raises(reader.FileRefused) as exc:
        reader.inspect_file(path)
    message = str(exc.value)
    assert "line 3" in message
    assert f"0x{byte.hex().upper()}" in message
    assert "CSV UTF-8" in message


def test_utf16_text_is_refused_with_how_to_save_it(tmp_path):
    path = tmp_path / "unicode.csv"
    path.write_bytes("Case ID,Details\r\n".encode("utf-16"))
    with pytest.raises(reader.FileRefused, match="UTF-16"):
        reader.inspect_file(path)


def test_nul_bytes_in_text_are_refused(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"Case ID,Details\r\n" + b"1,abc\r\n" * 2000 + b"2,a\x00b\r\n")
    with pytest.raises(reader.FileRefused, match="NUL bytes"):
        reader.inspect_file(path)


# --- Rows -------------------------------------------------------------------------------------


def test_a_quoted_value_over_several_lines_is_one_row_and_numbers_follow_the_spreadsheet(
    tmp_path,
):
    path = tmp_path / "multi.csv"
    path.write_text(
        'Case ID,Details\r\n1,"first line\r\nsecond line\r\nthird"\r\n2,"say ""hi"""\r\n',
        encoding="utf-8",
    )
    assert table_of(path)[1] == [
        (2, ["1", "first line\r\nsecond line\r\nthird"]),
        (3, ["2", 'say "hi"']),
    ]


def test_blank_rows_are_skipped_but_keep_their_row_numbers(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("\r\nCase ID,Details\r\n1,a\r\n\r\n,\r\n2,b\r\n\r\n", encoding="utf-8")
    headers, rows = table_of(path)
    assert headers == ["Case ID", "Details"]
    assert rows == [(3, ["1", "a"]), (6, ["2", "b"])]


def test_an_unclosed_quote_is_refused_naming_the_row(tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text('Case ID,Details\r\n1,ok\r\n2,"never closed\r\n3,x\r\n', encoding="utf-8")
    with pytest.raises(
        reader.FileRefused, match=r"Row 3 \(from line 3 of the file\).*never closed"
    ):
        table_of(path)


def test_semicolon_separated_files_from_european_excel_are_read(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("Case ID;Details\r\n1;a, b\r\n", encoding="utf-8")
    assert table_of(path) == (["Case ID", "Details"], [(2, ["1", "a, b"])])


def test_blank_and_repeated_headings_get_labels_naming_their_column(tmp_path):
    path = write_csv(tmp_path / "h.csv", [["Date", "", "date", "Details", ""], ["1"] * 5])
    assert table_of(path)[0] == ["Date", "Column B", "date (column C)", "Details", "Column E"]


def test_a_workbook_gives_dates_as_iso_numbers_as_text_and_keeps_row_numbers(tmp_path):
    import datetime

    path = write_xlsx(
        tmp_path / "book.xlsx",
        [
            ["Case ID", "Date received", "Details"],
            [159573, datetime.datetime(2017, 8, 25), "Roof damage"],
            [None, None, None],
            [159574.0, datetime.datetime(2017, 8, 26, 14, 30), True],
        ],
    )
    assert table_of(path) == (
        ["Case ID", "Date received", "Details"],
        [
            (2, ["159573", "2017-08-25", "Roof damage"]),
            (4, ["159574", "2017-08-26 14:30:00", "TRUE"]),
        ],
    )


def test_formula_cells_are_read_as_their_text_and_never_evaluated(tmp_path):
    path = write_xlsx(
        tmp_path / "formulas.xlsx",
        [
            ["Case ID", "Date received", "Details"],
            ["1", "=1+1", '=HYPERLINK("http://example.invalid/x","click me")'],
        ],
    )
    assert table_of(path)[1] == [
        (2, ["1", "=1+1", '=HYPERLINK("http://example.invalid/x","click me")'])
    ]


def test_the_texas_sample_reads_as_utf8_with_its_eleven_columns():
    headers, rows = table_of(TEXAS)
    assert headers[:3] == ["complaint_number", "received_date", "closed_date"]
    assert len(headers) == 11
    assert len(rows) == TEXAS_ROWS
    assert rows[0][0] == 2
