"""The demo learner's portfolio: evidence in each state the portfolio has, made through the
same services a learner, an assessor and an internal verifier use, so `make run` shows a
draft, a submitted item, one referred back with feedback, one assessed and signed, an
observation covering element 1 whose element record the assessor signed and the candidate
countersigned, and a sample the internal verifier drew with one assessment accepted and
signed.

Each part is made only if it is not there yet, so seeding again adds nothing, and a demo
seeded before a part existed gains it.
"""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from complaints.models import ActionKind, Problem
from portfolio import selectors, services
from portfolio.models import ElementRecord, Enrolment, EvidenceItem, Sample
from portfolio.services import Decision

# The demo's draw is repeatable: the same seed picks the same assessment on every fresh demo.
DEMO_SAMPLE_SEED = 2026


def demo_portfolio(*, learner: User, assessor: User, verifier: User) -> int:
    """Returns how many evidence items were made (0 when every part already exists)."""
    enrolment = Enrolment.objects.filter(learner=learner).order_by("-started_on", "-pk").first()
    if enrolment is None:
        return 0
    made = _demo_states(learner=learner, assessor=assessor)
    made += _demo_element_record(enrolment=enrolment)
    _demo_sample(enrolment=enrolment, verifier=verifier)
    return made


def _demo_states(*, learner: User, assessor: User) -> int:
    """Four personal statements drafted from the learner's own problems, taken to four
    states: a draft, submitted, referred back, assessed and signed."""
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
    _sign_outcomes(signed, assessor)
    return len(items)


REFERRAL_FEEDBACK = (
    "Say what you checked before you replied, and how you kept the customer informed while "
    "you waited for billing: the statement jumps from the call to the fix."
)

OBSERVATION_TITLE = "Observed solving a customer's problem from first call to follow-up"
OBSERVATION = (
    "Observed on the phones by my assessor. A customer rang about a late delivery that had "
    "been promised twice. I listened without interrupting, repeated the problem back and "
    "apologised for the broken promise. I checked the order and the courier's tracking, saw "
    "the parcel was held at the depot because of an address error on our side, and asked the "
    "dispatch team lead to release it for the next morning. I told the customer what I had "
    "found, what would happen and when, and rang them back that afternoon to confirm the "
    "slot. The next day I checked the parcel had arrived and the customer was happy. I "
    "noticed two other orders with the same address error before those customers called, "
    "asked dispatch to correct them, and told my team leader and the dispatch team what had "
    "happened and what I had done, so the address check could be added to the order form."
)
OBSERVATION_FEEDBACK = {
    "1.1": "Listened to the end and acknowledged the broken promise before acting.",
    "1.2": "Checked the order and the tracking before saying anything about the cause.",
    "1.3": "Asked the dispatch team lead for the release instead of promising it yourself.",
    "1.4": "Said what would happen and when, and rang back as promised.",
    "1.5": "Checked the delivery arrived and the customer was satisfied.",
    "1.6": "Found and corrected the same address error on two orders before those customers "
    "called.",
    "1.7": "Told the team leader and dispatch what happened and what you did.",
}


def _demo_element_record(*, enrolment: Enrolment) -> int:
    """An observation showing every outcome of element 1, assessed and signed; the assessor
    signs the element 1 record and the candidate countersigns it."""
    if ElementRecord.objects.filter(enrolment=enrolment).exists():
        return 0
    learner, assessor = enrolment.learner, enrolment.assessor
    element = enrolment.unit.elements.get(number=1)
    outcomes = list(element.outcomes.order_by("order"))
    problem = Problem.objects.filter(learner=learner, status="closed").order_by("-received_at")
    problem = problem.first()
    item = services.evidence_create(
        enrolment=enrolment,
        by=learner,
        evidence_type=enrolment.unit.evidence_types.get(code="O"),
        title=OBSERVATION_TITLE,
        date=problem.received_at.date() if problem else timezone.localdate(),
        narrative=OBSERVATION,
        problems=[problem] if problem else [],
    )
    services.mapping_save(
        item=item, by=learner, outcomes=outcomes, knowledge_items=[], range_items=[]
    )
    services.evidence_submit(item=item, by=learner)
    services.evidence_assess(
        item=item,
        by=assessor,
        decisions=[
            Decision(outcome=o, verdict="competent", feedback=OBSERVATION_FEEDBACK.get(o.code, ""))
            for o in outcomes
        ],
    )
    _sign_outcomes(item, assessor)
    now = timezone.now()
    services.element_record_sign(
        enrolment=enrolment,
        element=element,
        by=assessor,
        feedback="You solve problems calmly, check before you promise, and follow through.",
        comments="Observed in full on the phones; the customer's follow-up call confirms 1.5.",
        reauthenticated_at=now,
    )
    record = ElementRecord.objects.get(enrolment=enrolment, element=element)
    services.element_record_countersign(record=record, by=learner, reauthenticated_at=now)
    return 1


def _demo_sample(*, enrolment: Enrolment, verifier: User) -> None:
    """The internal verifier draws a sample of the assessor's signed assessments at the
    default rate and accepts the sampled assessment, signing the review."""
    assessor, centre = enrolment.assessor, enrolment.centre
    if Sample.objects.filter(verifier=verifier, assessor=assessor, centre=centre).exists():
        return
    if not selectors.signed_assessments(
        verifier=verifier, centre=centre, assessor=assessor, sampled=False
    ):
        return
    sample = services.sample_draw(
        verifier=verifier, assessor=assessor, centre=centre, seed=DEMO_SAMPLE_SEED
    )
    for item in sample.items.all():
        services.review_record(
            sample_item=item,
            by=verifier,
            verdict="accept",
            comments="Decisions are sound and the feedback tells the learner what met each "
            "outcome.",
            reauthenticated_at=timezone.now(),
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


def _sign_outcomes(item: EvidenceItem, assessor: User) -> None:
    for decision in EvidenceItem.objects.get(pk=item.pk).decisions.all():
        services.decision_sign(decision=decision, by=assessor, reauthenticated_at=timezone.now())
