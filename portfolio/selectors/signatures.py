"""Reads over assessment decisions and signatures."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.models import Membership, Role, User
from portfolio.models import (
    Enrolment,
    EvidenceItem,
    Outcome,
    OutcomeDecision,
    Signature,
)
from portfolio.selectors.enrolments import enrolments_base
from portfolio.selectors.evidence import evidence_base

# Assessment and signatures ----------------------------------------------------------------


def signatures_base() -> QuerySet[Signature]:
    return Signature.objects.select_related(
        "signer", "voided_by", "subject_type", "enrolment__learner"
    ).order_by("signed_at", "pk")


def signatures_all(*, learner_username: str | None = None) -> list[Signature]:
    signatures = signatures_base()
    if learner_username:
        signatures = signatures.filter(enrolment__learner__username=learner_username)
    return list(signatures)


def enrolments_verifiable_by(*, user: User) -> QuerySet[Enrolment]:
    """Enrolments whose signatures the user may verify: those whose portfolio they read, and
    every enrolment at a centre where they are centre admin (who unlocks signed evidence)."""
    if not user.is_authenticated:
        return Enrolment.objects.none()
    admin_of = Membership.objects.filter(user=user, role=Role.CENTRE_ADMIN).values("centre_id")
    return enrolments_base().filter(
        Q(learner=user) | Q(assessor=user) | Q(verifier=user) | Q(centre_id__in=admin_of)
    )


def enrolment_for_verifier_of_signatures(*, user: User, pk: int) -> Enrolment:
    enrolment = enrolments_verifiable_by(user=user).filter(pk=pk).first()
    if enrolment is None:
        raise Http404("No such portfolio.")
    return enrolment


def signatures_for_enrolment(*, enrolment: Enrolment) -> list[Signature]:
    return list(signatures_base().filter(enrolment=enrolment))


def signature_for_reader(*, user: User, pk: int) -> Signature:
    signature = (
        signatures_base().filter(pk=pk, enrolment__in=enrolments_verifiable_by(user=user)).first()
    )
    if signature is None:
        raise Http404("No such signature.")
    return signature


def evidence_for_assessor(*, user: User, pk: int) -> EvidenceItem:
    """An evidence item of a learner the user assesses; 404 for anyone else."""
    item = evidence_base().filter(pk=pk, enrolment__assessor=user).first()
    if item is None:
        raise Http404("No such evidence among your learners'.")
    return item


def evidence_for_centre_admin(*, user: User, pk: int) -> EvidenceItem:
    admin_of = Membership.objects.filter(user=user, role=Role.CENTRE_ADMIN).values("centre_id")
    item = evidence_base().filter(pk=pk, enrolment__centre_id__in=admin_of).first()
    if item is None:
        raise Http404("No such evidence at your centre.")
    return item


@dataclass
class OutcomeAssessment:
    """One outcome an evidence item claims: the current decision, the earlier ones, and the
    assessor's live signature on the current decision, if any."""

    outcome: Outcome
    current: OutcomeDecision | None
    earlier: list[OutcomeDecision]
    signature: Signature | None


def evidence_assessment(*, item: EvidenceItem) -> list[OutcomeAssessment]:
    """For each outcome the item claims, its decisions (newest first) and live signature."""
    claimed = [
        m.outcome for m in item.outcome_mappings.filter(confirmed=True).select_related("outcome")
    ]
    decisions: dict[int, list[OutcomeDecision]] = {}
    for d in (
        OutcomeDecision.objects.filter(evidence=item)
        .select_related("decided_by", "outcome")
        .order_by("-decided_at", "-pk")
    ):
        decisions.setdefault(d.outcome_id, []).append(d)
    signed = {
        s.subject_id: s
        for s in signatures_base().filter(
            subject_type=ContentType.objects.get_for_model(OutcomeDecision),
            subject_id__in=[d.pk for ds in decisions.values() for d in ds],
            voided_at__isnull=True,
        )
    }
    rows = []
    for outcome in claimed:
        history = decisions.get(outcome.pk, [])
        current = history[0] if history else None
        rows.append(
            OutcomeAssessment(
                outcome=outcome,
                current=current,
                earlier=history[1:],
                signature=signed.get(current.pk) if current else None,
            )
        )
    return rows


def evidence_awaiting_assessment(*, assessor: User) -> dict[int, int]:
    """How many submitted items wait for a decision, per enrolment the user assesses."""
    rows = (
        EvidenceItem.objects.filter(
            enrolment__assessor=assessor, status=EvidenceItem.Status.SUBMITTED
        )
        .values("enrolment_id")
        .annotate(n=Count("pk"))
    )
    return {r["enrolment_id"]: r["n"] for r in rows}


def decision_for_assessor(*, user: User, pk: int) -> OutcomeDecision:
    decision = (
        OutcomeDecision.objects.select_related("evidence__enrolment", "outcome__unit")
        .filter(pk=pk, evidence__enrolment__assessor=user)
        .first()
    )
    if decision is None:
        raise Http404("No such decision among your learners'.")
    return decision


def evidence_unlockable_by(*, user: User, enrolment: Enrolment) -> list[EvidenceItem]:
    """The enrolment's locked evidence, if the user is a centre admin of its centre."""
    if not Membership.objects.filter(
        user=user, centre_id=enrolment.centre_id, role=Role.CENTRE_ADMIN
    ).exists():
        return []
    return list(enrolment.evidence_items.filter(locked_at__isnull=False).order_by("ei"))
