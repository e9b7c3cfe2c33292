"""The portfolio's pages. Views only parse input, call one service or selector, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from complaints import selectors as complaints_selectors
from portfolio import files, selectors, services
from portfolio.forms import (
    AssessmentForm,
    AttachmentForm,
    ElementRecordForm,
    EvidenceForm,
    EvidenceTypeChoiceForm,
    MappingForm,
    ReauthForm,
    UnlockForm,
    WitnessRequestForm,
    WitnessStatementForm,
)
from portfolio.models import Enrolment, EvidenceItem
from portfolio.services.attachments import attachment_path
from portfolio.services.witness import WITNESS_TESTIMONY


@login_required
def portfolio_home(request: HttpRequest) -> HttpResponse:
    """A learner's own portfolio; for an assessor or IV, the portfolios they may read."""
    own = list(selectors.enrolments_for_learner(learner=request.user))
    if own:
        return _portfolio_page(request, own[0], is_owner=True)
    readable = list(selectors.enrolments_readable_by(user=request.user))
    if not readable:
        raise Http404("You have no portfolio, and no learners' portfolios to read.")
    awaiting = selectors.evidence_awaiting_assessment(assessor=request.user)
    for enrolment in readable:
        enrolment.awaiting = awaiting.get(enrolment.pk, 0)
    return render(request, "portfolio/caseload.html", {"enrolments": readable})


