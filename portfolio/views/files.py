"""Attachments and witness testimony (including the witness's own page, without login)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.audit import audit_record
from accounts.models import AuditEvent
from portfolio import files, selectors, services
from portfolio.forms import (
    AttachmentForm,
    WitnessRequestForm,
    WitnessStatementForm,
)
from portfolio.services.attachments import attachment_path
from portfolio.services.witness import WITNESS_TESTIMONY
from portfolio.views.common import add_errors, detail_context, private_download

# Attachments and witness testimony --------------------------------------------------------


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.evidence_for_owner(user=request.user, pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    refused_name = ""
    if form.is_valid():
        try:
            attachment = services.attachment_add(
                item=item, by=request.user, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            errors = exc.messages
            refused_name = files.display_name(form.cleaned_data["file"].name or "")
        else:
            messages.success(request, f"{attachment.original_name} is attached to EI {item.ei}.")
            return redirect(f"{item.get_absolute_url()}#attachments")
    else:
        errors = ["Choose a file to attach."]
    return render(
        request,
        "portfolio/evidence_detail.html",
        detail_context(
            request, item, attachment_errors=errors, attachment_refused_name=refused_name
        ),
        status=400,
    )


@login_required
@require_POST
def attachment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = selectors.attachment_for_owner(user=request.user, pk=pk)
    item = attachment.evidence
    try:
        services.attachment_remove(attachment=attachment, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{attachment.original_name} is removed from EI {item.ei}.")
    return redirect(f"{item.get_absolute_url()}#attachments")


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file, only ever as a download of its detected type: the browser is told not to
    guess the type and not to show it inline, whatever the file says about itself."""
    attachment = selectors.attachment_for_reader(user=request.user, pk=pk)
    kind = files.BY_CODE.get(attachment.kind)
    response = private_download(
        attachment_path(attachment),
        filename=files.download_name(attachment.original_name, kind)
        if kind
        else files.display_name(attachment.original_name),
        content_type=attachment.content_type,
        missing="The file is missing from storage.",
    )
    audit_record(
        kind=AuditEvent.Kind.EXPORTED,
        request=request,
        subject=attachment,
        detail={"what": "attachment", "sha256": attachment.sha256},
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def witness_request_create(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.evidence_for_owner(user=request.user, pk=pk)
    if not (item.is_editable and item.evidence_type.code == WITNESS_TESTIMONY):
        messages.info(request, "Witness statements are asked for on draft witness testimony.")
        return redirect(item)
    form = WitnessRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            witness = services.witness_request_create(
                item=item,
                by=request.user,
                site_url=request.build_absolute_uri("/"),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                f"The request is on its way to {witness.witness_name} ({witness.witness_email}).",
            )
            return redirect(f"{item.get_absolute_url()}#witnesses")
    return render(
        request,
        "portfolio/witness_request_form.html",
        {"item": item, "form": form, "days": settings.CASEBOOK_WITNESS_LINK_DAYS},
    )


@login_required
@require_POST
def witness_request_resend(request: HttpRequest, pk: int) -> HttpResponse:
    witness = selectors.witness_request_for_owner(user=request.user, pk=pk)
    try:
        services.witness_request_resend(
            request=witness, by=request.user, site_url=request.build_absolute_uri("/")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"A new link is on its way to {witness.witness_name}; the old one no longer works.",
        )
    return redirect(f"{witness.evidence.get_absolute_url()}#witnesses")


@login_required
@require_POST
def witness_request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    witness = selectors.witness_request_for_owner(user=request.user, pk=pk)
    try:
        services.witness_request_cancel(request=witness, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The request to {witness.witness_name} is cancelled.")
    return redirect(f"{witness.evidence.get_absolute_url()}#witnesses")


@never_cache
def witness_statement(request: HttpRequest, token: str) -> HttpResponse:
    """The witness's page: no account, only the link from their e-mail."""
    try:
        witness = services.witness_request_for_link(token=token)
    except services.LinkRefused as exc:
        return _link_refused(request, exc)
    form = WitnessStatementForm(
        request.POST or None,
        # The role is left for the witness: the learner's words ("my line manager") are
        # written from the learner's side.
        initial={"witness_name": witness.witness_name},
    )
    if request.method == "POST" and form.is_valid():
        try:
            statement = services.witness_statement_write(token=token, **form.cleaned_data)
        except services.LinkRefused as exc:
            return _link_refused(request, exc)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return render(
                request,
                "portfolio/witness_statement_done.html",
                {"witness": witness, "statement": statement},
            )
    return render(request, "portfolio/witness_statement.html", {"witness": witness, "form": form})


def _link_refused(request: HttpRequest, exc: Exception) -> HttpResponse:
    return render(
        request,
        "portfolio/witness_link_refused.html",
        {"message": str(exc)},
        status=exc.status,
    )
