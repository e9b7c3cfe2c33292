"""Attaching files to evidence: checked by content, stored under random names in private
storage, recorded with their hash, size and detected type; a refused file leaves nothing."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from portfolio import services
from portfolio.models import Attachment, EvidenceItem
from portfolio.services.attachments import attachment_path, attachments_dir
from tests.portfolio.factories import sample_exe, sample_pdf, sample_png, sample_zip


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    return settings.PRIVATE_STORAGE_ROOT


def upload(name, data, content_type="application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_files():
    root = attachments_dir()
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_learner_attaches_a_pdf_to_a_draft(learner, item):
    data = sample_pdf()
    attachment = services.attachment_add(
        item=item, by=learner, upload=upload("Refund letter.pdf", data)
    )
    assert attachment.original_name == "Refund letter.pdf"
    assert attachment.kind == "pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(data)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment_path(attachment).read_bytes() == data
    assert attachment.history.count() == 1


def test_the_file_is_stored_under_a_random_name_never_the_users(learner, item, private_storage):
    attachment = services.attachment_add(
        item=item, by=learner, upload=upload("x.pdf", sample_pdf())
    )
    path = attachment_path(attachment)
    assert path.is_relative_to(private_storage)
    assert "x.pdf" not in str(path)
    assert path.name == attachment.stored_name
    assert len(attachment.stored_name) == 32


def test_the_type_comes_from_the_content_not_the_name_or_browser(learner, item):
    attachment = services.attachment_add(
        item=item, by=learner, upload=upload("photo.pdf", sample_png(), "application/pdf")
    )
    assert attachment.kind == "png"
    assert attachment.content_type == "image/png"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (sample_zip(), "This file is a ZIP archive, not one of: PDF"),
        (sample_exe(), "This file is a Windows program, not one of: PDF"),
        (b"", "This file is empty."),
    ],
    ids=["zip", "exe-renamed-pdf", "empty"],
)
def test_a_refused_file_writes_nothing(learner, item, data, message):
    with pytest.raises(ValidationError) as caught:
        services.attachment_add(item=item, by=learner, upload=upload("report.pdf", data))
    assert caught.value.messages[0].startswith(message)
    assert not Attachment.objects.exists()
    assert stored_files() == []


def test_a_file_over_the_limit_is_refused_with_both_sizes(settings, learner, item):
    settings.CASEBOOK_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    big = sample_pdf() + b"\x00" * int(14.2 * 1024 * 1024)
    with pytest.raises(ValidationError) as caught:
        services.attachment_add(item=item, by=learner, upload=upload("big.pdf", big))
    assert caught.value.messages == ["Files can be at most 10 MB; this one is 14.2 MB."]
    assert not Attachment.objects.exists()
    assert stored_files() == []


def test_the_limit_counts_the_bytes_received_not_the_claimed_size(settings, learner, item):
    settings.CASEBOOK_ATTACHMENT_MAX_BYTES = 100
    lying = upload("small.pdf", sample_pdf() + b" " * 200)
    lying.size = 10  # a client may claim anything
    with pytest.raises(ValidationError, match="Files can be at most"):
        services.attachment_add(item=item, by=learner, upload=lying)
    assert stored_files() == []


def test_only_the_learner_attaches(assessor, item):
    with pytest.raises(ValidationError, match="Only the learner"):
        services.attachment_add(item=item, by=assessor, upload=upload("a.pdf", sample_pdf()))
    assert stored_files() == []


def test_a_submitted_items_files_cannot_be_changed(learner, item):
    attachment = services.attachment_add(
        item=item, by=learner, upload=upload("a.pdf", sample_pdf())
    )
    EvidenceItem.objects.filter(pk=item.pk).update(status=EvidenceItem.Status.SUBMITTED)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.attachment_add(item=item, by=learner, upload=upload("b.pdf", sample_pdf()))
    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.attachment_remove(attachment=attachment, by=learner)
    assert len(stored_files()) == 1


def test_removing_deletes_the_row_and_then_the_file(
    learner, item, django_capture_on_commit_callbacks
):
    attachment = services.attachment_add(
        item=item, by=learner, upload=upload("a.pdf", sample_pdf())
    )
    path = attachment_path(attachment)
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_remove(attachment=attachment, by=learner)
    assert not Attachment.objects.exists()
    assert not path.exists()


def test_only_the_learner_removes(learner, assessor, item):
    attachment = services.attachment_add(
        item=item, by=learner, upload=upload("a.pdf", sample_pdf())
    )
    with pytest.raises(ValidationError, match="Only the learner"):
        services.attachment_remove(attachment=attachment, by=assessor)
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_a_draft_holds_a_limited_number_of_files(learner, item, monkeypatch):
    monkeypatch.setattr("portfolio.services.attachments.MAX_ATTACHMENTS_PER_ITEM", 2)
    for name in ("a.pdf", "b.pdf"):
        services.attachment_add(item=item, by=learner, upload=upload(name, sample_pdf()))
    with pytest.raises(ValidationError, match="remove one"):
        services.attachment_add(item=item, by=learner, upload=upload("c.pdf", sample_pdf()))
    assert len(stored_files()) == 2
