"""Attachment pages for every persona: the learner adds and removes files on a draft; the
learner, their assessor and IV download them; everyone else gets 404 (anonymous: login)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portfolio import services
from portfolio.models import Attachment, EvidenceItem
from portfolio.services.attachments import attachment_path, attachments_dir
from tests.portfolio.factories import sample_pdf, sample_zip

READERS = ["learner", "assessor", "verifier"]
OUTSIDERS = [
    "other_learner",
    "other_assessor",
    "manager",
    "centre_admin",
    "other_centre_learner",
    "other_centre_assessor",
    "other_centre_manager",
]


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


@pytest.fixture
def persona(request, other_enrolment):
    def get(name):
        return request.getfixturevalue(name)

    return get


@pytest.fixture
def attachment(learner, item):
    return services.attachment_add(
        item=item,
        by=learner,
        upload=SimpleUploadedFile("Refund <letter>.pdf", sample_pdf(), "text/html"),
    )


def stored_files():
    root = attachments_dir()
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def post_file(client, item, name, data):
    return client.post(
        reverse("portfolio:attachment-add", args=[item.pk]),
        {"file": SimpleUploadedFile(name, data, "application/pdf")},
    )


# Downloading --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", READERS)
def test_learner_assessor_and_verifier_download_the_file_safely(client, persona, attachment, who):
    client.force_login(persona(who))
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == sample_pdf()
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'attachment; filename="Refund _letter_.pdf"'
    # Its own sandboxed policy, not replaced by the site's Content Security Policy.
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.parametrize("who", OUTSIDERS)
def test_anyone_else_gets_404_for_the_file(client, persona, attachment, who):
    client.force_login(persona(who))
    assert client.get(attachment.get_absolute_url()).status_code == 404


def test_anonymous_download_is_sent_to_log_in(client, attachment):
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_file_missing_from_storage_is_404_not_an_error(client, learner, attachment):
    attachment_path(attachment).unlink()
    client.force_login(learner)
    assert client.get(attachment.get_absolute_url()).status_code == 404


def test_the_evidence_page_lists_the_file_for_readers(client, assessor, attachment):
    client.force_login(assessor)
    page = client.get(attachment.evidence.get_absolute_url()).content.decode()
    assert attachment.get_absolute_url() in page
    assert "Refund _letter_.pdf" in page
    assert reverse("portfolio:attachment-remove", args=[attachment.pk]) not in page
    assert reverse("portfolio:attachment-add", args=[attachment.evidence_id]) not in page


# Adding ---------------------------------------------------------------------------------


def test_the_learner_attaches_a_file(client, learner, item):
    client.force_login(learner)
    response = post_file(client, item, "letter.pdf", sample_pdf())
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.evidence == item
    page = client.get(item.get_absolute_url()).content.decode()
    assert "letter.pdf is attached to EI 1." in page


def test_a_refused_file_is_named_on_the_page_and_nothing_is_written(client, learner, item):
    client.force_login(learner)
    response = post_file(client, item, "report.pdf", sample_zip())
    assert response.status_code == 400
    assert "This file is a ZIP archive, not one of: PDF" in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files() == []


def test_a_file_over_the_limit_is_refused_on_the_page(client, settings, learner, item):
    settings.CASEBOOK_ATTACHMENT_MAX_BYTES = 1024
    client.force_login(learner)
    response = post_file(client, item, "big.pdf", sample_pdf() + b" " * 4000)
    assert response.status_code == 400
    assert "Files can be at most 1 KB; this one is 4 KB." in response.content.decode()
    assert stored_files() == []


def test_posting_no_file_asks_for_one(client, learner, item):
    client.force_login(learner)
    response = client.post(reverse("portfolio:attachment-add", args=[item.pk]), {})
    assert response.status_code == 400
    assert "Choose a file to attach." in response.content.decode()


def test_a_submitted_item_takes_no_files(client, learner, item):
    EvidenceItem.objects.filter(pk=item.pk).update(status=EvidenceItem.Status.SUBMITTED)
    client.force_login(learner)
    response = post_file(client, item, "a.pdf", sample_pdf())
    assert response.status_code == 400
    assert "can no longer be changed" in response.content.decode()
    assert stored_files() == []


@pytest.mark.parametrize("who", ["assessor", "verifier", *OUTSIDERS])
def test_nobody_but_the_learner_attaches(client, persona, item, who):
    client.force_login(persona(who))
    assert post_file(client, item, "a.pdf", sample_pdf()).status_code == 404
    assert stored_files() == []


def test_anonymous_cannot_attach(client, item):
    assert post_file(client, item, "a.pdf", sample_pdf()).status_code == 302
    assert stored_files() == []


# Removing -------------------------------------------------------------------------------


def test_the_learner_removes_a_file(
    client, learner, attachment, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portfolio:attachment-remove", args=[attachment.pk]))
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert stored_files() == []


@pytest.mark.parametrize("who", ["assessor", "verifier", *OUTSIDERS])
def test_nobody_but_the_learner_removes(client, persona, attachment, who):
    client.force_login(persona(who))
    response = client.post(reverse("portfolio:attachment-remove", args=[attachment.pk]))
    assert response.status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_anonymous_cannot_remove(client, attachment):
    response = client.post(reverse("portfolio:attachment-remove", args=[attachment.pk]))
    assert response.status_code == 302
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_removing_from_a_submitted_item_is_refused(client, learner, attachment):
    EvidenceItem.objects.filter(pk=attachment.evidence_id).update(
        status=EvidenceItem.Status.SUBMITTED
    )
    client.force_login(learner)
    response = client.post(
        reverse("portfolio:attachment-remove", args=[attachment.pk]), follow=True
    )
    assert "can no longer be changed" in response.content.decode()
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_removing_needs_post(client, learner, attachment):
    client.force_login(learner)
    response = client.get(reverse("portfolio:attachment-remove", args=[attachment.pk]))
    assert response.status_code == 405


def test_a_refused_file_is_named_by_its_safe_display_name(client, learner, item):
    client.force_login(learner)
    response = post_file(client, item, "../archive<1>.pdf", sample_zip())
    assert "archive_1_.pdf was not attached." in response.content.decode()
