"""What kind of file an evidence attachment is, decided by its content. Pure: no Django.

The name a user gave a file and the content type their browser claimed are never trusted:
a program renamed to report.pdf is still a program. Each accepted kind is recognised by its
structure (magic bytes, a zip's [Content_Types].xml, an OLE2 compound file's directory,
RFC 822 headers, UTF-8 text without NULs); anything else is refused with a message that says
what the file looks like instead and what Casebook accepts.
"""

from __future__ import annotations

import codecs
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from defusedxml.ElementTree import ParseError as XmlParseError
from defusedxml.ElementTree import fromstring as xml_fromstring


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    content_type: str
    extensions: tuple[str, ...]  # the first is added to a download name that lacks one

    @property
    def extension(self) -> str:
        return self.extensions[0]


PDF = Kind("pdf", "PDF document", "application/pdf", (".pdf",))
PNG = Kind("png", "PNG image", "image/png", (".png",))
JPEG = Kind("jpeg", "JPEG image", "image/jpeg", (".jpg", ".jpeg"))
GIF = Kind("gif", "GIF image", "image/gif", (".gif",))
WEBP = Kind("webp", "WebP image", "image/webp", (".webp",))
DOCX = Kind(
    "docx",
    "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
XLSX = Kind(
    "xlsx",
    "Excel workbook",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
)
PPTX = Kind(
    "pptx",
    "PowerPoint presentation",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    (".pptx",),
)
DOC = Kind("doc", "Word 97–2003 document", "application/msword", (".doc",))
XLS = Kind("xls", "Excel 97–2003 workbook", "application/vnd.ms-excel", (".xls",))
TEXT = Kind("text", "text file", "text/plain; charset=utf-8", (".txt", ".text", ".md", ".log"))
CSV = Kind("csv", "CSV file", "text/csv; charset=utf-8", (".csv",))
EML = Kind("eml", "e-mail message", "message/rfc822", (".eml",))
MSG = Kind("msg", "Outlook message", "application/vnd.ms-outlook", (".msg",))

KINDS: tuple[Kind, ...] = (
    PDF,
    PNG,
    JPEG,
    GIF,
    WEBP,
    DOCX,
    XLSX,
    PPTX,
    DOC,
    XLS,
    TEXT,
    CSV,
    EML,
    MSG,
)
BY_CODE = {k.code: k for k in KINDS}

ACCEPTED = (
    "PDF, images (PNG, JPEG, GIF, WebP), Word, Excel and PowerPoint documents, "
    "plain text or CSV, e-mails (.eml, .msg)"
)


class FileRefused(Exception):
    """The file is not one Casebook keeps; the message says why, in the user's terms."""


def not_accepted(what: str) -> FileRefused:
    return FileRefused(f"This file is {what}, not one of: {ACCEPTED}.")


def too_big_message(size: int, limit: int) -> str:
    return f"Files can be at most {megabytes(limit)}; this one is {megabytes(size)}."


def megabytes(size: int) -> str:
    """Binary megabytes, as file managers show them: 10485760 is "10 MB"."""
    mb = size / (1024 * 1024)
    if mb >= 0.1:
        return f"{mb:.0f} MB" if mb == int(mb) else f"{mb:.1f} MB"
    return f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} bytes"


# Magic numbers of files people send by mistake, so the refusal says what they sent.
_REFUSED_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program"),
    (b"\xca\xfe\xba\xbe", "a program"),
    (b"\xcf\xfa\xed\xfe", "a program"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"ID3", "an MP3 audio file"),
)
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEAD = 4096


def detect(f: BinaryIO) -> Kind:
    """The kind of the (seekable, binary) file, or FileRefused saying why it is not kept."""
    f.seek(0)
    head = f.read(_HEAD)
    if not head:
        raise FileRefused("This file is empty.")
    if head.startswith(b"%PDF-"):
        return _pdf(f)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        if head[12:16] != b"IHDR":
            raise FileRefused("This PNG image is damaged: it has no image header.")
        return _image(PNG, struct.unpack(">II", head[16:24]) if len(head) >= 24 else None)
    if head.startswith(b"\xff\xd8\xff"):
        return _image(JPEG, _jpeg_size(f))
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return _image(GIF, struct.unpack("<HH", head[6:10]) if len(head) >= 10 else None)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _image(WEBP, _webp_size(head))
    if head[:4] in _ZIP_MAGIC:
        return _ooxml(f)
    if head.startswith(_OLE2_MAGIC):
        return _ole2(f)
    if not _is_text(head):
        for magic, what in _REFUSED_SIGNATURES:
            if head.startswith(magic):
                raise not_accepted(what)
    if head.startswith(b"{\\rtf"):
        raise not_accepted("a rich text (RTF) document")
    return _text(f)


def _is_text(head: bytes) -> bool:
    """No NULs and valid UTF-8 (a character cut at the end of the sample is fine): a note
    that happens to begin "MZ" or "ID3" is text, not a program or a song."""
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _pdf(f: BinaryIO) -> Kind:
    f.seek(0, 2)
    end = f.tell()
    f.seek(max(0, end - 2048))
    if b"%%EOF" not in f.read():
        raise FileRefused(
            "This PDF is incomplete (it has no end-of-file marker): save or export it again "
            "and upload the new file."
        )
    return PDF


