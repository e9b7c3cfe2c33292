"""A corpus of hostile uploads (issue 8, item 4), sent as a learner's evidence attachment and
as a problem-log import through the pages: each is refused with a message naming the
problem, leaving no row and no file, or (a type Casebook keeps) stored under a safe name and
only ever served as a download the browser may not sniff, run or show inline.

The files are made here (tests/security/files.py): nothing binary is committed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from hypothesis import assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from complaints.importing import reader
from complaints.models import ImportJob
from portfolio import files as evidence_files
from portfolio.models import Attachment
from tests.complaints.test_import_files import good_rows
from tests.portfolio.factories import sample_pdf
from tests.security import files
from tests.security.conftest import example_isolated, examples
from tests.security.judging import cookies_kept
from tests.security.test_import_fuzzing import csv_bytes


@dataclass(frozen=True)
class Hostile:
    id: str
    name: str
    data: bytes
    attachment: str  # the refusal's words, or "kept as <kind>"
    upload: str  # the import's refusal, or "kept as <format>"


GOOD_CSV = csv_bytes(good_rows(2), "utf-8", ",")
GOOD_XLSX = files.workbook(good_rows(2))
LONG_NAME = "a-very-long-name-" * 20 + ".pdf"

CORPUS = [
    Hostile("program named pdf", "report.pdf", files.WINDOWS_PROGRAM,
            "a Windows program", "a Windows program"),
    Hostile("html named pdf", "report.pdf", files.HTML_PAGE,
            "a web page or markup", "a web page or an XML file"),
    Hostile("html named csv", "export.csv", b"<html><table><tr><td>1</td></tr></table></html>",
            "a web page or markup", "a web page or an XML file"),
    Hostile("polyglot pdf and html", "statement.pdf", files.POLYGLOT_PDF_HTML,
            "kept as pdf", "a PDF document"),
    Hostile("zip bomb named xlsx (declared 4 GB)", "export.xlsx", files.zip_bomb_workbook(),
            "zip bomb", "far more data than a real export"),
    Hostile("zip bomb in the shared strings", "export.xlsx",
            files.zip_bomb_workbook("xl/sharedStrings.xml"),
            "zip bomb", "far more data than a real export"),
    Hostile("zip bomb named xlsx (64 MB of zeros)", "export.xlsx",
            files.real_zip_bomb_workbook(64), "zip bomb", "far more data than a real export"),
    Hostile("png bomb", "photo.png", files.png(100_000, 100_000),
            "100,000 × 100,000 pixels", "a PNG image"),
    Hostile("gif bomb", "photo.gif", files.gif(65_535, 65_535),
            "65,535 × 65,535 pixels", "a GIF image"),
    Hostile("jpeg bomb", "photo.jpg", files.jpeg(60_000, 60_000),
            "60,000 × 60,000 pixels", "a JPEG image"),
    Hostile("webp bomb", "photo.webp", files.webp(16_000, 16_000),
            "16,000 × 16,000 pixels", "NUL bytes"),
    Hostile("svg with script", "logo.svg", files.SVG_WITH_SCRIPT,
            "a web page or markup", "a web page or an XML file"),
    Hostile("svg after a byte-order mark and a comment", "logo.txt",
            b"\xef\xbb\xbf  <!-- logo -->\n" + files.SVG_WITH_SCRIPT.split(b"\n", 1)[1],
            "a web page or markup", "a web page or an XML file"),
    Hostile("empty file", "empty.csv", b"", "This file is empty", "The submitted file is empty"),
    Hostile("nul bytes", "notes.txt", b"Call notes\x00\x00\x00then binary\n",
            "a binary file", "NUL bytes"),
    Hostile("very long name", LONG_NAME, sample_pdf(), "kept as pdf", "a PDF document"),
    Hostile("path traversal name", "../../../../etc/passwd", sample_pdf(),
            "kept as pdf", "a PDF document"),
    Hostile("windows path traversal name", "..\\..\\windows\\win.ini", GOOD_CSV,
            "kept as csv", "kept as csv"),
    Hostile("right-to-left override name", "invoice\u202efdp.exe", sample_pdf(),
            "kept as pdf", "a PDF document"),
    Hostile("csv that is really a workbook", "export.csv", GOOD_XLSX,
            "kept as xlsx", "kept as xlsx"),
    Hostile("workbook that is really a csv", "export.xlsx", GOOD_CSV,
            "kept as csv", "kept as csv"),
]  # fmt: skip


def _stored(folder: str) -> set[Path]:
    root = Path(settings.PRIVATE_STORAGE_ROOT) / folder
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _everything_stored() -> set[Path]:
    root = Path(settings.PRIVATE_STORAGE_ROOT).parent
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("hostile", CORPUS, ids=lambda h: h.id)
def test_a_hostile_attachment_is_refused_by_name_or_kept_and_served_safely(hostile, world, clients):
    client, item = clients["learner"], world["draft"]
    with example_isolated(), cookies_kept(client):
        before, stored = Attachment.objects.count(), _everything_stored()
        response = client.post(
            reverse("portfolio:attachment-add", args=[item.pk]),
            {"file": SimpleUploadedFile(hostile.name, hostile.data)},
        )
        if not hostile.attachment.startswith("kept as"):
            assert response.status_code == 400
            assert escape(hostile.attachment) in response.content.decode()
            assert Attachment.objects.count() == before
            assert _everything_stored() == stored
            return
        assert response.status_code == 302, response.content.decode()[-2000:]
        attachment = Attachment.objects.latest("pk")
        assert f"kept as {attachment.kind}" == hostile.attachment
        _stored_safely(attachment, hostile)
        _served_safely(clients, world, attachment, hostile)


def _stored_safely(attachment: Attachment, hostile: Hostile) -> None:
    name = attachment.original_name
    assert "/" not in name
    assert "\\" not in name
    assert not name.startswith(".")
    assert len(name) <= 120
    assert all(ch.isprintable() for ch in name), name
    assert attachment.stored_name.isalnum()  # random, never the user's
    root = Path(settings.PRIVATE_STORAGE_ROOT).resolve()
    stored = [p for p in root.rglob(attachment.stored_name)]
    assert len(stored) == 1
    assert stored[0].resolve().is_relative_to(root)
    assert stored[0].read_bytes() == hostile.data


def _served_safely(clients, world, attachment: Attachment, hostile: Hostile) -> None:
    url = reverse("portfolio:attachment-download", args=[attachment.pk])
    for persona in ("learner", "assessor"):
        response = clients[persona].get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == hostile.data
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "\u202e" not in disposition
        assert "/" not in disposition.split("filename", 1)[1]
        kind = evidence_files.BY_CODE[attachment.kind]
        assert response["Content-Type"] == kind.content_type
        assert response["X-Content-Type-Options"] == "nosniff"
        policy = response["Content-Security-Policy"]
        assert "sandbox" in policy
        assert "default-src 'none'" in policy


@pytest.mark.parametrize("hostile", CORPUS, ids=lambda h: h.id)
def test_a_hostile_import_is_refused_by_name_or_read_by_its_content(hostile, world, clients):
    client = clients["learner"]
    with example_isolated(), cookies_kept(client):
        before, stored = ImportJob.objects.count(), _stored("imports")
        response = client.post(
            reverse("complaints:import-new"),
            {"file": SimpleUploadedFile(hostile.name, hostile.data)},
        )
        if not hostile.upload.startswith("kept as"):
            assert response.status_code == 200
            errors = " ".join(response.context["form"].errors.get("file", []))
            assert hostile.upload in errors, errors
            assert escape(hostile.upload) in response.content.decode()
            assert ImportJob.objects.count() == before
            assert _stored("imports") == stored
            return
        assert response.status_code == 302
        job = ImportJob.objects.latest("pk")
        assert f"kept as {job.file_format}" == hostile.upload
        assert "/" not in job.original_name
        assert "\\" not in job.original_name
        assert job.headers[0] == "Case ID"


def test_a_zip_bomb_is_refused_before_anything_is_inflated(tmp_path, monkeypatch):
    """The import's reader judges a workbook by the sizes its zip declares: openpyxl never
    opens a bomb, and reading the sheet is never attempted."""
    import openpyxl

    def never(*args, **kwargs):
        raise AssertionError("a zip bomb was opened")

    bombs = (files.zip_bomb_workbook(), files.real_zip_bomb_workbook(64))
    monkeypatch.setattr(openpyxl, "load_workbook", never)
    monkeypatch.setattr("zipfile.ZipFile.open", never)
    for data in bombs:
        path = tmp_path / "bomb.xlsx"
        path.write_bytes(data)
        with pytest.raises(reader.FileRefused, match="far more data"):
            reader.inspect_file(path)
        with open(path, "rb") as handle, pytest.raises(evidence_files.FileRefused, match="bomb"):
            evidence_files.detect(handle)


def test_a_workbook_that_hides_its_size_fails_its_check_and_is_refused(world, clients):
    """A zip that declares less than it holds: reading stops at the declared size and the
    checksum fails, so the workbook is refused as unreadable rather than inflated."""
    data = files.lying_workbook()
    client = clients["learner"]
    with example_isolated(), cookies_kept(client):
        before = ImportJob.objects.count()
        response = client.post(
            reverse("complaints:import-new"),
            {"file": SimpleUploadedFile("export.xlsx", data)},
        )
        assert response.status_code == 200
        assert "could not be" in " ".join(response.context["form"].errors["file"])
        assert ImportJob.objects.count() == before


def test_any_upload_is_refused_with_a_message_or_kept_under_a_safe_name(world, clients):
    client, item = clients["learner"], world["draft"]
    names = st.one_of(
        st.sampled_from([c.name for c in CORPUS]),
        st.text(min_size=1, max_size=300).filter(lambda n: n.strip("\x00")),
    )
    contents = st.one_of(st.sampled_from([c.data for c in CORPUS]), st.binary(max_size=2000))

    @hypothesis_settings(max_examples=examples(40))
    @given(name=names, data=contents)
    def attempt(name: str, data: bytes) -> None:
        # A name Django's test client cannot even make a file of ("..", "a/."): no browser
        # sends one either.
        assume(os.path.basename(name) not in ("", ".", ".."))
        with example_isolated(), cookies_kept(client):
            before = Attachment.objects.count()
            response = client.post(
                reverse("portfolio:attachment-add", args=[item.pk]),
                {"file": SimpleUploadedFile(name, data)},
            )
            assert response.status_code in (302, 400)
            if response.status_code == 400:
                assert Attachment.objects.count() == before
                # Refused with a reason on the evidence page, or by Django's multipart
                # parser before any view ran (a part it cannot read): its 400 page.
                assert response.context is None or response.context["attachment_errors"]
            else:
                attachment = Attachment.objects.latest("pk")
                assert all(ch.isprintable() for ch in attachment.original_name)
                assert "/" not in attachment.original_name
                assert "\\" not in attachment.original_name

    attempt()
