"""Content detection for evidence attachments: pure, no database."""

import io

import pytest

from portfolio import files
from tests.portfolio.factories import (
    sample_docx,
    sample_eml,
    sample_exe,
    sample_ole2,
    sample_ooxml,
    sample_pdf,
    sample_png,
    sample_zip,
)


def detect(data: bytes) -> files.Kind:
    return files.detect(io.BytesIO(data))


def refusal(data: bytes) -> str:
    with pytest.raises(files.FileRefused) as caught:
        detect(data)
    return str(caught.value)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (sample_pdf(), files.PDF),
        (sample_png(), files.PNG),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 20, files.JPEG),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", files.GIF),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20, files.WEBP),
        (sample_docx(), files.DOCX),
        (
            sample_ooxml(
                "xl/workbook.xml",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            ),
            files.XLSX,
        ),
        (
            sample_ooxml(
                "ppt/presentation.xml",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
            ),
            files.PPTX,
        ),
        (sample_ole2("WordDocument"), files.DOC),
        (sample_ole2("Workbook"), files.XLS),
        (sample_ole2("__properties_version1.0", "__substg1.0_0037001F"), files.MSG),
        ("Notes from the call — £12 refunded.\n".encode(), files.TEXT),
        (b"ref,date,outcome\nC-1,2026-03-02,refunded\nC-2,2026-03-03,apology\n", files.CSV),
        (sample_eml(), files.EML),
    ],
    ids=lambda value: value.code if isinstance(value, files.Kind) else "",
)
def test_each_accepted_kind_is_recognised_by_its_content(data, kind):
    assert detect(data) == kind


def test_an_empty_file_is_refused():
    assert refusal(b"") == "This file is empty."


def test_a_zip_that_is_not_an_office_document_is_refused_as_a_zip_archive():
    message = refusal(sample_zip())
    assert message.startswith("This file is a ZIP archive, not one of: PDF, images")


def test_a_zip_naming_a_main_part_it_does_not_contain_is_refused():
    data = sample_docx().replace(b"word/document.xml", b"word/elsewhere.xml", 1)
    with pytest.raises(files.FileRefused):
        detect(data)


def test_a_macro_enabled_word_document_is_refused():
    data = sample_ooxml(
        "word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"
    )
    assert "macro-enabled Word document" in refusal(data)


def test_a_program_renamed_to_pdf_is_refused_as_a_program():
    # The name plays no part: detection sees only the bytes.
    assert refusal(sample_exe()).startswith("This file is a Windows program, not one of:")


def test_a_truncated_pdf_is_refused():
    assert "incomplete" in refusal(sample_pdf().replace(b"%%EOF", b""))


def test_a_damaged_zip_is_refused():
    assert "damaged" in refusal(sample_docx()[:40])


def test_a_password_protected_office_document_is_refused_with_what_to_do():
    assert "password" in refusal(sample_ole2("EncryptionInfo", "EncryptedPackage"))


def test_an_old_powerpoint_file_is_refused_with_what_to_do():
    assert ".pptx" in refusal(sample_ole2("PowerPoint Document"))


def test_text_that_is_not_utf8_is_refused():
    assert "not UTF-8" in refusal("Café au lait".encode("cp1252"))


def test_text_with_a_nul_is_refused():
    assert "binary file" in refusal(b"hello\x00world")


def test_an_html_page_is_refused_rather_than_kept_as_text():
    assert "web page" in refusal(b"<!DOCTYPE html><html><script>alert(1)</script></html>")


def test_a_note_that_begins_with_mz_is_text_not_a_program():
    assert detect(b"MZ Ltd called about their invoice.\n") == files.TEXT


def test_a_png_without_an_image_header_is_refused():
    assert "damaged" in refusal(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)


def test_the_size_message_names_the_limit_and_the_size():
    limit = 10 * 1024 * 1024
    message = files.too_big_message(int(14.2 * 1024 * 1024), limit)
    assert message == "Files can be at most 10 MB; this one is 14.2 MB."


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("report.pdf", "report.pdf"),
        ("C:\\Users\\lena\\Desktop\\report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("  ..hidden.txt", "hidden.txt"),
        ('a"b<c>.txt', "a_b_c_.txt"),
        ("", "attachment"),
        ("x" * 300 + ".docx", "x" * 115 + ".docx"),
    ],
)
def test_display_names_are_made_safe(name, shown):
    assert files.display_name(name) == shown


def test_a_download_name_ends_in_the_detected_kinds_extension():
    assert files.download_name("statement.html", files.TEXT) == "statement.html.txt"
    assert files.download_name("photo.JPEG", files.JPEG) == "photo.JPEG"