# Images: what their headers say about their size. An image is never decoded here, but
# whoever opens it is: a few KB declaring 100,000 × 100,000 pixels (a "decompression
# bomb") takes tens of gigabytes to show. The limit is Pillow's default, a 24-bit image of
# 256 MB; a photo from any phone is well under it.
MAX_IMAGE_PIXELS = 89_478_485


def _image(kind: Kind, size: tuple[int, int] | None) -> Kind:
    if size is not None:
        width, height = size
        if width * height > MAX_IMAGE_PIXELS:
            raise FileRefused(
                f"This image is {width:,} × {height:,} pixels, too large to open safely: "
                f"Casebook keeps images up to {MAX_IMAGE_PIXELS // 1_000_000} megapixels. "
                "Resize it and upload it again."
            )
    return kind


_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_size(f: BinaryIO) -> tuple[int, int] | None:
    """Width and height from the first start-of-frame segment, walking the segments after
    the start-of-image marker; None when there is none among the first hundred."""
    f.seek(2)
    for _ in range(100):
        marker = f.read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            return None
        if marker[1] in (0xD8, 0x01) or 0xD0 <= marker[1] <= 0xD7:
            continue  # markers without a length
        length_bytes = f.read(2)
        if len(length_bytes) < 2:
            return None
        length = struct.unpack(">H", length_bytes)[0]
        if marker[1] in _JPEG_SOF:
            frame = f.read(5)
            if len(frame) < 5:
                return None
            height, width = struct.unpack(">HH", frame[1:5])
            return width, height
        f.seek(length - 2, 1)
    return None


def _webp_size(head: bytes) -> tuple[int, int] | None:
    """The canvas of an extended (VP8X), lossy (VP8) or lossless (VP8L) WebP."""
    chunk = head[12:16]
    if chunk == b"VP8X" and len(head) >= 30:
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return width, height
    if chunk == b"VP8 " and len(head) >= 30:
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(head) >= 25:
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


# OOXML: the main part's content type, as [Content_Types].xml names it.
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
_OOXML_MACRO = {
    "application/vnd.ms-word.document.macroEnabled.main+xml": "a macro-enabled Word document",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": "a macro-enabled Excel workbook",
    "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml": (
        "a macro-enabled PowerPoint presentation"
    ),
}
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_CT_MAX = 1 << 20  # [Content_Types].xml is a few KB; refuse to inflate a bomb
# An Office document unpacks to a few times its size (its images are compressed already); a
# zip bomb, to thousands of times. Judged from the sizes the archive declares, before
# anything is inflated (as the import's reader does).
_OOXML_MAX_UNPACKED = 1 << 30
_OOXML_MAX_RATIO = 100


def _ooxml(f: BinaryIO) -> Kind:
    f.seek(0)
    try:
        with zipfile.ZipFile(f) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names:
                raise not_accepted("a ZIP archive")
            _unpacked_size_check(archive)
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _CT_MAX:
                raise not_accepted("a ZIP archive")
            content = archive.read(info)
            if b"<!DOCTYPE" in content.upper():
                raise not_accepted("a ZIP archive")
            # No DTD means no entities to expand or fetch (defusedxml refuses them too); the
            # part is capped at 1 MB.
            root = xml_fromstring(content)
    except (zipfile.BadZipFile, XmlParseError, EOFError, ValueError) as exc:
        raise FileRefused(
            "This file looks like a ZIP archive or Office document but is damaged."
        ) from exc
    for override in root.iter(f"{_CT_NS}Override"):
        content_type = override.get("ContentType", "")
        part = override.get("PartName", "").lstrip("/")
        if content_type in _OOXML_MACRO:
            raise not_accepted(_OOXML_MACRO[content_type])
        kind = _OOXML_MAIN.get(content_type)
        if kind and part in names:
            return kind
    raise not_accepted("a ZIP archive")


