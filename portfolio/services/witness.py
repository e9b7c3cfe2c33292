"""Witness testimony from people without an account: the learner asks a colleague or manager
by e-mail; the link (signed, salted, expiring, single-use) lets them write a statement once."""

from __future__ import annotations

import datetime
import secrets
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from portfolio.models import EvidenceItem, WitnessRequest, WitnessStatement
from portfolio.services.notices import witness_written_notify

WITNESS_TESTIMONY = "WT"
TOKEN_SALT = "portfolio.witness-request"  # noqa: S105 - a namespace, not a secret
# Guards against a learner (or a stolen session) using Casebook to send mail at will.
MAX_OPEN_REQUESTS_PER_ITEM = 3
MAX_SENDS_PER_REQUEST = 5


def _link_days() -> int:
    return settings.CASEBOOK_WITNESS_LINK_DAYS


def witness_token(request: WitnessRequest) -> str:
    return signing.dumps({"r": request.pk, "n": request.nonce}, salt=TOKEN_SALT, compress=True)


def witness_link(*, request: WitnessRequest, site_url: str) -> str:
    path = reverse("portfolio:witness-statement", args=[witness_token(request)])
    return site_url.rstrip("/") + path


def _requestable_check(*, item: EvidenceItem, by: User) -> None:
    if by.pk != item.enrolment.learner_id:
        raise ValidationError("Only the learner asks for witness statements on their evidence.")
    if item.evidence_type.code != WITNESS_TESTIMONY:
        raise ValidationError("Witness statements are asked for on witness testimony evidence.")
    if not item.is_editable:
        raise ValidationError(
            f"EI {item.ei} is {item.get_status_display().lower()}: it can no longer be changed."
        )


def _fields_validate(*, witness_name: str, witness_role: str, witness_email: str, prompt: str):
    errors = {}
    if not witness_name.strip():
        errors["witness_name"] = "Give the witness's name."
    if not witness_role.strip():
        errors["witness_role"] = "Say who they are to you, e.g. “team leader”."
    try:
        validate_email(witness_email)
    except ValidationError:
        errors["witness_email"] = "Enter the witness's e-mail address, e.g. sam@example.org."
    if not prompt.strip():
        errors["prompt"] = "Say what you would like them to describe."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def witness_request_create(
    *,
    item: EvidenceItem,
    by: User,
    witness_name: str,
    witness_role: str,
    witness_email: str,
    prompt: str,
    site_url: str,
) -> WitnessRequest:
    """Ask a witness for a statement and e-mail them the link. At most a few requests may
    be open on one item at a time."""
    item = (
        EvidenceItem.objects.select_for_update()
        .select_related("evidence_type", "enrolment__learner")
        .get(pk=item.pk)
    )
    _requestable_check(item=item, by=by)
    _fields_validate(
        witness_name=witness_name,
        witness_role=witness_role,
        witness_email=witness_email,
        prompt=prompt,
    )
    now = timezone.now()
    open_count = item.witness_requests.filter(
        status=WitnessRequest.Status.SENT, expires_at__gt=now
    ).count()
    if open_count >= MAX_OPEN_REQUESTS_PER_ITEM:
        raise ValidationError(
            f"EI {item.ei} already has {open_count} requests waiting for an answer: cancel "
            "one, or wait for a witness to write, before asking someone else."
        )
    request = WitnessRequest(
        evidence=item,
        witness_name=witness_name.strip(),
        witness_role=witness_role.strip(),
        witness_email=witness_email.strip(),
        prompt=prompt.strip(),
        nonce=secrets.token_hex(16),
        sent_at=now,
        expires_at=now + datetime.timedelta(days=_link_days()),
        requested_by=by,
    )
    request._history_user = by
    request.save()
    _send(request=request, item=item, site_url=site_url)
    return request


def _send(*, request: WitnessRequest, item: EvidenceItem, site_url: str) -> None:
    """Sent inside the transaction: if the mail server refuses, nothing is recorded and the
    learner is told, rather than a request waiting on a mail nobody got."""
    context = {
        "request": request,
        "learner": item.enrolment.learner,
        "unit": item.enrolment.unit,
        "link": witness_link(request=request, site_url=site_url),
        "days": _link_days(),
    }
    try:
        send_mail(
            subject=f"{item.enrolment.learner.display_name} asks you for a witness statement",
            message=render_to_string("portfolio/email/witness_request.txt", context),
            from_email=None,
            recipient_list=[request.witness_email],
        )
    except (smtplib.SMTPException, OSError) as exc:
        # Raised inside the caller's transaction: the request is not recorded either.
        raise ValidationError(
            f"The e-mail to {request.witness_email} could not be sent ({exc.__class__.__name__}),"
            " so nothing was recorded. Check the address, or try again later."
        ) from exc


def _request_for_learner(*, request: WitnessRequest, by: User) -> WitnessRequest:
    request = (
        WitnessRequest.objects.select_for_update()
        .select_related("evidence__evidence_type", "evidence__enrolment__learner")
        .get(pk=request.pk)
    )
    _requestable_check(item=request.evidence, by=by)
    return request


