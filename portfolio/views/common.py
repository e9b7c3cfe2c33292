"""What several portfolio pages share: form errors from a service, the evidence page's
context, a private file sent as a download."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from portfolio import files, selectors, services
from portfolio.forms import (
    AttachmentForm,
)
from portfolio.models import EvidenceItem
from portfolio.services.witness import WITNESS_TESTIMONY


def add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def detail_context(request: HttpRequest, item: EvidenceItem, **extra) -> dict:
    is_owner = item.enrolment.learner_id == request.user.pk
    decisions = selectors.evidence_assessment(item=item) if not item.is_draft else []
    return {
        "item": item,
        "is_owner": is_owner,
        "is_assessor": item.enrolment.assessor_id == request.user.pk,
        "decisions": [d for d in decisions if d.current],
        "can_change": is_owner and item.is_editable,
        "panel": selectors.mapping_panel(item=item),
        **files_and_witnesses(item, is_owner=is_owner),
        **extra,
    }


def files_and_witnesses(item: EvidenceItem, *, is_owner: bool) -> dict:
    can_change = is_owner and item.is_editable
    is_witness_type = item.evidence_type.code == WITNESS_TESTIMONY
    return {
        "attachments": list(item.attachments.all()),
        "can_attach": can_change,
        "attachment_form": AttachmentForm(),
        "attachment_max": files.megabytes(settings.CASEBOOK_ATTACHMENT_MAX_BYTES),
        "attachment_accepted": files.ACCEPTED,
        "witness_requests": list(
            item.witness_requests.select_related("statement").order_by("created_at", "pk")
        ),
        "is_witness_type": is_witness_type,
        "can_request_witness": can_change and is_witness_type,
    }


def reauthenticated_at(request: HttpRequest):
    """When the signer last confirmed their password in this session. A password sent with
    a signing form is checked first (a wrong one raises ValidationError: nothing is signed)."""
    password = request.POST.get("password", "")
    if password and not services.reauth_confirm(
        user=request.user, password=password, session=request.session
    ):
        raise ValidationError("That is not your password: nothing was signed. Try again.")
    return services.reauth_at(session=request.session)


def sign_and_return(
    request: HttpRequest, sign: Callable[..., object], *, back: str, done: Callable[[object], str]
) -> HttpResponse:
    """Call a signing service and go back to the page it was asked from.

    A signing form carries a password field while the password is not fresh: the password
    sent with it is checked here first, so signing is one step. Without one (or when it has
    gone stale since the page was drawn), the signer is sent to confirm it, then back.
    """
    try:
        result = sign(reauthenticated_at=reauthenticated_at(request))
    except services.ReauthRequired:
        messages.warning(
            request,
            "Signing asks for your password again (it counts for five minutes). Confirm it, "
            "then sign.",
        )
        return redirect(f"{reverse('portfolio:reauth')}?{urlencode({'next': back})}")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done(result))
    return redirect(back)


def private_download(path: Path, *, filename: str, content_type: str, missing: str) -> FileResponse:
    """A file from private storage, only ever as a download, never cached or sniffed; 404
    with ``missing`` when storage has lost it. Callers check who may have it first."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 (FileResponse closes it)
    except FileNotFoundError:
        raise Http404(missing) from None
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
