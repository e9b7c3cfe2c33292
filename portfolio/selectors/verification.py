"""Reads for internal verification: each assessor's signed assessments as the IV sees them
(the population to sample, what is sampled, the rate achieved against the target), the
sampled assessments and their reviews, and the assessor's referrals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import Centre, User
from portfolio.models import (
    DEFAULT_SAMPLING_RATE,
    AssessorResponse,
    EvidenceItem,
    EvidenceOutcome,
    OutcomeDecision,
    Sample,
    SampleItem,
    SamplingRate,
    Signature,
    VerificationReview,
)
from portfolio.sampling import Candidate
from portfolio.selectors.signatures import signatures_base

# Signed assessments -------------------------------------------------------------------------


@dataclass
class SignedAssessment:
    """An evidence item whose every claimed outcome has a current competent decision with the
    assessor's live signature: a complete assessment decision, which the IV may sample."""

    item: EvidenceItem
    assessor: User
    signatures: list[Signature]
    elements: frozenset[int]
    sampled: bool = False

    @property
    def candidate(self) -> Candidate:
        return Candidate(
            key=self.item.pk, learner=self.item.enrolment.learner_id, elements=self.elements
        )


def _current_decisions(items: list[EvidenceItem]) -> dict[tuple[int, int], OutcomeDecision]:
    current: dict[tuple[int, int], OutcomeDecision] = {}
    for d in OutcomeDecision.objects.filter(evidence__in=items).order_by("-decided_at", "-pk"):
        current.setdefault((d.evidence_id, d.outcome_id), d)
    return current


def _live_decision_signatures(decision_ids: list[int]) -> dict[int, Signature]:
    return {
        s.subject_id: s
        for s in Signature.objects.select_related("signer").filter(
            subject_type=ContentType.objects.get_for_model(OutcomeDecision),
            subject_id__in=decision_ids,
            role=Signature.Role.ASSESSOR,
            voided_at__isnull=True,
        )
    }


def _sampled_signature_ids(signature_ids: list[int]) -> set[int]:
    """The signatures held by a sample item that still stands (not void)."""
    return set(
        SampleItem.decision_signatures.through.objects.filter(signature_id__in=signature_ids)
        .exclude(sampleitem__state=SampleItem.State.VOID)
        .values_list("signature_id", flat=True)
    )


def signed_assessments(
    *,
    verifier: User,
    centre: Centre,
    assessor: User | None = None,
    sampled: bool | None = None,
) -> list[SignedAssessment]:
    """The signed assessments in the enrolments the IV verifies at a centre, in learner and
    EI order; only one assessor's (by who signed the decisions) if given, and only those
    sampled or not yet sampled if `sampled` is given."""
    items = list(
        EvidenceItem.objects.filter(
            enrolment__verifier=verifier,
            enrolment__centre=centre,
            status=EvidenceItem.Status.ASSESSED,
            locked_at__isnull=False,
        )
        .select_related("enrolment__learner", "evidence_type")
        .prefetch_related(
            Prefetch(
                "outcome_mappings",
                queryset=EvidenceOutcome.objects.filter(confirmed=True).select_related("outcome"),
                to_attr="claimed",
            )
        )
        .order_by("enrolment__learner__username", "ei")
    )
    current = _current_decisions(items)
    signed = _live_decision_signatures([d.pk for d in current.values()])
    rows = []
    for item in items:
        signatures = [
            signed.get(current[(item.pk, m.outcome_id)].pk)
            if (item.pk, m.outcome_id) in current
            else None
            for m in item.claimed
        ]
        if not signatures or None in signatures:
            continue  # not every claimed outcome is signed yet: the decision is incomplete
        signatures.sort(key=lambda s: (s.signed_at, s.pk))
        rows.append(
            SignedAssessment(
                item=item,
                assessor=signatures[0].signer,
                signatures=signatures,
                elements=frozenset(m.outcome.element_id for m in item.claimed),
            )
        )
    held = _sampled_signature_ids([s.pk for r in rows for s in r.signatures])
    for row in rows:
        row.sampled = any(s.pk in held for s in row.signatures)
    return [
        r
        for r in rows
        if (assessor is None or r.assessor.pk == assessor.pk)
        and (sampled is None or r.sampled == sampled)
    ]


def sampling_rate_current(*, verifier: User, assessor: User, centre: Centre) -> int:
    """The IV's current rate for the assessor at the centre, or the default if none is set."""
    row = sampling_rate_row(verifier=verifier, assessor=assessor, centre=centre)
    return row.rate if row else DEFAULT_SAMPLING_RATE