@transaction.atomic
def witness_request_resend(*, request: WitnessRequest, by: User, site_url: str) -> WitnessRequest:
    """Send a fresh link (also for an expired request); the old link stops working."""
    request = _request_for_learner(request=request, by=by)
    if request.status != WitnessRequest.Status.SENT:
        raise ValidationError(
            f"The request to {request.witness_name} is {request.get_status_display().lower()}: "
            "it cannot be sent again."
        )
    if request.send_count >= MAX_SENDS_PER_REQUEST:
        raise ValidationError(
            f"The request to {request.witness_name} has been sent {request.send_count} times: "
            "check the address with them, cancel this request and make a new one."
        )
    now = timezone.now()
    request.nonce = secrets.token_hex(16)
    request.sent_at = now
    request.expires_at = now + datetime.timedelta(days=_link_days())
    request.send_count += 1
    request._history_user = by
    request.save(update_fields=["nonce", "sent_at", "expires_at", "send_count"])
    _send(request=request, item=request.evidence, site_url=site_url)
    return request


@transaction.atomic
def witness_request_cancel(*, request: WitnessRequest, by: User) -> WitnessRequest:
    """Withdraw a request that has not been answered; its link stops working."""
    request = _request_for_learner(request=request, by=by)
    if request.status != WitnessRequest.Status.SENT:
        raise ValidationError(
            f"The request to {request.witness_name} is already "
            f"{request.get_status_display().lower()}."
        )
    request.status = WitnessRequest.Status.CANCELLED
    request._history_user = by
    request.save(update_fields=["status"])
    return request


# The witness's side ---------------------------------------------------------------------


class LinkRefused(Exception):
    """The link cannot be used; `status` is the HTTP status to answer with (400 for a link
    that was never valid, 410 for one that was and is no longer) and the message says why."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class _Claim:
    request_id: int
    nonce: str


def _token_read(token: str) -> _Claim:
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=datetime.timedelta(days=_link_days()))
    except signing.SignatureExpired:
        raise LinkRefused(
            "This link has expired. Ask the person who sent it to send you a new one.", status=410
        ) from None
    except signing.BadSignature:
        raise LinkRefused(
            "This link is not valid. Check that you copied the whole link from the e‑mail.",
            status=400,
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("r"), int):
        raise LinkRefused("This link is not valid.", status=400)
    return _Claim(request_id=data["r"], nonce=str(data.get("n", "")))


def witness_request_for_link(*, token: str) -> WitnessRequest:
    """The request a witness's link opens, if it may still be answered; else LinkRefused."""
    claim = _token_read(token)
    request = (
        WitnessRequest.objects.select_related(
            "evidence__enrolment__learner",
            "evidence__enrolment__centre",
            "evidence__enrolment__unit",
        )
        .filter(pk=claim.request_id)
        .first()
    )
    if request is None:
        raise LinkRefused("This link is not valid.", status=400)
    if request.status == WitnessRequest.Status.WRITTEN:
        raise LinkRefused(
            "This link has already been used: your statement was received and cannot be "
            "changed. Thank you.",
            status=410,
        )
    if request.status == WitnessRequest.Status.CANCELLED:
        raise LinkRefused("This request was withdrawn by the person who sent it.", status=410)
    if not secrets.compare_digest(request.nonce, claim.nonce):
        raise LinkRefused(
            "This link has been replaced by a newer one: use the link in the latest e-mail.",
            status=410,
        )
    if request.is_expired():
        raise LinkRefused(
            "This link has expired. Ask the person who sent it to send you a new one.", status=410
        )
    if not request.evidence.is_editable:
        raise LinkRefused(
            "The evidence this request was for has been submitted, so it can no longer take a "
            "statement.",
            status=410,
        )
    return request


@transaction.atomic
def witness_statement_write(
    *, token: str, text: str, witness_name: str, witness_role: str, confirmed: bool
) -> WitnessStatement:
    """Record the witness's statement and spend the link. The request is claimed with a
    conditional UPDATE, so a double submit or two tabs record one statement, not two."""
    request = witness_request_for_link(token=token)
    errors = {}
    if not text.strip():
        errors["text"] = "Write what you saw."
    if not witness_name.strip():
        errors["witness_name"] = "Give your name."
    if not witness_role.strip():
        errors["witness_role"] = "Give your role."
    if not confirmed:
        errors["confirmed"] = "Confirm that this is a true account of what you saw."
    if errors:
        raise ValidationError(errors)
    item = EvidenceItem.objects.select_for_update().get(pk=request.evidence_id)
    if not item.is_editable:
        raise LinkRefused("The evidence this request was for has been submitted.", status=410)
    now = timezone.now()
    claimed = WitnessRequest.objects.filter(
        pk=request.pk, status=WitnessRequest.Status.SENT, nonce=request.nonce, expires_at__gt=now
    ).update(status=WitnessRequest.Status.WRITTEN)
    if claimed != 1:
        raise LinkRefused("This link has already been used.", status=410)
    # Saved again through the model so the history shows when the request was answered.
    request.status = WitnessRequest.Status.WRITTEN
    request.save(update_fields=["status"])
    statement = WitnessStatement.objects.create(
        request=request,
        evidence=request.evidence,
        text=text.strip(),
        witness_name=witness_name.strip(),
        witness_role=witness_role.strip(),
        confirmed=True,
        written_at=now,
    )
    witness_written_notify(statement=statement)
    return statement
