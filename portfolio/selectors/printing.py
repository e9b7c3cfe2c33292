"""What the printed records show: the evidence achievement record and the knowledge evidence
record laid out as the unit's paper forms (seed 004), each signature with its check now."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from complaints.privacy import redact
from portfolio.coverage import Coverage, KnowledgeRow
from portfolio.models import Element, Enrolment, Outcome, OutcomeDecision, Signature
from portfolio.selectors.coverage import coverage_data
from portfolio.selectors.records import (
    KnowledgeRecordState,
    element_outcome_signatures,
    element_records,
    knowledge_record_state,
)
from portfolio.selectors.signatures import enrolments_verifiable_by, signatures_base
from portfolio.services.signing import Verification, signature_verify, signatures_verify

CODE_LENGTH = 10


def signature_code(signature: Signature) -> str:
    """The short code printed beside a signature: the first ten hex characters of its hash,
    grouped like 3F2A-91C0-7D so it can be read out and typed back."""
    head = signature.content_sha256[:CODE_LENGTH].upper()
    return "-".join(head[i : i + 4] for i in range(0, len(head), 4))


def signature_code_normalised(code: str) -> str:
    """The hex digits of a typed code, lower case; '' when it is not a full code."""
    digits = re.sub(r"[^0-9a-fA-F]", "", code or "").lower()
    return digits if len(digits) == CODE_LENGTH else ""


def signatures_by_code(*, user: User, code: str) -> list[Signature]:
    """The signatures the user may verify whose hash starts with the printed code."""
    digits = signature_code_normalised(code)
    if not digits:
        return []
    readable: QuerySet = enrolments_verifiable_by(user=user)
    return list(signatures_base().filter(enrolment__in=readable, content_sha256__startswith=digits))


def enrolment_for_exporter(*, user: User, pk: int | None = None) -> Enrolment:
    """The enrolment whose records the user may print: the learner, their assessor and IV,
    and the centre admins of its centre (issue 7); 404 for anyone else. Without pk, the
    user's own enrolment as a learner."""
    enrolments = enrolments_verifiable_by(user=user).select_related("unit", "centre")
    enrolments = enrolments.filter(pk=pk) if pk is not None else enrolments.filter(learner=user)
    enrolment = enrolments.order_by("-started_on", "-pk").first()
    if enrolment is None:
        raise Http404("No such portfolio.")
    return enrolment


@dataclass
class PrintedSignature:
    signature: Signature
    verification: Verification

    @property
    def code(self) -> str:
        return signature_code(self.signature)

    @property
    def is_valid(self) -> bool:
        return self.verification.is_valid


def printed_signature(signature: Signature | None) -> PrintedSignature | None:
    if signature is None:
        return None
    return PrintedSignature(signature, signature_verify(signature=signature))


@dataclass
class PrintedOutcome:
    """An outcome's cell on the form: "Assessor to sign and date when competence
    demonstrated". The cell prints the earliest valid signature (when competence was first
    shown), any signature no longer valid in full, and a line for the rest."""

    outcome: Outcome
    signatures: list[PrintedSignature]  # every live signature, earliest first
    ei_of: dict[int, int]  # signature id -> the EI of the evidence decided on

    @property
    def first(self) -> PrintedSignature | None:
        return next((s for s in self.signatures if s.is_valid), None)

    @property
    def not_valid(self) -> list[PrintedSignature]:
        return [s for s in self.signatures if not s.is_valid]

    @property
    def others(self) -> list[PrintedSignature]:
        first = self.first
        return [s for s in self.signatures if s.is_valid and s is not first]

    @property
    def other_eis(self) -> list[int]:
        return sorted({self.ei_of[s.signature.pk] for s in self.others})


@dataclass
class PrintedElement:
    element: Element
    outcomes: list[PrintedOutcome]
    feedback: str
    comments: str
    assessor: PrintedSignature | None
    candidate: PrintedSignature | None

    @property
    def is_signed(self) -> bool:
        """Every outcome and the record signed and countersigned, each signature still valid."""
        printed = [s for o in self.outcomes for s in o.signatures]
        return (
            all(o.signatures for o in self.outcomes)
            and self.assessor is not None
            and self.candidate is not None
            and all(s.is_valid for s in [*printed, self.assessor, self.candidate])
        )


