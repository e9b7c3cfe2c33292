"""Reading a company system's export, CSV or XLSX, one row at a time. Pure: no Django.

The format is decided by the file's content, never its name: an XLSX workbook is a zip that
holds xl/workbook.xml; a CSV is text that decodes as UTF-8 (with or without a byte-order
mark) or, failing that, Windows-1252. Anything else is refused with a message that says
what the file looks like instead.

Row numbers are the ones a spreadsheet shows: the header is row 1, a quoted value spanning
several lines is still one row, and blank rows are skipped but keep their numbers.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CSV = "csv"
XLSX = "xlsx"

ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with a byte-order mark",
    "cp1252": "Windows-1252",
}

# Magic numbers of files people upload by mistake, so the refusal can say what they sent.
_SIGNATURES: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Excel (.xls) or password-protected file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
]
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# A web page (a browser's "save page" of the export, or a login page) or XML: text, but not a
# table. Matched after any byte-order mark, white space and comments.
_MARKUP = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*"
    rb"<(?:!doctype\s+html|\?xml|html|head|body|svg|script|table)\b",
    re.IGNORECASE | re.DOTALL,
)

_CHUNK = 1 << 20
# An XLSX expands roughly ten-fold when unzipped; a zip bomb expands thousands-fold.
_MAX_XLSX_RATIO = 100
_MAX_XLSX_UNZIPPED = 4 << 30


class FileRefused(Exception):
    """The file cannot be imported at all; the message says why, in the user's terms."""


@dataclass(frozen=True)
class FileKind:
    file_format: str
    encoding: str = ""
    delimiter: str = ","
    estimated_rows: int = 0

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS.get(self.encoding, self.encoding)


@dataclass
class Table:
    """The header (as unique labels, one per column) and an iterator of data rows, each a
    (row number, list of cell texts)."""

    header_row: int
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]


def inspect_file(path: Path) -> FileKind:
    """What the file is, by content: refuses empty files, known binary types, zips that are
    not workbooks and text that is neither UTF-8 nor Windows-1252."""
    with open(path, "rb") as handle:
        head = handle.read(8192)
    if not head:
        raise FileRefused("The file is empty.")
    if head.startswith(_ZIP_MAGIC):
        return FileKind(XLSX, estimated_rows=_check_workbook(path))
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            raise FileRefused(f"This is {what}, not a CSV file or an Excel workbook (.xlsx).")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(
            "The file is UTF-16 text. Save it from your spreadsheet as “CSV UTF-8” and "
            "upload it again."
        )
    if _MARKUP.match(head):
        raise FileRefused(
            "This is a web page or an XML file, not a CSV file or an Excel workbook (.xlsx). "
            "Export the problems from your system again as CSV or Excel and upload that."
        )
    encoding, lines = _detect_encoding(path)
    return FileKind(
        CSV, encoding=encoding, delimiter=_sniff_delimiter(path, encoding), estimated_rows=lines
    )


def _check_workbook(path: Path) -> int:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileRefused("The file looks like a zip archive but is damaged.") from exc
    if "xl/workbook.xml" not in names:
        if any(n.startswith("word/") for n in names):
            what = "a Word document"
        elif "content.xml" in names:
            what = "an OpenDocument file (save it as .xlsx or CSV)"
        else:
            what = "a zip archive"
        raise FileRefused(f"This is {what}, not a CSV file or an Excel workbook (.xlsx).")
    unzipped = sum(info.file_size for info in infos)
    packed = max(1, sum(info.compress_size for info in infos))
    if unzipped > _MAX_XLSX_UNZIPPED or (
        unzipped > 50 << 20 and unzipped / packed > _MAX_XLSX_RATIO
    ):
        raise FileRefused("The workbook unpacks to far more data than a real export would.")
    # A rough row count for the progress bar: about 60 bytes of sheet XML per cell.
    sheet = max((i.file_size for i in infos if i.filename.startswith("xl/worksheets/")), default=0)
    return sheet // 600


def _detect_encoding(path: Path) -> tuple[str, int]:
    """UTF-8 (with or without a BOM) if every byte decodes, else Windows-1252 if every byte
    decodes, else refuse naming the first bad byte and its line. Also counts lines."""
    with open(path, "rb") as handle:
        has_bom = handle.read(3) == codecs.BOM_UTF8
    first_try = "utf-8-sig" if has_bom else "utf-8"
    try:
        return first_try, _decode_all(path, first_try)
    except UnicodeDecodeError as utf8_error:
        if has_bom:
            raise _undecodable(path, utf8_error, "UTF-8") from None
        try:
            return "cp1252", _decode_all(path, "cp1252")
        except UnicodeDecodeError as cp_error:
            raise _undecodable(path, cp_error, "UTF-8 or Windows-1252") from None


class _DecodeFailure(UnicodeDecodeError):
    def __init__(self, exc: UnicodeDecodeError, offset: int) -> None:
        super().__init__(exc.encoding, exc.object, exc.start, exc.end, exc.reason)
        self.file_offset = offset