@login_required
def portfolio_for_enrolment(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.enrolment_for_reader(user=request.user, pk=pk)
    return _portfolio_page(request, enrolment, is_owner=enrolment.learner_id == request.user.pk)


def _portfolio_page(request: HttpRequest, enrolment: Enrolment, *, is_owner: bool):
    return render(
        request,
        "portfolio/portfolio.html",
        {
            "enrolment": enrolment,
            "rows": selectors.evidence_rows(enrolment=enrolment),
            "is_owner": is_owner,
        },
    )


@login_required
def coverage_home(request: HttpRequest) -> HttpResponse:
    """The learner's own coverage of their unit."""
    enrolment = selectors.enrolment_for_learner(user=request.user)
    return _coverage_page(request, enrolment)


@login_required
def coverage_for_enrolment(request: HttpRequest, pk: int) -> HttpResponse:
    """A learner's coverage, read by them, their assessor or their internal verifier."""
    enrolment = selectors.enrolment_for_reader(user=request.user, pk=pk)
    return _coverage_page(request, enrolment)


def _coverage_page(request: HttpRequest, enrolment: Enrolment) -> HttpResponse:
    return render(
        request,
        "portfolio/coverage.html",
        {
            "enrolment": enrolment,
            "coverage": selectors.coverage_data(enrolment=enrolment),
            "is_owner": enrolment.learner_id == request.user.pk,
        },
    )


@login_required
def evidence_create(request: HttpRequest) -> HttpResponse:
    enrolment = selectors.enrolment_for_learner(user=request.user)
    chooser = EvidenceTypeChoiceForm(request.GET or None, enrolment=enrolment)
    if not chooser.is_valid():
        return render(request, "portfolio/evidence_type_choose.html", {"chooser": chooser})
    evidence_type = chooser.cleaned_data["evidence_type"]
    form = EvidenceForm(
        request.POST or None,
        evidence_type=evidence_type,
        link_choices=selectors.evidence_link_choices(enrolment=enrolment),
    )
    if request.method == "POST" and form.is_valid():
        try:
            item = services.evidence_create(
                enrolment=enrolment,
                by=request.user,
                evidence_type=evidence_type,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, f"EI {item.ei} is in your portfolio. Now map it to the standard."
            )
            return redirect(item)
    return render(
        request,
        "portfolio/evidence_form.html",
        {"form": form, "item": None, "evidence_type": evidence_type},
    )


@login_required
def evidence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.evidence_for_owner(user=request.user, pk=pk)
    if not item.is_editable:
        messages.info(
            request,
            f"EI {item.ei} is {item.get_status_display().lower()}: it can no longer be changed.",
        )
        return redirect(item)
    form = EvidenceForm(
        request.POST or None,
        instance=item,
        evidence_type=item.evidence_type,
        link_choices=selectors.evidence_link_choices(enrolment=item.enrolment),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.evidence_update(item=item, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"EI {item.ei} is saved.")
            return redirect(item)
    return render(
        request,
        "portfolio/evidence_form.html",
        {"form": form, "item": item, "evidence_type": item.evidence_type},
    )


@login_required
def evidence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.evidence_for_reader(user=request.user, pk=pk)
    return render(request, "portfolio/evidence_detail.html", _detail_context(request, item))


def _detail_context(request: HttpRequest, item: EvidenceItem, **extra) -> dict:
    is_owner = item.enrolment.learner_id == request.user.pk
    decisions = selectors.evidence_assessment(item=item) if not item.is_draft else []
    return {
        "item": item,
        "is_owner": is_owner,
        "is_assessor": item.enrolment.assessor_id == request.user.pk,
        "decisions": [d for d in decisions if d.current],
        "can_change": is_owner and item.is_editable,
        "panel": selectors.mapping_panel(item=item),
        **_files_and_witnesses(item, is_owner=is_owner),
        **extra,
    }


@login_required
@require_POST
def evidence_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.evidence_for_owner(user=request.user, pk=pk)
    form = MappingForm(request.POST, enrolment=item.enrolment)
    errors: list[str] = []
    if form.is_valid():
        try:
            services.mapping_save(item=item, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, f"EI {item.ei}'s mapping is saved.")
            return redirect(item)
    else:
        errors = [e for field_errors in form.errors.values() for e in field_errors]
    return render(
        request,
        "portfolio/evidence_detail.html",
        _detail_context(request, item, mapping_errors=errors),
        status=400,
    )


@login_required
@require_POST
def evidence_submit(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.evidence_for_owner(user=request.user, pk=pk)
    try:
        item = services.evidence_submit(item=item, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"EI {item.ei} is submitted to your assessor.")
    return redirect(item)


@login_required
@require_POST
def draft_from_problem(request: HttpRequest, problem_pk: int) -> HttpResponse:
    problem = complaints_selectors.problem_for_owner(user=request.user, pk=problem_pk)
    try:
        item, created = services.evidence_draft_from_problem(problem=problem, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(problem)
    if created:
        messages.success(
            request,
            f"EI {item.ei} is a draft personal statement from {problem.reference}. Check and "
            "edit the words, then confirm the suggested mapping.",
        )
    else:
        messages.info(request, f"This is the draft you already started from {problem.reference}.")
    return redirect(item)


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# Attachments and witness testimony --------------------------------------------------------


def _files_and_witnesses(item: EvidenceItem, *, is_owner: bool) -> dict:
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
        _detail_context(
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
    try:
        handle = open(attachment_path(attachment), "rb")  # noqa: SIM115 (FileResponse closes it)
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=files.download_name(attachment.original_name, kind)
        if kind
        else files.display_name(attachment.original_name),
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
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
            _add_errors(form, exc)
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
            _add_errors(form, exc)
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


# Assessment and signatures --------------------------------------------------------------------


@login_required
def evidence_assess(request: HttpRequest, pk: int) -> HttpResponse:
    """The assessor's page for one evidence item: decide each claimed outcome, then sign."""
    item = selectors.evidence_for_assessor(user=request.user, pk=pk)
    rows = selectors.evidence_assessment(item=item)
    can_decide = item.status == EvidenceItem.Status.SUBMITTED and not item.is_locked
    form = AssessmentForm(
        request.POST if request.method == "POST" else None,
        outcomes=[r.outcome for r in rows],
    )
    if request.method == "POST" and form.is_valid():
        try:
            item = services.evidence_assess(item=item, by=request.user, decisions=form.decisions())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if item.status == EvidenceItem.Status.REFERRED_BACK:
                messages.success(
                    request,
                    f"EI {item.ei} is referred back to {item.enrolment.learner.display_name} "
                    "with your feedback.",
                )
            else:
                messages.success(
                    request, f"EI {item.ei} is assessed. Sign each outcome below to date it."
                )
            return redirect("portfolio:evidence-assess", pk=item.pk)
    return render(
        request,
        "portfolio/evidence_assess.html",
        {
            "item": item,
            "rows": rows,
            "form": form,
            "can_decide": can_decide,
            "has_decisions": any(r.current for r in rows),
            "reauth_fresh": services.reauth_is_fresh(
                at=services.reauth_at(session=request.session)
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def decision_sign(request: HttpRequest, pk: int) -> HttpResponse:
    decision = selectors.decision_for_assessor(user=request.user, pk=pk)
    back = reverse("portfolio:evidence-assess", args=[decision.evidence_id])
    try:
        signature = services.decision_sign(
            decision=decision,
            by=request.user,
            reauthenticated_at=services.reauth_at(session=request.session),
        )
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
        messages.success(
            request,
            f"Outcome {decision.outcome.code} is signed and dated "
            f"{signature.signed_at:%d %b %Y}. EI {decision.evidence.ei} is locked.",
        )
    return redirect(back)


@login_required
@never_cache
def reauth(request: HttpRequest) -> HttpResponse:
    """Confirm the password before signing; it counts for five minutes in this session."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("portfolio:home")
    form = ReauthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = services.reauth_confirm(
                user=request.user, password=form.cleaned_data["password"], session=request.session
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            if confirmed:
                messages.success(
                    request, "Password confirmed: you can sign for the next five minutes."
                )
                return redirect(next_url)
            form.add_error("password", "That is not your password. Try again.")
    return render(
        request,
        "portfolio/reauth.html",
        {"form": form, "next": next_url},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def signatures_home(request: HttpRequest) -> HttpResponse:
    """The portfolios whose signatures the user may verify; a centre admin's way in."""
    enrolments = list(selectors.enrolments_verifiable_by(user=request.user))
    if not enrolments:
        raise Http404("There are no signatures for you to verify.")
    return render(request, "portfolio/signatures_home.html", {"enrolments": enrolments})


@login_required
def signature_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Every signature in a learner's portfolio, each checked again now; for a centre admin,
    the locked evidence they may unlock."""
    enrolment = selectors.enrolment_for_verifier_of_signatures(user=request.user, pk=pk)
    results = [
        services.signature_verify(signature=s)
        for s in selectors.signatures_for_enrolment(enrolment=enrolment)
    ]
    return render(
        request,
        "portfolio/signature_list.html",
        {
            "enrolment": enrolment,
            "results": results,
            "unlockable": selectors.evidence_unlockable_by(user=request.user, enrolment=enrolment),
        },
    )


@login_required
def signature_detail(request: HttpRequest, pk: int) -> HttpResponse:
    signature = selectors.signature_for_reader(user=request.user, pk=pk)
    subject = signature.subject
    evidence = getattr(subject, "evidence", subject)
    return render(
        request,
        "portfolio/signature_detail.html",
        {
            "signature": signature,
            "result": services.signature_verify(signature=signature),
            "enrolment": signature.enrolment,
            # Centre admins verify signatures but do not read portfolios: no link for them.
            "evidence": evidence
            if isinstance(evidence, EvidenceItem)
            and request.user.pk
            in (
                signature.enrolment.learner_id,
                signature.enrolment.assessor_id,
                signature.enrolment.verifier_id,
            )
            else None,
        },
    )


@login_required
def evidence_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    """A centre admin unlocks signed evidence with a written reason."""
    item = selectors.evidence_for_centre_admin(user=request.user, pk=pk)
    form = UnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unlock = services.evidence_unlock(
                item=item, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                f"EI {item.ei} is unlocked and referred back to "
                f"{item.enrolment.learner.display_name}; {unlock.voided.count()} signature(s) "
                "are void.",
            )
            return redirect("portfolio:signature-list", pk=item.enrolment_id)
    return render(
        request,
        "portfolio/evidence_unlock.html",
        {
            "item": item,
            "form": form,
            "signatures": list(
                services.signatures_for_evidence(item).filter(voided_at__isnull=True)
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


# Element and knowledge records --------------------------------------------------------------


@login_required
def records_home(request: HttpRequest) -> HttpResponse:
    """The learner's own element records and knowledge record."""
    return _records_page(request, selectors.enrolment_for_learner(user=request.user))


@login_required
def records_for_enrolment(request: HttpRequest, pk: int) -> HttpResponse:
    """A learner's records, read (and signed) by them, their assessor and their IV."""
    return _records_page(request, selectors.enrolment_for_reader(user=request.user, pk=pk))


def _records_page(request: HttpRequest, enrolment: Enrolment) -> HttpResponse:
    return render(
        request,
        "portfolio/records.html",
        {
            "enrolment": enrolment,
            "is_owner": enrolment.learner_id == request.user.pk,
            "is_assessor": enrolment.assessor_id == request.user.pk,
            "rows": selectors.element_records(enrolment=enrolment),
            "knowledge": selectors.knowledge_record_state(enrolment=enrolment),
            "form": ElementRecordForm(),
            "reauth_fresh": services.reauth_is_fresh(
                at=services.reauth_at(session=request.session)
            ),
        },
    )


def _sign(request: HttpRequest, enrolment: Enrolment, sign, done: str) -> HttpResponse:
    """Call a signing service; ask for the password first if it is not fresh."""
    back = reverse("portfolio:enrolment-records", args=[enrolment.pk])
    try:
        sign(reauthenticated_at=services.reauth_at(session=request.session))
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
        messages.success(request, done)
    return redirect(back)


@login_required
@require_POST
def element_record_sign(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    enrolment = selectors.enrolment_for_reader(user=request.user, pk=pk)
    element = selectors.element_for_enrolment(enrolment=enrolment, number=number)
    form = ElementRecordForm(request.POST)
    form.is_valid()
    data = {**{"feedback": "", "comments": ""}, **form.cleaned_data}
    return _sign(
        request,
        enrolment,
        lambda **kw: services.element_record_sign(
            enrolment=enrolment, element=element, by=request.user, **data, **kw
        ),
        f"The element {element.number} record is signed: "
        f"{enrolment.learner.display_name} can now countersign it.",
    )


@login_required
@require_POST
def element_record_countersign(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.element_record_for_reader(user=request.user, pk=pk)
    return _sign(
        request,
        record.enrolment,
        lambda **kw: services.element_record_countersign(record=record, by=request.user, **kw),
        f"You have countersigned the element {record.element.number} record. It is locked.",
    )


@login_required
@require_POST
def knowledge_record_sign(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.enrolment_for_reader(user=request.user, pk=pk)
    return _sign(
        request,
        enrolment,
        lambda **kw: services.knowledge_record_sign(enrolment=enrolment, by=request.user, **kw),
        "You have signed the knowledge record.",
    )
