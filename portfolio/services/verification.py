"""Internal verification: the IV sets a sampling rate per assessor, draws samples of the
assessor's signed assessments (or adds one directly, saying why), reviews each sampled
assessment and signs the review; a referral goes back to the assessor, who responds, and the
IV reviews again.

Two rules hold throughout: only the internal verifier of an enrolment samples and reviews
the assessments in it, and an IV never verifies assessment decisions they signed themselves.
"""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Centre, User
from portfolio.models import (
    AssessorResponse,
    EvidenceItem,
    Sample,
    SampleItem,
    SamplingRate,
    Signature,
    VerificationReview,
)
from portfolio.sampling import Candidate, sample_choose, sample_size
from portfolio.selectors.verification import (
    SignedAssessment,
    sampling_rate_current,
    signed_assessments,
)
from portfolio.services.notices import (
    evidence_sampled_notify,
    sample_responded_notify,
    sample_reviewed_notify,
)
from portfolio.services.signing import reauth_require, sign_subject

ACCEPT_STATEMENT = (
    "I have sampled the assessor's decisions on EI {ei} and confirm they are valid, "
    "reliable and consistent with the standard."
)
REFER_STATEMENT = (
    "I have sampled the assessor's decisions on EI {ei} and refer them back to the assessor "
    "with my comments."
)


def _now() -> datetime.datetime:
    return timezone.now().replace(microsecond=0)


def _scope_check(*, verifier: User, assessor: User, centre: Centre) -> None:
    """Refuse unless the verifier verifies learners the assessor assesses at the centre, and
    is not that assessor."""
    if verifier.pk == assessor.pk:
        raise ValidationError("You cannot verify your own assessment decisions.")
    if not verifier.verified_enrolments.filter(assessor=assessor, centre=centre).exists():
        raise ValidationError(
            f"You are not the internal verifier of any learner {assessor.display_name} "
            f"assesses at {centre.name}."
        )


# Sampling rates -----------------------------------------------------------------------------


@transaction.atomic
def sampling_rate_set(
    *, verifier: User, assessor: User, centre: Centre, rate: int, reason: str = ""
) -> SamplingRate:
    """The IV sets the share of an assessor's signed assessments they sample, 1 to 100%.
    A new row each time: the earlier rates stay as the history."""
    _scope_check(verifier=verifier, assessor=assessor, centre=centre)
    if not isinstance(rate, int) or not 1 <= rate <= 100:
        raise ValidationError({"rate": "Give a rate from 1 to 100 percent."})
    return SamplingRate.objects.create(
        verifier=verifier,
        assessor=assessor,
        centre=centre,
        rate=rate,
        reason=reason.strip(),
        set_by=verifier,
        set_at=timezone.now(),
    )


# Drawing a sample ---------------------------------------------------------------------------


