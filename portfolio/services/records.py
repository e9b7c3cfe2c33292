"""The unit's signed records: the assessor signs an element record once every outcome of the
element has a signed competent decision (which locks it) and the candidate countersigns it;
the assessor writes their feedback on the knowledge record, then the candidate, the assessor
and the internal verifier sign it, in that order, once every knowledge item is covered (the
candidate's signature locks it). A record is locked from its first signature: what the next
signer signs is what the first one signed.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from portfolio.models import (
    Element,
    ElementRecord,
    Enrolment,
    KnowledgeRecord,
    Signature,
)
from portfolio.selectors import coverage_data, element_outcome_signatures, live_signatures
from portfolio.services.signing import reauth_require, sign_subject

COUNTERSIGN_STATEMENT = (
    "I confirm the evidence is my own work and agree with the assessor's record."
)


# Element records ----------------------------------------------------------------------------


def _missing_message(element: Element, missing: list[str]) -> str:
    codes = ", ".join(missing)
    verb = "has" if len(missing) == 1 else "have"
    return (
        f"Element {element.number} cannot be signed yet: outcome{'s' * (len(missing) > 1)} "
        f"{codes} {verb} no signed competent decision. Sign an outcome on the evidence that "
        "shows it first."
    )


@transaction.atomic
def element_record_sign(
    *,
    enrolment: Enrolment,
    element: Element,
    by: User,
    feedback: str,
    comments: str = "",
    reauthenticated_at: datetime.datetime | None,
) -> Signature:
    """The assessor signs the element record with feedback and comments, once every outcome
    of the element has a signed competent decision. It rests on those outcome signatures."""
    reauth_require(at=reauthenticated_at)
    if by.pk != enrolment.assessor_id:
        raise ValidationError("Only the learner's assessor signs their element records.")
    if element.unit_id != enrolment.unit_id:
        raise ValidationError("That element is not part of the learner's unit.")
    record, _ = ElementRecord.objects.get_or_create(enrolment=enrolment, element=element)
    record = ElementRecord.objects.select_for_update().get(pk=record.pk)
    if live_signatures(record):
        raise ValidationError(f"The element {element.number} record is already signed.")
    by_outcome = element_outcome_signatures(enrolment=enrolment, element=element)
    missing = [code for code, sigs in by_outcome.items() if not sigs]
    if missing:
        raise ValidationError(_missing_message(element, missing))
    if not feedback.strip():
        raise ValidationError({"feedback": "Write your feedback to the learner on this element."})
    record.feedback = feedback.strip()
    record.comments = comments.strip()
    record.save(update_fields=["feedback", "comments", "updated_at"])
    record.decision_signatures.set([s for sigs in by_outcome.values() for s in sigs])
    signature = sign_subject(
        subject=record,
        enrolment=enrolment,
        by=by,
        role=Signature.Role.ASSESSOR,
        statement=(
            f"I confirm the candidate has demonstrated competence in every outcome of "
            f"element {element.number}."
        ),
    )
    _lock(record, at=signature.signed_at)
    return signature


def _lock(record: ElementRecord | KnowledgeRecord, *, at: datetime.datetime) -> None:
    """Lock a record at its first signature (the database refuses changes from then on)."""
    if record.locked_at is None:
        record.locked_at = at
        record.save(update_fields=["locked_at", "updated_at"])


@transaction.atomic
def element_record_countersign(
    *, record: ElementRecord, by: User, reauthenticated_at: datetime.datetime | None
) -> Signature:
    """The candidate countersigns the assessor's signed (and so locked) element record."""
    reauth_require(at=reauthenticated_at)
    record = (
        ElementRecord.objects.select_for_update()
        .select_related("enrolment", "element")
        .get(pk=record.pk)
    )
    if by.pk != record.enrolment.learner_id:
        raise ValidationError("Only the learner countersigns their own element records.")
    roles = [s.role for s in live_signatures(record)]
    if Signature.Role.ASSESSOR not in roles:
        raise ValidationError(
            f"Your assessor has not signed the element {record.element.number} record yet: "
            "there is nothing to countersign."
        )
    if Signature.Role.LEARNER in roles:
        raise ValidationError(
            f"You have already countersigned the element {record.element.number} record."
        )
    signature = sign_subject(
        subject=record,
        enrolment=record.enrolment,
        by=by,
        role=Signature.Role.LEARNER,
        statement=COUNTERSIGN_STATEMENT,
    )
    _lock(record, at=signature.signed_at)
    return signature


# The knowledge record -----------------------------------------------------------------------

