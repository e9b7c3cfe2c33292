"""Hostile files, made in the test run (no binary blobs in the repository): workbooks written
as Excel writes them (shared strings), zip bombs, decompression-bomb images, polyglots."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from xml.sax.saxutils import escape  # writes (escapes) XML; parses none

from complaints.importing.reader import column_letter

_ML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
SHEET_CT = f"{_ML}.sheet.main+xml"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def workbook_parts(rows: list[list[str]]) -> dict[str, str]:
    """The parts of a one-sheet workbook whose cells are shared strings, as Excel saves
    them. Text is XML-escaped but not cleaned: a control character makes invalid XML, as a
    hand-made or damaged file would."""
    strings: list[str] = []
    index: dict[str, int] = {}

    def shared(value: str) -> int:
        if value not in index:
            index[value] = len(strings)
            strings.append(value)
        return index[value]

    sheet_rows = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{column_letter(c)}{r}" t="s"><v>{shared(v)}</v></c>' for c, v in enumerate(row)
        )
        + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    return {
        "[Content_Types].xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{_PKG}/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{SHEET_CT}"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_ML}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_ML}.sharedStrings+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}/relationships">'
            f'<Relationship Id="rId1" Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_RELS}">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}/relationships">'
            f'<Relationship Id="rId1" Type="{_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">'
            f"<sheetData>{sheet_rows}</sheetData></worksheet>"
        ),
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}">'
            + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
            + "</sst>"
        ),
    }


def zipped(parts: dict[str, str | bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def workbook(rows: list[list[str]]) -> bytes:
    return zipped(workbook_parts(rows))


def _declare_size(data: bytearray, part: str, size: int) -> None:
    """Patch the uncompressed size the zip declares for ``part``, in its local header and
    in the central directory."""
    marker = part.encode()
    for signature, size_at, length_at, name_at in (
        (b"PK\x03\x04", 22, 26, 30),
        (b"PK\x01\x02", 24, 28, 46),
    ):
        start = 0
        while (start := data.find(signature, start)) != -1:
            (length,) = struct.unpack_from("<H", data, start + length_at)
            if bytes(data[start + name_at : start + name_at + length]) == marker:
                struct.pack_into("<I", data, start + size_at, size)
            start += 4


def lying_workbook() -> bytes:
    """A workbook whose sheet holds 8 MB but declares 1 KB."""
    parts: dict[str, str | bytes] = dict(workbook_parts([["Case ID", "Date received"]]))
    parts["xl/worksheets/sheet1.xml"] = b"<" + b"\x00" * (8 << 20)
    data = bytearray(zipped(parts))
    _declare_size(data, "xl/worksheets/sheet1.xml", 1024)
    return bytes(data)


def zip_bomb_workbook(part: str = "xl/worksheets/sheet1.xml", gigabytes: int = 4) -> bytes:
    """A workbook of a few KB whose sheet (or shared strings) claims to unpack to
    ``gigabytes`` GB: the declared sizes are patched, as a bomb's are, so nothing of that
    size is ever made here. Reading it for real would stop at the claim or fail its CRC; a
    checker must refuse it from the claim, before inflating anything."""
    parts: dict[str, str | bytes] = dict(workbook_parts([["Case ID", "Date received"]]))
    parts[part] = b"<" + b"\x00" * (1 << 20)  # 1 MB of zeros: deflates to about 1 KB
    data = bytearray(zipped(parts))
    _declare_size(data, part, min(gigabytes << 30, 0xFFFFFFFE))
    return bytes(data)


def real_zip_bomb_workbook(megabytes: int = 200) -> bytes:
    """A workbook whose sheet really unpacks to ``megabytes`` MB of zeros (about 200 KB
    packed): its declared sizes are honest, so only the ratio gives it away."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in workbook_parts([["Case ID", "Date received"]]).items():
            if name != "xl/worksheets/sheet1.xml":
                archive.writestr(name, data)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b"\x00" * (1 << 20)
            for _ in range(megabytes):
                sheet.write(chunk)
    return out.getvalue()


def png(width: int, height: int) -> bytes:
    """A PNG header declaring ``width`` × ``height`` pixels, with one tiny compressed row:
    a decompression bomb's dimensions, without its bytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def gif(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00" + b";"


def jpeg(width: int, height: int) -> bytes:
    """SOI, an APP0 segment, then a baseline SOF0 declaring the size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def webp(width: int, height: int) -> bytes:
    """An extended (VP8X) WebP declaring its canvas size."""
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00"
    vp8x += (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP" + vp8x


POLYGLOT_PDF_HTML = (
    b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(1)</script></svg>\n"
)
HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n"
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48
