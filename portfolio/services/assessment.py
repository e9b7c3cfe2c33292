"""The assessor's decisions on submitted evidence, outcome by outcome."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from portfolio.models import EvidenceItem, Outcome, OutcomeDecision
from portfolio.services.notices import evidence_decided_notify
from portfolio.services.signing import locked_check


@dataclass
class Decision:
    outcome: Outcome
    verdict: str
    feedback: str = ""


@transaction.atomic
def evidence_assess(*, item: EvidenceItem, by: User, decisions: list[Decision]) -> EvidenceItem:
    """Record the assessor's decision on every outcome a submitted item claims. Any "not yet"
    refers the item back to the learner with the feedback; all competent makes it assessed,
    ready for the assessor to sign outcome by outcome. Decisions are added, never changed."""
    item = (
        EvidenceItem.objects.select_for_update()
        .select_related("enrolment", "evidence_type")
        .get(pk=item.pk)
    )
    if by.pk != item.enrolment.assessor_id:
        raise ValidationError("Only the learner's assessor records decisions on their evidence.")
    locked_check(item, what="its decisions")
    if item.status != EvidenceItem.Status.SUBMITTED:
        raise ValidationError(
            f"EI {item.ei} is {item.get_status_display().lower()}: decisions are recorded on "
            "submitted evidence."
        )
    claimed = set(item.outcome_mappings.filter(confirmed=True).values_list("outcome_id", flat=True))
    if not claimed:
        raise ValidationError(f"EI {item.ei} claims no outcomes to decide on.")
    given = {d.outcome.pk: d for d in decisions}
    errors = []
    if set(given) != claimed:
        errors.append("Record a decision on every outcome the evidence claims, and only those.")
    for decision in given.values():
        if decision.verdict not in OutcomeDecision.Verdict.values:
            errors.append(f"{decision.outcome.code}: choose competent or not yet.")
        elif decision.verdict == OutcomeDecision.Verdict.NOT_YET and not decision.feedback.strip():
            errors.append(
                f"{decision.outcome.code}: say what is still needed, so the learner can act on it."
            )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    recorded = OutcomeDecision.objects.bulk_create(
        OutcomeDecision(
            evidence=item,
            outcome=d.outcome,
            verdict=d.verdict,
            feedback=d.feedback.strip(),
            decided_by=by,
            decided_at=now,
        )
        for d in given.values()
    )
    referred = any(d.verdict == OutcomeDecision.Verdict.NOT_YET for d in given.values())
    item.status = EvidenceItem.Status.REFERRED_BACK if referred else EvidenceItem.Status.ASSESSED
    item._history_user = by
    item.save(update_fields=["status", "updated_at"])
    evidence_decided_notify(item=item, decisions=recorded)
    return item