KNOWLEDGE_ORDER = [Signature.Role.LEARNER, Signature.Role.ASSESSOR, Signature.Role.VERIFIER]
_WHO = {
    Signature.Role.LEARNER: "the candidate",
    Signature.Role.ASSESSOR: "the assessor",
    Signature.Role.VERIFIER: "the internal verifier",
}


def knowledge_role(*, enrolment: Enrolment, user: User) -> str | None:
    """The role the user signs the knowledge record in, if any."""
    return {
        enrolment.learner_id: Signature.Role.LEARNER,
        enrolment.assessor_id: Signature.Role.ASSESSOR,
        enrolment.verifier_id: Signature.Role.VERIFIER,
    }.get(user.pk)


def knowledge_evidence(*, enrolment: Enrolment) -> tuple[dict[str, list[int]], list[str]]:
    """Which EIs show each knowledge item (aspects for item 2), and the codes not covered."""
    data = coverage_data(enrolment=enrolment)
    shown: dict[str, list[int]] = {}
    missing = []
    for group in data.knowledge:
        for row in group.rows:
            if row.is_heading:
                continue
            eis = sorted({e.ei for c in row.cells for e in c.evidence})
            shown[row.item.code] = eis
            if not eis:
                missing.append(row.item.code)
    return shown, missing


@transaction.atomic
def knowledge_record_feedback_save(
    *, enrolment: Enrolment, by: User, feedback: str
) -> KnowledgeRecord:
    """The assessor writes (or rewrites) their feedback and comments on the knowledge record,
    until its first signature locks it."""
    if by.pk != enrolment.assessor_id:
        raise ValidationError(
            "Only the learner's assessor writes feedback on the knowledge record."
        )
    if not feedback.strip():
        raise ValidationError(
            {"feedback": "Write your feedback on the learner's knowledge evidence."}
        )
    record, _ = KnowledgeRecord.objects.get_or_create(enrolment=enrolment)
    record = KnowledgeRecord.objects.select_for_update().get(pk=record.pk)
    if record.is_locked or live_signatures(record):
        raise ValidationError(
            "The knowledge record is signed: its feedback can no longer change. A centre admin "
            "can unlock the evidence it lists, which voids its signatures."
        )
    record.feedback = feedback.strip()
    record.save(update_fields=["feedback", "updated_at"])
    return record


@transaction.atomic
def knowledge_record_sign(
    *, enrolment: Enrolment, by: User, reauthenticated_at: datetime.datetime | None
) -> Signature:
    """Sign the knowledge record with the unit's declaration: the candidate first, once the
    assessor has written their feedback (which fixes the evidence it lists and locks it),
    then the assessor, then the internal verifier. Each out of turn is refused, saying who
    must sign first."""
    reauth_require(at=reauthenticated_at)
    role = knowledge_role(enrolment=enrolment, user=by)
    if role is None:
        raise ValidationError(
            "Only the learner, their assessor and their internal verifier sign the knowledge "
            "record."
        )
    record, _ = KnowledgeRecord.objects.get_or_create(enrolment=enrolment)
    record = KnowledgeRecord.objects.select_for_update().get(pk=record.pk)
    signed = [s.role for s in live_signatures(record)]
    if role in signed:
        raise ValidationError(f"You have already signed the knowledge record as {_WHO[role]}.")
    position = KNOWLEDGE_ORDER.index(role)
    waiting = [r for r in KNOWLEDGE_ORDER[:position] if r not in signed]
    if waiting:
        raise ValidationError(
            f"The knowledge record is signed by the candidate, then the assessor, then the "
            f"internal verifier: {' and '.join(_WHO[r] for r in waiting)} must sign first."
        )
    if role == Signature.Role.LEARNER:
        shown, missing = knowledge_evidence(enrolment=enrolment)
        if missing:
            raise ValidationError(
                "The knowledge record cannot be signed yet: no confirmed evidence shows "
                f"knowledge item{'s' * (len(missing) > 1)} {', '.join(missing)}."
            )
        if not record.feedback.strip():
            raise ValidationError(
                "Your assessor has not written their feedback on the knowledge record yet: "
                "it is signed after the feedback, so ask them to write it first."
            )
        record.evidence = shown
        record.save(update_fields=["evidence", "updated_at"])
    signature = sign_subject(
        subject=record,
        enrolment=enrolment,
        by=by,
        role=role,
        statement=enrolment.unit.knowledge_declaration,
    )
    _lock(record, at=signature.signed_at)
    return signature
