"""Assessment, signing with the password asked again, verification and unlocking."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portfolio import selectors, services
from portfolio.forms import (
    AssessmentForm,
    ReauthForm,
    UnlockForm,
)
from portfolio.models import EvidenceItem
from portfolio.views.common import add_errors, sign_and_return

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
            add_errors(form, exc)
        else:
            if item.status == EvidenceItem.Status.REFERRED_BACK:
                messages.success(
                    request,
                    f"EI {item.ei} is referred back to {item.enrolment.learner.display_name} "
                    "with your feedback.",
                )
            else:
                messages.success(
                    request, f"EI {item.ei} is assessed. Sign and date the outcomes below."
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
            "to_sign": [
                r.outcome.code
                for r in rows
                if item.status == EvidenceItem.Status.ASSESSED
                and r.current
                and r.current.is_competent
                and not r.signature
            ],
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
    return sign_and_return(
        request,
        lambda **kw: services.decision_sign(decision=decision, by=request.user, **kw),
        back=reverse("portfolio:evidence-assess", args=[decision.evidence_id]),
        done=lambda signature: (
            f"Outcome {decision.outcome.code} is signed and dated "
            f"{signature.signed_at:%d %b %Y}. EI {decision.evidence.ei} is locked."
        ),
    )


@login_required
@require_POST
def decisions_sign_all(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign and date every competent outcome on the item not yet signed, each separately."""
    item = selectors.evidence_for_assessor(user=request.user, pk=pk)
    return sign_and_return(
        request,
        lambda **kw: services.decisions_sign_all(item=item, by=request.user, **kw),
        back=reverse("portfolio:evidence-assess", args=[item.pk]),
        done=lambda signatures: (
            f"{len(signatures)} outcome{'s' * (len(signatures) != 1)} signed and dated: "
            f"EI {item.ei} is locked."
        ),
    )


@login_required
@never_cache
def reauth(request: HttpRequest) -> HttpResponse:
    """Confirm the password before signing; it counts for five minutes in this session."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path on this site: redirect() would take anything else ("x") for a view's name.
    if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
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
            add_errors(form, exc)
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


@login_required
def signature_verify_by_code(request: HttpRequest) -> HttpResponse:
    """Turn the code printed beside a signature into valid / not valid / void, among the
    signatures the reader may verify (as on the other signature pages)."""
    code = request.GET.get("code", "").strip()
    results = [
        services.signature_verify(signature=s)
        for s in selectors.signatures_by_code(user=request.user, code=code)
    ]
    return render(
        request,
        "portfolio/signature_verify.html",
        {
            "code": code,
            "well_formed": bool(selectors.signature_code_normalised(code)),
            "results": results,
        },
    )