def _lock_population(*, verifier: User, centre: Centre) -> None:
    """Hold the evidence rows a draw chooses from until it commits, so two draws (a double
    click, two tabs) cannot both sample the same assessment: the second waits, then finds
    it sampled. A read lock: the evidence itself does not change."""
    list(
        EvidenceItem.objects.select_for_update()
        .filter(enrolment__verifier=verifier, enrolment__centre=centre, locked_at__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _sample_item_create(
    *, assessment: SignedAssessment, verifier: User, sample: Sample | None, reason: str = ""
) -> SampleItem:
    item = SampleItem(
        sample=sample,
        evidence=assessment.item,
        verifier=verifier,
        assessor=assessment.assessor,
        reason=reason,
        added_by=verifier,
        added_at=sample.drawn_at if sample else _now(),
    )
    item._history_user = verifier
    item.save()
    item.decision_signatures.set(assessment.signatures)
    evidence_sampled_notify(sample_item=item)
    return item


@transaction.atomic
def sample_draw(
    *, verifier: User, assessor: User, centre: Centre, seed: int | None = None
) -> Sample:
    """Draw a sample of the assessor's signed assessments not yet sampled: the current rate
    of them, rounded up and at least one, spread across learners and elements. The seed
    and the population are recorded, so the draw can be repeated (`sample_redraw`)."""
    _scope_check(verifier=verifier, assessor=assessor, centre=centre)
    _lock_population(verifier=verifier, centre=centre)
    population = signed_assessments(
        verifier=verifier, assessor=assessor, centre=centre, sampled=False
    )
    if not population:
        raise ValidationError(
            f"Nothing to sample: {assessor.display_name} has no signed assessments at "
            f"{centre.name} that are not already sampled."
        )
    rate = sampling_rate_current(verifier=verifier, assessor=assessor, centre=centre)
    seed = secrets.randbits(63) if seed is None else seed
    by_id = {a.item.pk: a for a in population}
    chosen = sample_choose(
        candidates=[a.candidate for a in population],
        size=sample_size(rate=rate, population=len(population)),
        seed=seed,
    )
    sample = Sample.objects.create(
        verifier=verifier,
        assessor=assessor,
        centre=centre,
        drawn_at=_now(),
        rate=rate,
        population_size=len(population),
        population=sorted(by_id),
        seed=seed,
    )
    for pk in chosen:
        _sample_item_create(assessment=by_id[pk], verifier=verifier, sample=sample)
    return sample


def sample_redraw(*, sample: Sample, candidates: list[Candidate]) -> list[int]:
    """Repeat a recorded draw: the evidence ids it would choose from these candidates (the
    recorded population) with its seed and rate. For an auditor checking a sample."""
    return sample_choose(
        candidates=candidates,
        size=sample_size(rate=sample.rate, population=sample.population_size),
        seed=sample.seed,
    )


@transaction.atomic
def sample_item_add(*, verifier: User, evidence: EvidenceItem, reason: str) -> SampleItem:
    """Targeted sampling: the IV adds one signed assessment to their sample directly, saying
    why (a concern, a complaint, a new assessment method)."""
    evidence = (
        EvidenceItem.objects.select_for_update().select_related("enrolment").get(pk=evidence.pk)
    )
    enrolment = evidence.enrolment
    if enrolment.verifier_id != verifier.pk:
        raise ValidationError("Only the learner's internal verifier samples their assessments.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why you are sampling this assessment."})
    found = [
        a
        for a in signed_assessments(verifier=verifier, centre=enrolment.centre, sampled=None)
        if a.item.pk == evidence.pk
    ]
    if not found:
        raise ValidationError(
            f"EI {evidence.ei} has no signed assessment to sample: the assessor signs every "
            "outcome it claims first."
        )
    assessment = found[0]
    if assessment.assessor.pk == verifier.pk:
        raise ValidationError("You cannot verify your own assessment decisions.")
    if assessment.sampled:
        raise ValidationError(f"EI {evidence.ei} is already in your sample.")
    return _sample_item_create(
        assessment=assessment, verifier=verifier, sample=None, reason=reason.strip()
    )


# Reviewing ----------------------------------------------------------------------------------


@transaction.atomic
def review_record(
    *,
    sample_item: SampleItem,
    by: User,
    verdict: str,
    comments: str,
    reauthenticated_at: datetime.datetime | None,
) -> Signature:
    """The IV accepts a sampled assessment or refers it back to the assessor (comments
    required), and signs the review. Only on an assessment awaiting review, or after the
    assessor's response to a referral; a second submit finds it reviewed."""
    reauth_require(at=reauthenticated_at)
    item = (
        SampleItem.objects.select_for_update()
        .select_related("evidence__enrolment", "assessor")
        .get(pk=sample_item.pk)
    )
    enrolment = item.evidence.enrolment
    if by.pk != enrolment.verifier_id:
        raise ValidationError("Only the learner's internal verifier reviews their assessments.")
    if item.decision_signatures.filter(signer=by).exists():
        raise ValidationError("You cannot verify your own assessment decisions.")
    if not item.is_reviewable:
        raise ValidationError(
            f"EI {item.evidence.ei} is {item.get_state_display().lower()}: there is nothing to "
            "review now."
        )
    if verdict not in VerificationReview.Verdict.values:
        raise ValidationError({"verdict": "Choose accept or refer back."})
    if verdict == VerificationReview.Verdict.REFER_BACK and not comments.strip():
        raise ValidationError(
            {"comments": "Say what the assessor should look at again, so they can act on it."}
        )
    review = VerificationReview.objects.create(
        sample_item=item,
        verdict=verdict,
        comments=comments.strip(),
        response=item.responses.order_by("-responded_at", "-pk").first(),
        verifier=by,
        reviewed_at=_now(),
    )
    item.state = (
        SampleItem.State.ACCEPTED
        if verdict == VerificationReview.Verdict.ACCEPT
        else SampleItem.State.REFERRED
    )
    item._history_user = by
    item.save(update_fields=["state"])
    statement = (
        ACCEPT_STATEMENT if verdict == VerificationReview.Verdict.ACCEPT else REFER_STATEMENT
    )
    sample_reviewed_notify(review=review)
    return sign_subject(
        subject=review,
        enrolment=enrolment,
        by=by,
        role=Signature.Role.VERIFIER,
        statement=statement.format(ei=item.evidence.ei),
    )


@transaction.atomic
def assessor_respond(*, sample_item: SampleItem, by: User, text: str) -> AssessorResponse:
    """The assessor answers the IV's referral (what they did, or why the decision stands);
    the IV then reviews the assessment again."""
    item = SampleItem.objects.select_for_update().get(pk=sample_item.pk)
    if by.pk != item.assessor_id:
        raise ValidationError("Only the assessor whose decisions were sampled responds.")
    if item.state != SampleItem.State.REFERRED:
        raise ValidationError(
            f"EI {item.evidence.ei} is {item.get_state_display().lower()}: there is no "
            "referral to respond to."
        )
    if not text.strip():
        raise ValidationError({"text": "Write your response to the internal verifier."})
    referral = item.reviews.order_by("-reviewed_at", "-pk").first()
    response = AssessorResponse.objects.create(
        sample_item=item, review=referral, text=text.strip(), responded_by=by, responded_at=_now()
    )
    item.state = SampleItem.State.RESPONDED
    item._history_user = by
    item.save(update_fields=["state"])
    sample_responded_notify(response=response)
    return response
