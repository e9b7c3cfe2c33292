"""Files attached to evidence items: checked by content, stored under random names in private
storage, removed with their rows. Only the learner changes them, and only on a draft."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from accounts.models import User
from portfolio import files
from portfolio.models import Attachment, EvidenceItem

# A draft is a working folder, not an archive: enough for a report, screenshots and e-mails.
MAX_ATTACHMENTS_PER_ITEM = 20


def attachments_dir() -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT) / "attachments"


def attachment_path(attachment: Attachment) -> Path:
    """Where the file is kept: two levels of folder from its random name, never the user's."""
    name = attachment.stored_name
    return attachments_dir() / name[:2] / name


def attachment_changeable_check(*, item: EvidenceItem, by: User) -> None:
    """Only the learner adds or removes files, only while the item is a draft or referred
    back, and never once it is signed (locked)."""
    if by.pk != item.enrolment.learner_id:
        raise ValidationError("Only the learner changes the files attached to their evidence.")
    if item.is_locked:
        raise ValidationError(
            f"EI {item.ei} is signed and locked: its files can no longer be changed. A centre "
            "admin can unlock it, with a written reason; that voids its signatures."
        )
    if not item.is_editable:
        raise ValidationError(
            f"EI {item.ei} is {item.get_status_display().lower()}: its files can no longer be "
            "changed."
        )


def attachment_add(*, item: EvidenceItem, by: User, upload: File) -> Attachment:
    """Attach an uploaded file to a draft. The bytes are copied to private storage under a
    random name (stopping at the size limit) and their type decided by content; a refused
    file leaves no row and no file behind."""
    limit = settings.CASEBOOK_ATTACHMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(files.too_big_message(upload.size, limit))
    stored_name = secrets.token_hex(16)
    path = attachments_dir() / stored_name[:2] / stored_name
    try:
        size, sha256 = _copy(upload, path, limit=limit)
        with open(path, "rb") as handle:
            kind = files.detect(handle)
        with transaction.atomic():
            item = EvidenceItem.objects.select_for_update().get(pk=item.pk)
            attachment_changeable_check(item=item, by=by)
            if item.attachments.count() >= MAX_ATTACHMENTS_PER_ITEM:
                raise ValidationError(
                    f"EI {item.ei} already has {MAX_ATTACHMENTS_PER_ITEM} files: remove one "
                    "before adding another."
                )
            attachment = Attachment(
                evidence=item,
                stored_name=stored_name,
                original_name=files.display_name(upload.name or ""),
                kind=kind.code,
                content_type=kind.content_type,
                size=size,
                sha256=sha256,
                uploaded_by=by,
            )
            attachment._history_user = by
            attachment.save()
    except files.FileRefused as exc:
        path.unlink(missing_ok=True)
        raise ValidationError(str(exc)) from exc
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return attachment


def _copy(upload: File, path: Path, *, limit: int) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    if hasattr(upload, "seek"):
        upload.seek(0)
    with open(path, "xb") as out:
        for chunk in upload.chunks():
            size += len(chunk)
            if size > limit:
                # The client's claimed size is not trusted: count what actually arrives.
                raise ValidationError(files.too_big_message(upload.size or size, limit))
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


@transaction.atomic
def attachment_remove(*, attachment: Attachment, by: User) -> None:
    """Remove a file from a draft: the row now, the stored file once the removal commits."""
    item = EvidenceItem.objects.select_for_update().get(pk=attachment.evidence_id)
    attachment_changeable_check(item=item, by=by)
    path = attachment_path(attachment)
    attachment._history_user = by
    attachment.delete()
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
