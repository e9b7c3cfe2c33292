"""Reads over the element records and the knowledge record."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.http import Http404

from accounts.models import User
from portfolio.coverage import Coverage
from portfolio.models import (
    Element,
    ElementRecord,
    Enrolment,
    KnowledgeRecord,
    OutcomeDecision,
    Signature,
)
from portfolio.selectors.coverage import coverage_data
from portfolio.selectors.enrolments import enrolments_readable_by
from portfolio.selectors.signatures import signatures_base

# Element and knowledge records --------------------------------------------------------------


def live_signatures(subject) -> list[Signature]:
    """The subject's signatures that are not void, oldest first."""
    return list(
        signatures_base().filter(
            subject_type=ContentType.objects.get_for_model(type(subject)),
            subject_id=subject.pk,
            voided_at__isnull=True,
        )
    )


def element_outcome_signatures(*, enrolment: Enrolment, element: Element) -> dict:
    """For each outcome of the element (by code, in order), the assessor's live signatures on
    competent decisions on the learner's evidence; an empty list where there is none."""
    outcomes = list(element.outcomes.order_by("order"))
    decisions = OutcomeDecision.objects.filter(
        evidence__enrolment=enrolment, outcome__in=outcomes, verdict="competent"
    ).values_list("pk", "outcome_id")
    outcome_of = dict(decisions)
    signed: dict[int, list[Signature]] = {o.pk: [] for o in outcomes}
    for s in (
        Signature.objects.filter(
            subject_type=ContentType.objects.get_for_model(OutcomeDecision),
            subject_id__in=list(outcome_of),
            voided_at__isnull=True,
        )
        .select_related("signer")
        .order_by("signed_at", "pk")
    ):
        signed[outcome_of[s.subject_id]].append(s)
    return {o.code: signed[o.pk] for o in outcomes}


@dataclass
class ElementRecordRow:
    """An element's record for one learner: how many outcomes are signed, the record and its
    live signatures. `state` is "outcomes", "ready", "signed" or "countersigned"."""

    element: Element
    total: int
    signed: int
    missing: list[str]
    record: ElementRecord | None
    assessor_signature: Signature | None = None
    learner_signature: Signature | None = None

    @property
    def state(self) -> str:
        if self.learner_signature:
            return "countersigned"
        if self.assessor_signature:
            return "signed"
        return "ready" if not self.missing else "outcomes"


def element_records(*, enrolment: Enrolment) -> list[ElementRecordRow]:
    records = {r.element_id: r for r in ElementRecord.objects.filter(enrolment=enrolment)}
    rows = []
    for element in Element.objects.filter(unit_id=enrolment.unit_id).order_by("number"):
        by_outcome = element_outcome_signatures(enrolment=enrolment, element=element)
        missing = [code for code, sigs in by_outcome.items() if not sigs]
        record = records.get(element.pk)
        signatures = {s.role: s for s in live_signatures(record)} if record else {}
        rows.append(
            ElementRecordRow(
                element=element,
                total=len(by_outcome),
                signed=len(by_outcome) - len(missing),
                missing=missing,
                record=record,
                assessor_signature=signatures.get(Signature.Role.ASSESSOR),
                learner_signature=signatures.get(Signature.Role.LEARNER),
            )
        )
    return rows


@dataclass
class KnowledgeSlot:
    role: str
    label: str
    signer: User
    signature: Signature | None


@dataclass
class KnowledgeRecordState:
    record: KnowledgeRecord | None
    slots: list[KnowledgeSlot]
    covered: int
    total: int
    missing: list[str]

    @property
    def feedback(self) -> str:
        return self.record.feedback if self.record else ""

    @property
    def is_signed(self) -> bool:
        return any(slot.signature for slot in self.slots)

    @property
    def can_write_feedback(self) -> bool:
        """The assessor writes (and rewrites) the feedback until the first signature."""
        return not self.is_signed and not (self.record and self.record.is_locked)

    @property
    def next_role(self) -> str | None:
        """Whose turn it is to sign: the candidate once every item is covered and the
        assessor's feedback is written, then the assessor, then the internal verifier."""
        for slot in self.slots:
            if slot.signature is None:
                if slot.role == Signature.Role.LEARNER and (self.missing or not self.feedback):
                    return None
                return slot.role
        return None


def knowledge_record_state(
    *, enrolment: Enrolment, coverage: Coverage | None = None
) -> KnowledgeRecordState:
    """The knowledge record, its signatures and how much of it is covered; pass the
    enrolment's coverage when the caller has it already (it takes ten queries)."""
    data = coverage or coverage_data(enrolment=enrolment)
    rows = [r for g in data.knowledge for r in g.rows if not r.is_heading]
    record = KnowledgeRecord.objects.filter(enrolment=enrolment).first()
    signatures = {s.role: s for s in live_signatures(record)} if record else {}
    slots = [
        KnowledgeSlot(role, label, signer, signatures.get(role))
        for role, label, signer in (
            (Signature.Role.LEARNER, "Candidate", enrolment.learner),
            (Signature.Role.ASSESSOR, "Assessor", enrolment.assessor),
            (Signature.Role.VERIFIER, "Internal verifier", enrolment.verifier),
        )
    ]
    return KnowledgeRecordState(
        record=record,
        slots=slots,
        covered=sum(r.covered for r in rows),
        total=len(rows),
        missing=[r.item.code for r in rows if not r.covered],
    )


def element_for_enrolment(*, enrolment: Enrolment, number: int) -> Element:
    element = Element.objects.filter(unit_id=enrolment.unit_id, number=number).first()
    if element is None:
        raise Http404("No such element in the learner's unit.")
    return element


def element_record_for_reader(*, user: User, pk: int) -> ElementRecord:
    record = (
        ElementRecord.objects.select_related("enrolment__learner", "element")
        .filter(pk=pk, enrolment__in=enrolments_readable_by(user=user))
        .first()
    )
    if record is None:
        raise Http404("No such element record.")
    return record
