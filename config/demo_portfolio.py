"""The demo learner's portfolio: evidence in each state the portfolio has so far, made
through the same services a learner and an assessor use, so `make run` shows a draft, a
submitted item, one referred back with feedback, and one assessed and signed.

Countersigned and sampled states join when the candidate's countersignature and internal
verification are built (issue 4).
"""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from complaints.models import ActionKind, Problem
from portfolio import services
from portfolio.models import EvidenceItem
from portfolio.services import Decision


def demo_portfolio(*, learner: User, assessor: User) -> int:
    """Four personal statements drafted from the learner's own problems, taken to four
    states. Returns how many were made (0 when the learner already has evidence)."""
    if EvidenceItem.objects.filter(enrolment__learner=learner).exists():
        return 0
    problems = _problems_with_outcomes(learner)[:4]
    items = [services.evidence_draft_from_problem(problem=p, by=learner)[0] for p in problems]
    if len(items) < 4:
        return len(items)
    draft, submitted, referred, signed = items
    for item in (submitted, referred, signed):
        _confirm_suggestions(item, learner)
        services.evidence_submit(item=item, by=learner)
    _assess(referred, assessor, verdict="not_yet", feedback=REFERRAL_FEEDBACK)
    _assess(
        signed,
        assessor,
        verdict="competent",
        feedback="Clear account; the customer's words show 1.5.",
    )
    for decision in EvidenceItem.objects.get(pk=signed.pk).decisions.all():
        services.decision_sign(decision=decision, by=assessor, reauthenticated_at=timezone.now())
    return len(items)


REFERRAL_FEEDBACK = (
    "Say what you checked before you replied, and how you kept the customer informed while "
    "you waited for billing: the statement jumps from the call to the fix."
)


def _problems_with_outcomes(learner: User) -> list[Problem]:
    """The learner's resolved problems whose timelines show a response and a satisfaction
    check, newest first: drafts from them suggest several outcomes."""
    return list(
        Problem.objects.filter(learner=learner, status__in=["resolved", "closed"])
        .filter(actions__kind=ActionKind.RESPONDED)
        .filter(actions__kind=ActionKind.SATISFACTION_CHECKED)
        .distinct()
        .order_by("-received_at")[:8]
    )


def _confirm_suggestions(item: EvidenceItem, learner: User) -> None:
    services.mapping_save(
        item=item,
        by=learner,
        outcomes=[m.outcome for m in item.outcome_mappings.select_related("outcome")],
        knowledge_items=[m.knowledge_item for m in item.knowledge_mappings.all()],
        range_items=[m.range_item for m in item.range_mappings.select_related("range_item")],
    )


def _assess(item: EvidenceItem, assessor: User, *, verdict: str, feedback: str) -> None:
    outcomes = [m.outcome for m in item.outcome_mappings.filter(confirmed=True)]
    services.evidence_assess(
        item=item,
        by=assessor,
        decisions=[Decision(outcome=o, verdict=verdict, feedback=feedback) for o in outcomes],
    )