def _unpacked_size_check(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    unpacked = sum(info.file_size for info in infos)
    packed = max(1, sum(info.compress_size for info in infos))
    if unpacked > _OOXML_MAX_UNPACKED or (
        unpacked > 50 << 20 and unpacked / packed > _OOXML_MAX_RATIO
    ):
        raise FileRefused(
            f"This file unpacks to {megabytes(unpacked)}, far more than a real Office "
            "document would (a “zip bomb”): it is not kept."
        )


def _ole2(f: BinaryIO) -> Kind:
    """Legacy Word and Excel files and Outlook messages are OLE2 compound files; the names of
    the streams in the root directory say which."""
    try:
        names = set(_ole2_directory(f))
    except (struct.error, ValueError, IndexError) as exc:
        raise FileRefused("This file looks like an older Office file but is damaged.") from exc
    if "EncryptedPackage" in names:
        raise FileRefused(
            "This Office document is protected by a password: remove the password, save it "
            "and upload it again."
        )
    if "WordDocument" in names:
        return DOC
    if names & {"Workbook", "Book"}:
        return XLS
    if "__properties_version1.0" in names or any(n.startswith("__substg1.0_") for n in names):
        return MSG
    if "PowerPoint Document" in names:
        raise not_accepted(
            "a PowerPoint 97–2003 presentation (save it as .pptx in PowerPoint and upload that)"
        )
    raise not_accepted("an older Office or Windows file of a kind Casebook does not keep")


_ENDOFCHAIN = 0xFFFFFFFE
_MAX_DIRECTORY_SECTORS = 4096


def _ole2_directory(f: BinaryIO) -> list[str]:
    """The names in a compound file's directory (MS-CFB 2.2, 2.6): follow the directory's
    sector chain through the FAT, which the header's first 109 DIFAT entries locate."""
    f.seek(0)
    header = f.read(512)
    sector_shift = struct.unpack_from("<H", header, 30)[0]
    if sector_shift not in (9, 12):
        raise ValueError("sector size")
    sector = 1 << sector_shift
    first_directory = struct.unpack_from("<I", header, 48)[0]
    difat = [s for s in struct.unpack_from("<109I", header, 76) if s < 0xFFFFFFFA]

    def read_sector(number: int) -> bytes:
        f.seek((number + 1) * sector)
        data = f.read(sector)
        if len(data) != sector:
            raise ValueError("truncated")
        return data

    fat: list[int] = []
    for number in difat:
        fat.extend(struct.unpack(f"<{sector // 4}I", read_sector(number)))
    names: list[str] = []
    current, seen = first_directory, 0
    while current != _ENDOFCHAIN:
        seen += 1
        if seen > _MAX_DIRECTORY_SECTORS or current >= len(fat):
            raise ValueError("directory chain")
        data = read_sector(current)
        for offset in range(0, sector, 128):
            length = struct.unpack_from("<H", data, offset + 64)[0]
            if 2 <= length <= 64:
                names.append(data[offset : offset + length - 2].decode("utf-16-le", "replace"))
        current = fat[current]
    return names


_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")  # RFC 5322 field name: printable ASCII but ':'
_MAIL_FIELDS = {b"date", b"subject", b"to", b"message-id", b"received", b"mime-version"}
# A web page, SVG or XML, after any byte-order mark, white space and comments: kept as
# text it would be harmless (downloads are never shown inline), but it is not evidence.
_MARKUP = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*"
    rb"<(?:!doctype\s+html|\?xml|html|head|body|svg|script|iframe|object|embed|meta|link|"
    rb"style|img|math|xsl|base|form|frameset)\b",
    re.IGNORECASE | re.DOTALL,
)


def _text(f: BinaryIO) -> Kind:
    f.seek(0)
    data = f.read()
    if b"\x00" in data:
        raise not_accepted("a binary file of a kind Casebook does not recognise")
    if _is_email(data):
        return EML
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused(
            "This file is not UTF-8 text: save it as UTF-8 (in Notepad or Excel, choose "
            "“UTF-8” when saving) and upload it again, or upload a PDF."
        ) from None
    if _MARKUP.match(data[:65536]):
        raise not_accepted("a web page or markup (HTML, SVG or XML)")
    return CSV if _looks_like_csv(text) else TEXT


def _is_email(data: bytes) -> bool:
    """RFC 822 headers: the text up to the first blank line is header fields (and their
    folded continuation lines), among them From and one of the usual message fields."""
    block = re.split(rb"\r?\n\r?\n", data[:65536], maxsplit=1)[0]
    fields: set[bytes] = set()
    for line in block.splitlines():
        if line[:1] in (b" ", b"\t") and fields:
            continue
        if not _HEADER_LINE.match(line):
            return False
        fields.add(line.split(b":", 1)[0].lower())
    return b"from" in fields and bool(fields & _MAIL_FIELDS)


def _looks_like_csv(text: str) -> bool:
    """Several lines, each with the same (non-zero) number of commas or semicolons."""
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if len(lines) < 2:
        return False
    for delimiter in (",", ";", "\t"):
        counts = {line.count(delimiter) for line in lines}
        if len(counts) == 1 and counts.pop() > 0:
            return True
    return False


# Names ------------------------------------------------------------------------------------

_NAME_MAX = 120


def display_name(name: str) -> str:
    """A user's file name made safe to show and to offer as a download name: no folders, no
    control or direction-changing characters, no leading dots, at most 120 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip().lstrip(". ")
    name = re.sub(r'[<>:"|?*]', "_", name)
    if len(name) > _NAME_MAX:
        stem, dot, suffix = name.rpartition(".")
        suffix = f".{suffix}" if dot and len(suffix) <= 10 else ""
        name = (stem if dot else name)[: _NAME_MAX - len(suffix)].rstrip() + suffix
    return name or "attachment"


def download_name(name: str, kind: Kind) -> str:
    """The display name, with the detected kind's extension when the name does not already
    end in one of its extensions (report.html that is really text downloads as .txt)."""
    name = display_name(name)
    if name.lower().endswith(kind.extensions):
        return name
    return name + kind.extension
