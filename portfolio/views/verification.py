"""Internal verification pages: the IV's sampling page (rates, draws, targeted sampling and the
sampled assessments), one sampled assessment (the IV reviews and signs, the assessor
responds to a referral), and the assessor's referrals."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.selectors import user_has_role
from portfolio import selectors, services
from portfolio.forms import (
    AssessorResponseForm,
    SamplingRateForm,
    TargetedSampleForm,
    VerificationReviewForm,
)
from portfolio.models import SampleItem
from portfolio.views.common import add_errors, reauthenticated_at

# A review's verdict and comments, kept while the IV confirms their password, so signing
# after the detour does not mean typing the comments again.
REVIEW_DRAFT_KEY = "casebook_review_draft_{pk}"


def _require(request: HttpRequest, role: Role) -> None:
    if not user_has_role(user=request.user, role=role):
        raise PermissionDenied(f"This page is for the {role.label.lower()} role.")


# The IV's sampling page ---------------------------------------------------------------------


@login_required
def verification_home(request: HttpRequest) -> HttpResponse:
    """Each assessor whose learners the IV verifies: rate, sample, sampled assessments."""
    _require(request, Role.VERIFIER)
    return _verification_page(request)


def _verification_page(
    request: HttpRequest, *, bound: dict[tuple[str, str], object] | None = None
) -> HttpResponse:
    bound = bound or {}
    groups = [
        {
            "row": row,
            "rate_form": bound.get((row.key, "rate"))
            or SamplingRateForm(prefix=f"rate-{row.key}", initial={"rate": row.rate}),
            "target_form": bound.get((row.key, "target"))
            or TargetedSampleForm(prefix=f"target-{row.key}", assessments=row.population),
        }
        for row in selectors.verification_overview(verifier=request.user)
    ]
    return render(
        request,
        "portfolio/verification/home.html",
        {"groups": groups, "error_key": next(iter(bound), ("", ""))[0]},
        status=400 if bound else 200,
    )


def _back(assessor_pk: int, centre_pk: int) -> str:
    return f"{reverse('portfolio:verification')}#assessor-{centre_pk}-{assessor_pk}"


@login_required
@require_POST
def sampling_rate_set(request: HttpRequest, centre_pk: int, assessor_pk: int) -> HttpResponse:
    _require(request, Role.VERIFIER)
    assessor, centre = selectors.verifier_centre(
        verifier=request.user, assessor_pk=assessor_pk, centre_pk=centre_pk
    )
    form = SamplingRateForm(request.POST, prefix=f"rate-{centre.pk}-{assessor.pk}")
    if form.is_valid():
        try:
            rate = services.sampling_rate_set(
                verifier=request.user, assessor=assessor, centre=centre, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, f"You now sample {rate.rate}% of {assessor.display_name}'s assessments."
            )
            return redirect(_back(assessor.pk, centre.pk))
    return _verification_page(request, bound={(f"{centre.pk}-{assessor.pk}", "rate"): form})


@login_required
@require_POST
def sample_draw(request: HttpRequest, centre_pk: int, assessor_pk: int) -> HttpResponse:
    _require(request, Role.VERIFIER)
    assessor, centre = selectors.verifier_centre(
        verifier=request.user, assessor_pk=assessor_pk, centre_pk=centre_pk
    )
    try:
        sample = services.sample_draw(verifier=request.user, assessor=assessor, centre=centre)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        count = sample.items.count()
        messages.success(
            request,
            f"Sample drawn: {count} of {sample.population_size} signed assessment"
            f"{'s' * (sample.population_size != 1)} at {sample.rate}%. Review each below.",
        )
    return redirect(_back(assessor.pk, centre.pk))


@login_required
@require_POST
def sample_item_add(request: HttpRequest, centre_pk: int, assessor_pk: int) -> HttpResponse:
    _require(request, Role.VERIFIER)
    assessor, centre = selectors.verifier_centre(
        verifier=request.user, assessor_pk=assessor_pk, centre_pk=centre_pk
    )
    population = selectors.signed_assessments(
        verifier=request.user, centre=centre, assessor=assessor, sampled=False
    )
    form = TargetedSampleForm(
        request.POST, prefix=f"target-{centre.pk}-{assessor.pk}", assessments=population
    )
    if form.is_valid():
        evidence = selectors.evidence_for_targeting(
            verifier=request.user, pk=form.cleaned_data["evidence"]
        )
        try:
            item = services.sample_item_add(
                verifier=request.user, evidence=evidence, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"EI {evidence.ei} is added to your sample.")
            return redirect(item.get_absolute_url())
    return _verification_page(request, bound={(f"{centre.pk}-{assessor.pk}", "target"): form})


# One sampled assessment ---------------------------------------------------------------------


@login_required
def sample_item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The sampled assessment for its IV (who reviews it) and its assessor (who responds)."""
    item = selectors.sample_item_for_reader(user=request.user, pk=pk)
    draft = request.session.get(REVIEW_DRAFT_KEY.format(pk=item.pk)) or None
    return _detail_page(
        request,
        item,
        review_form=VerificationReviewForm(initial=draft),
        response_form=AssessorResponseForm(),
    )