def sampling_rate_row(*, verifier: User, assessor: User, centre: Centre) -> SamplingRate | None:
    return (
        SamplingRate.objects.select_related("set_by")
        .filter(verifier=verifier, assessor=assessor, centre=centre)
        .order_by("-set_at", "-pk")
        .first()
    )


# The IV's overview --------------------------------------------------------------------------


def sample_items_base() -> QuerySet[SampleItem]:
    return SampleItem.objects.select_related(
        "evidence__enrolment__learner",
        "evidence__enrolment__centre",
        "evidence__evidence_type",
        "assessor",
        "verifier",
        "sample",
    )


@dataclass
class AssessorSampling:
    """One assessor's signed assessments at one centre, as their IV samples them."""

    assessor: User
    centre: Centre
    rate: int
    rate_row: SamplingRate | None
    signed: int
    population: list[SignedAssessment]
    items: list[SampleItem] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    rate_history: list[SamplingRate] = field(default_factory=list)

    @property
    def sampled(self) -> int:
        return self.signed - len(self.population)

    @property
    def achieved(self) -> int | None:
        """The share of the assessor's signed assessments sampled, in whole percent."""
        return round(100 * self.sampled / self.signed) if self.signed else None

    @property
    def on_target(self) -> bool:
        return self.achieved is not None and self.achieved >= self.rate

    @property
    def awaiting(self) -> int:
        return sum(i.is_reviewable for i in self.items)

    @property
    def key(self) -> str:
        return f"{self.centre.pk}-{self.assessor.pk}"


def verification_overview(*, verifier: User) -> list[AssessorSampling]:
    """For each assessor (per centre) of the learners the IV verifies: the target rate, how
    many signed assessments there are and how many are sampled, what is left to sample,
    the sampled assessments with their state, the draws and the rate's history. The IV's
    own decisions (an assessor since reassigned) are left out: they never verify them."""
    enrolments = verifier.verified_enrolments.select_related("assessor", "centre")
    pairs: dict[tuple[int, int], tuple[User, Centre]] = {}
    for e in enrolments.order_by("centre__name", "assessor__username"):
        pairs.setdefault((e.centre_id, e.assessor_id), (e.assessor, e.centre))
    assessments: dict[tuple[int, int], list[SignedAssessment]] = {}
    for centre in {c.pk: c for _, c in pairs.values()}.values():
        for a in signed_assessments(verifier=verifier, centre=centre):
            pairs.setdefault((centre.pk, a.assessor.pk), (a.assessor, centre))
            assessments.setdefault((centre.pk, a.assessor.pk), []).append(a)
    items = list(sample_items_base().filter(verifier=verifier).order_by("-added_at", "-pk"))
    samples = list(Sample.objects.filter(verifier=verifier).prefetch_related("items"))
    rates = list(SamplingRate.objects.filter(verifier=verifier).select_related("set_by"))
    rows = []
    for (centre_id, assessor_id), (assessor, centre) in pairs.items():
        if assessor_id == verifier.pk:
            continue
        mine = assessments.get((centre_id, assessor_id), [])
        history = [r for r in rates if r.assessor_id == assessor_id and r.centre_id == centre_id]
        history.sort(key=lambda r: (r.set_at, r.pk), reverse=True)
        rows.append(
            AssessorSampling(
                assessor=assessor,
                centre=centre,
                rate=history[0].rate if history else DEFAULT_SAMPLING_RATE,
                rate_row=history[0] if history else None,
                signed=len(mine),
                population=[a for a in mine if not a.sampled],
                items=[
                    i
                    for i in items
                    if i.assessor_id == assessor_id and i.evidence.enrolment.centre_id == centre_id
                ],
                samples=[
                    s for s in samples if s.assessor_id == assessor_id and s.centre_id == centre_id
                ],
                rate_history=history,
            )
        )
    rows.sort(key=lambda r: (r.centre.name, r.assessor.display_name))
    return rows


def sampling_awaiting_count(*, verifier: User) -> int:
    """How many sampled assessments wait for the IV's review (new, or answered)."""
    return SampleItem.objects.filter(
        verifier=verifier, state__in=[SampleItem.State.AWAITING, SampleItem.State.RESPONDED]
    ).count()