@dataclass
class PrintedHeader:
    enrolment: Enrolment
    printed: object = field(default_factory=timezone.now)

    @property
    def candidate_name(self) -> str:
        return self.enrolment.learner.display_name


@dataclass
class AchievementRecord:
    header: PrintedHeader
    elements: list[PrintedElement]

    @property
    def is_draft(self) -> bool:
        return not all(e.is_signed for e in self.elements)


def achievement_record(*, enrolment: Enrolment) -> AchievementRecord:
    """The evidence achievement record, one section per element: each outcome in the unit's
    words with the assessor's live signatures, the feedback and the record's signatures.
    Every signature is checked, in bulk: a full portfolio holds hundreds."""
    rows = element_records(enrolment=enrolment)
    by_element = {
        row.element.pk: element_outcome_signatures(enrolment=enrolment, element=row.element)
        for row in rows
    }
    outcome_signatures = [s for codes in by_element.values() for ss in codes.values() for s in ss]
    record_signatures = [
        s for row in rows for s in (row.assessor_signature, row.learner_signature) if s
    ]
    checked = signatures_verify(signatures=outcome_signatures + record_signatures)
    ei_of = _decision_eis([s.subject_id for s in outcome_signatures])

    def printed(signature: Signature | None) -> PrintedSignature | None:
        return None if signature is None else PrintedSignature(signature, checked[signature.pk])

    elements = []
    for row in rows:
        by_code = by_element[row.element.pk]
        elements.append(
            PrintedElement(
                element=row.element,
                outcomes=[
                    PrintedOutcome(
                        o,
                        [printed(s) for s in by_code.get(o.code, [])],
                        {s.pk: ei_of.get(s.subject_id) for s in by_code.get(o.code, [])},
                    )
                    for o in row.element.outcomes.order_by("order")
                ],
                feedback=redact(row.record.feedback) if row.record else "",
                comments=redact(row.record.comments) if row.record else "",
                assessor=printed(row.assessor_signature),
                candidate=printed(row.learner_signature),
            )
        )
    return AchievementRecord(PrintedHeader(enrolment), elements)


def _decision_eis(decision_ids: list[int]) -> dict[int, int]:
    """Outcome decision id -> the EI of the evidence it decided on."""
    return dict(
        OutcomeDecision.objects.filter(pk__in=decision_ids).values_list("pk", "evidence__ei")
    )


@dataclass
class PrintedSlot:
    role: str
    label: str
    signer: User
    signature: PrintedSignature | None


@dataclass
class PrintedKnowledgeRow:
    row: KnowledgeRow
    eis: list[int]  # the form's EI column: every confirmed evidence index number, once


@dataclass
class PrintedKnowledgeGroup:
    text: str
    rows: list[PrintedKnowledgeRow]


@dataclass
class KnowledgeEvidenceRecord:
    header: PrintedHeader
    state: KnowledgeRecordState
    coverage: Coverage
    groups: list[PrintedKnowledgeGroup]
    slots: list[PrintedSlot]
    feedback: str  # the assessor's feedback/comments, flagged personal data redacted

    @property
    def is_draft(self) -> bool:
        return not all(s.signature and s.signature.is_valid for s in self.slots)


def knowledge_evidence_record(*, enrolment: Enrolment) -> KnowledgeEvidenceRecord:
    """The knowledge evidence record: the items against the evidence types with the EI
    numbers of confirmed evidence, the feedback, and the three signatures."""
    data = coverage_data(enrolment=enrolment)
    state = knowledge_record_state(enrolment=enrolment, coverage=data)
    slots = [
        PrintedSlot(s.role, s.label, s.signer, printed_signature(s.signature)) for s in state.slots
    ]
    groups = [
        PrintedKnowledgeGroup(
            g.text,
            [
                PrintedKnowledgeRow(r, sorted({e.ei for c in r.cells for e in c.evidence}))
                for r in g.rows
            ],
        )
        for g in data.knowledge
    ]
    return KnowledgeEvidenceRecord(
        PrintedHeader(enrolment), state, data, groups, slots, redact(state.feedback)
    )