def _detail_page(
    request: HttpRequest, item: SampleItem, *, review_form, response_form, status: int = 200
) -> HttpResponse:
    evidence = item.evidence
    user = request.user
    is_verifier = user.pk == evidence.enrolment.verifier_id
    return render(
        request,
        "portfolio/verification/sample_item.html",
        {
            "sample_item": item,
            "item": evidence,
            "is_verifier": is_verifier,
            "is_assessor": user.pk == item.assessor_id,
            "can_review": is_verifier and item.is_reviewable,
            "can_respond": user.pk == item.assessor_id and item.state == SampleItem.State.REFERRED,
            "decisions": [d for d in selectors.evidence_assessment(item=evidence) if d.current],
            "sampled": [
                services.signature_verify(signature=s)
                for s in selectors.sample_item_signatures(item=item)
            ],
            "story": [
                (entry, services.signature_verify(signature=entry.signature))
                if entry.signature
                else (entry, None)
                for entry in selectors.sample_item_story(item=item)
            ],
            "review_form": review_form,
            "response_form": response_form,
            "reauth_fresh": services.reauth_is_fresh(
                at=services.reauth_at(session=request.session)
            ),
        },
        status=status,
    )


@login_required
@require_POST
def sample_item_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The IV accepts or refers back, and signs; the password is asked first if not fresh."""
    item = selectors.sample_item_for_reader(user=request.user, pk=pk)
    if request.user.pk != item.evidence.enrolment.verifier_id:
        raise PermissionDenied("Only the learner's internal verifier reviews their assessments.")
    form = VerificationReviewForm(request.POST)
    draft_key = REVIEW_DRAFT_KEY.format(pk=item.pk)
    if form.is_valid():
        try:
            services.review_record(
                sample_item=item,
                by=request.user,
                **form.cleaned_data,
                reauthenticated_at=reauthenticated_at(request),
            )
        except services.ReauthRequired:
            request.session[draft_key] = form.cleaned_data
            messages.warning(
                request,
                "Signing asks for your password again (it counts for five minutes). Confirm "
                "it, then sign: your decision and comments are kept.",
            )
            next_url = item.get_absolute_url()
            return redirect(f"{reverse('portfolio:reauth')}?{urlencode({'next': next_url})}")
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            request.session.pop(draft_key, None)
            item.refresh_from_db()
            messages.success(
                request,
                f"EI {item.evidence.ei}: {item.get_state_display().lower()}, signed by you."
                + (
                    f" {item.assessor.display_name} sees your comments and responds."
                    if item.state == SampleItem.State.REFERRED
                    else ""
                ),
            )
            return redirect(item.get_absolute_url())
    return _detail_page(
        request, item, review_form=form, response_form=AssessorResponseForm(), status=400
    )


@login_required
@require_POST
def sample_item_respond(request: HttpRequest, pk: int) -> HttpResponse:
    """The assessor answers the IV's referral."""
    item = selectors.sample_item_for_reader(user=request.user, pk=pk)
    if request.user.pk != item.assessor_id:
        raise PermissionDenied("Only the assessor whose decisions were sampled responds.")
    form = AssessorResponseForm(request.POST)
    if form.is_valid():
        try:
            services.assessor_respond(sample_item=item, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                f"Your response is sent: {item.verifier.display_name} reviews EI "
                f"{item.evidence.ei} again.",
            )
            return redirect(item.get_absolute_url())
    return _detail_page(
        request, item, review_form=VerificationReviewForm(), response_form=form, status=400
    )


# The assessor's referrals -------------------------------------------------------------------


@login_required
def referrals(request: HttpRequest) -> HttpResponse:
    """The assessor's sampled assessments: referrals to answer, and what was sampled."""
    _require(request, Role.ASSESSOR)
    return render(
        request,
        "portfolio/verification/referrals.html",
        {
            "referrals": selectors.referrals_for_assessor(assessor=request.user),
            "sampled": selectors.sampled_for_assessor(assessor=request.user),
        },
    )
