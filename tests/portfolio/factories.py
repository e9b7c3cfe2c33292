import datetime

import factory

from portfolio.models import Enrolment, EvidenceItem, Unit
from tests.accounts.factories import CentreFactory, UserFactory


class UnitFactory(factory.django.DjangoModelFactory):
    """A bare unit for tests that need an enrolment but not the standard's content."""

    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"T{n}")
    version = 1
    title = "Test unit"
    checksum = "0" * 64


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    centre = factory.SubFactory(CentreFactory)
    learner = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    assessor = factory.SubFactory(UserFactory)
    verifier = factory.SubFactory(UserFactory)
    started_on = datetime.date(2026, 1, 5)


class EvidenceItemFactory(factory.django.DjangoModelFactory):
    """A draft observation in an enrolment's portfolio; pass `evidence_type` for another."""

    class Meta:
        model = EvidenceItem

    enrolment = factory.SubFactory(EnrolmentFactory)
    evidence_type = factory.LazyAttribute(lambda e: e.enrolment.unit.evidence_types.get(code="O"))
    ei = factory.Sequence(lambda n: n + 1)
    title = "Observed handling a billing complaint"
    date = datetime.date(2026, 3, 2)
    narrative = "My assessor watched me take a call about a double charge."


# Small real files for attachment tests, built in the test run (no binary fixtures). --------


def sample_pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def sample_png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def sample_ooxml(main_part: str, content_type: str) -> bytes:
    """A minimal Office Open XML package whose [Content_Types].xml names `main_part`."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/{main_part}" ContentType="{content_type}"/></Types>',
        )
        archive.writestr(main_part, "<document/>")
    return buffer.getvalue()


def sample_docx() -> bytes:
    return sample_ooxml(
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    )


def sample_zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not an office document")
    return buffer.getvalue()


def sample_ole2(*stream_names: str) -> bytes:
    """A minimal OLE2 compound file (MS-CFB, 512-byte sectors): sector 0 is the FAT, sector 1
    the directory with a root entry and the named (empty) streams."""
    import struct

    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<109I", header, 76, 0, *([free] * 108))
    fat = struct.pack("<128I", fat_sector, end, *([free] * 126))
    directory = bytearray(512)
    for index, name in enumerate(["Root Entry", *stream_names][:4]):
        encoded = (name + "\0").encode("utf-16-le")
        offset = index * 128
        directory[offset : offset + len(encoded)] = encoded
        struct.pack_into("<HB", directory, offset + 64, len(encoded), 5 if index == 0 else 2)
    return bytes(header) + fat + bytes(directory)


def sample_eml() -> bytes:
    return (
        b"From: Sam Lead <sam@example.org>\r\n"
        b"To: Lena <lena@example.org>\r\n"
        b"Subject: Re: the double charge\r\n"
        b"Date: Mon, 2 Mar 2026 10:15:00 +0000\r\n"
        b"Message-ID: <1@example.org>\r\n"
        b"\r\n"
        b"Thanks for sorting the refund so quickly.\r\n"
    )


def sample_exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