def _decode_all(path: Path, encoding: str) -> int:
    decoder = codecs.getincrementaldecoder(encoding)()
    lines, offset = 0, 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            if b"\x00" in chunk:
                raise FileRefused(
                    "The file contains NUL bytes, so it is not a text (CSV) file. Export it "
                    "again as CSV or as an Excel workbook (.xlsx)."
                )
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise _DecodeFailure(exc, offset + exc.start) from None
            lines += chunk.count(b"\n")
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise _DecodeFailure(exc, offset) from None
    return lines


def _undecodable(path: Path, exc: UnicodeDecodeError, tried: str) -> FileRefused:
    offset = getattr(exc, "file_offset", 0)
    with open(path, "rb") as handle:
        before = handle.read(offset)
        bad = handle.read(1)
    line = before.count(b"\n") + 1
    return FileRefused(
        f"The text on line {line} cannot be read: byte 0x{bad.hex().upper()} is not valid "
        f"{tried}. Save the file from your spreadsheet as “CSV UTF-8” and upload it again."
    )


def _sniff_delimiter(path: Path, encoding: str) -> str:
    """Comma unless the header line clearly uses semicolons or tabs (European Excel)."""
    with open(path, encoding=encoding, newline="") as handle:
        first = handle.readline()
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


@contextmanager
def open_table(path: Path, kind: FileKind) -> Iterator[Table]:
    """The file's header and its data rows, streamed: memory stays flat whatever the size."""
    if kind.file_format == XLSX:
        with _xlsx_rows(path) as rows:
            yield _table(rows)
    else:
        with open(path, encoding=kind.encoding, newline="") as handle:
            yield _table(_csv_rows(handle, kind.delimiter))


def _table(rows: Iterator[tuple[int, list[str]]]) -> Table:
    for number, cells in rows:
        if _is_blank(cells):
            continue
        return Table(header_row=number, headers=unique_headers(cells), rows=_data_rows(rows))
    raise FileRefused("The file is empty: it has no header row.")


def _data_rows(rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    for number, cells in rows:
        if not _is_blank(cells):
            yield number, cells


def _is_blank(cells: list[str]) -> bool:
    return not "".join(cells).strip()


def unique_headers(cells: list[str]) -> list[str]:
    """One label per column: blank headers become "Column C", repeats get their column."""
    labels: list[str] = []
    for index, cell in enumerate(cells):
        label = " ".join(cell.split())
        if not label:
            label = f"Column {column_letter(index)}"
        elif label.casefold() in {seen.casefold() for seen in labels}:
            label = f"{label} (column {column_letter(index)})"
        labels.append(label)
    return labels


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how a spreadsheet names a column."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _csv_rows(handle, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(handle, delimiter=delimiter, strict=True)
    number = 0
    while True:
        first_line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileRefused(_csv_problem(number + 1, first_line, exc)) from None
        number += 1
        yield number, cells


def _csv_problem(row: int, line: int, exc: csv.Error) -> str:
    text = str(exc)
    if "unexpected end of data" in text:
        why = "a quoted value is never closed (look for a stray double quote)"
    elif "expected after" in text:
        why = "a quoted value has text after its closing quote"
    elif "field larger than field limit" in text:
        why = f"a value is longer than {csv.field_size_limit():,} characters"
    else:
        why = text
    return (
        f"Row {row} (from line {line} of the file) is not valid CSV: {why}. Nothing was imported."
    )


@contextmanager
def _xlsx_rows(path: Path) -> Iterator[Iterator[tuple[int, list[str]]]]:
    # Imported lazily: openpyxl is only needed for workbooks.
    from openpyxl import load_workbook

    # Opened as a file object: openpyxl would judge a path by its name, not its content.
    handle = open(path, "rb")  # noqa: SIM115 - closed below, with the workbook
    try:
        # read_only streams the sheet; data_only=False gives a formula's text ("=1+1"),
        # never a value computed by whoever saved the file, and nothing is ever evaluated.
        workbook = load_workbook(handle, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        handle.close()
        raise FileRefused(f"The workbook could not be opened: {exc}.") from exc
    try:
        if not workbook.worksheets:
            raise FileRefused("The workbook has no worksheets.")
        yield _sheet_rows(workbook.worksheets[0])
    finally:
        workbook.close()
        handle.close()


def _sheet_rows(sheet) -> Iterator[tuple[int, list[str]]]:
    try:
        # openpyxl fills gaps with empty rows, so counting from 1 gives the sheet's numbers.
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [cell_text(value) for value in values]
    except FileRefused:
        raise
    except Exception as exc:
        raise FileRefused(f"The workbook could not be read: {exc}.") from exc


def cell_text(value: object) -> str:
    """A workbook cell as the text a CSV export of it would hold; dates become ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)