def verifier_centre(*, verifier: User, assessor_pk: int, centre_pk: int) -> tuple[User, Centre]:
    """The assessor and centre of one of the IV's groups; 404 unless the IV verifies a
    learner that assessor assesses at that centre."""
    enrolment = (
        verifier.verified_enrolments.select_related("assessor", "centre")
        .filter(assessor_id=assessor_pk, centre_id=centre_pk)
        .first()
    )
    if enrolment is None:
        raise Http404("You verify no learner of that assessor at that centre.")
    return enrolment.assessor, enrolment.centre


def evidence_for_targeting(*, verifier: User, pk: int) -> EvidenceItem:
    """An evidence item in an enrolment the user verifies; 404 for anyone else."""
    item = EvidenceItem.objects.select_related("enrolment").filter(
        pk=pk, enrolment__verifier=verifier
    )
    found = item.first()
    if found is None:
        raise Http404("No such evidence among the learners you verify.")
    return found


# One sampled assessment ---------------------------------------------------------------------


def sample_item_for_reader(*, user: User, pk: int) -> SampleItem:
    """A sampled assessment, for the IV who sampled it, the learner's IV now, and the
    assessor whose decisions it holds; 404 for everyone else."""
    if not user.is_authenticated:
        raise Http404("No such sampled assessment.")
    item = (
        sample_items_base()
        .filter(pk=pk)
        .filter(Q(verifier=user) | Q(evidence__enrolment__verifier=user) | Q(assessor=user))
        .first()
    )
    if item is None:
        raise Http404("No such sampled assessment.")
    return item


@dataclass
class ReviewEntry:
    """A step in a sampled assessment's story: the IV's review (with its signature) or the
    assessor's response."""

    at: object
    review: VerificationReview | None = None
    signature: Signature | None = None
    response: AssessorResponse | None = None


def sample_item_story(*, item: SampleItem) -> list[ReviewEntry]:
    """The reviews (each with its signature, void or not) and responses, oldest first."""
    return sample_item_stories(items=[item])[item.pk]


def sample_item_stories(*, items: Sequence[SampleItem]) -> dict[int, list[ReviewEntry]]:
    """Each item's story (its ``sample_item_story``) by item id, in three queries however
    many items: a sampling record prints every sampled assessment's."""
    stories: dict[int, list[ReviewEntry]] = {item.pk: [] for item in items}
    reviews = list(
        VerificationReview.objects.filter(sample_item__in=stories).select_related("verifier")
    )
    signatures = {
        s.subject_id: s
        for s in signatures_base().filter(
            subject_type=ContentType.objects.get_for_model(VerificationReview),
            subject_id__in=[r.pk for r in reviews],
        )
    }
    for r in reviews:
        stories[r.sample_item_id].append(
            ReviewEntry(r.reviewed_at, review=r, signature=signatures.get(r.pk))
        )
    for r in AssessorResponse.objects.filter(sample_item__in=stories).select_related(
        "responded_by"
    ):
        stories[r.sample_item_id].append(ReviewEntry(r.responded_at, response=r))
    for entries in stories.values():
        entries.sort(key=lambda e: (e.at, 0 if e.response else 1))
    return stories


def sample_item_signatures(*, item: SampleItem) -> list[Signature]:
    """The assessor's decision signatures the sample holds, in signing order."""
    return list(signatures_base().filter(pk__in=item.decision_signatures.values("pk")))


def referrals_for_assessor(*, assessor: User) -> list[SampleItem]:
    """The assessor's sampled assessments the IV has referred back (waiting for their
    response) or that they have answered (waiting for the IV), newest first."""
    return list(
        sample_items_base()
        .filter(
            assessor=assessor,
            state__in=[SampleItem.State.REFERRED, SampleItem.State.RESPONDED],
        )
        .order_by("state", "-added_at", "-pk")
    )


def sampled_for_assessor(*, assessor: User) -> list[SampleItem]:
    """Every sampled assessment of the assessor's decisions, newest first."""
    return list(sample_items_base().filter(assessor=assessor).order_by("-added_at", "-pk"))


def referral_count(*, assessor: User) -> int:
    return SampleItem.objects.filter(assessor=assessor, state=SampleItem.State.REFERRED).count()


def evidence_sampled_ids(*, evidence_ids: list[int]) -> set[int]:
    """Which of these evidence items are in a sample that still stands."""
    return set(
        SampleItem.objects.filter(evidence_id__in=evidence_ids)
        .exclude(state=SampleItem.State.VOID)
        .values_list("evidence_id", flat=True)
    )
