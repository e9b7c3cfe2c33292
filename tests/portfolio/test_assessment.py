"""The assessor's decisions, outcome by outcome: referring back, resubmitting, the history."""

import pytest
from django.core.exceptions import ValidationError

from portfolio.models import EvidenceItem, OutcomeDecision
from portfolio.services import evidence_submit, evidence_update
from portfolio.services.assessment import Decision, evidence_assess


def decide(item, by, verdicts: dict):
    outcomes = {o.code: o for o in item.enrolment.unit.outcomes.filter(code__in=verdicts)}
    return evidence_assess(
        item=item,
        by=by,
        decisions=[
            Decision(outcomes[code], verdict, feedback)
            for code, (verdict, feedback) in verdicts.items()
        ],
    )


def test_all_competent_makes_the_evidence_assessed(submitted, assessor):
    item = decide(submitted, assessor, {"1.1": ("competent", ""), "1.2": ("competent", "")})
    assert item.status == EvidenceItem.Status.ASSESSED
    assert OutcomeDecision.objects.filter(evidence=item, verdict="competent").count() == 2


def test_not_yet_refers_the_evidence_back_and_the_learner_can_change_it(submitted, assessor):
    item = decide(submitted, assessor, {"1.1": ("competent", ""), "1.2": ("not_yet", "Say how.")})
    assert item.status == EvidenceItem.Status.REFERRED_BACK
    evidence_update(item=item, by=item.enrolment.learner, narrative="Now with how I did it.")
    item = evidence_submit(item=item, by=item.enrolment.learner)
    assert item.status == EvidenceItem.Status.SUBMITTED


def test_decisions_are_kept_when_the_learner_resubmits(submitted, assessor):
    item = decide(submitted, assessor, {"1.1": ("not_yet", "More."), "1.2": ("not_yet", "X")})
    item = evidence_submit(item=item, by=item.enrolment.learner)
    decide(item, assessor, {"1.1": ("competent", ""), "1.2": ("competent", "")})
    verdicts = list(
        OutcomeDecision.objects.filter(evidence=item, outcome__code="1.1")
        .order_by("decided_at", "pk")
        .values_list("verdict", flat=True)
    )
    assert verdicts == ["not_yet", "competent"]


def test_not_yet_needs_feedback(submitted, assessor):
    with pytest.raises(ValidationError, match="say what is still needed"):
        decide(submitted, assessor, {"1.1": ("competent", ""), "1.2": ("not_yet", " ")})


def test_every_claimed_outcome_needs_a_decision(submitted, assessor):
    with pytest.raises(ValidationError, match="every outcome"):
        decide(submitted, assessor, {"1.1": ("competent", "")})


def test_only_the_learners_assessor_decides(submitted, other_assessor, verifier):
    for who in (other_assessor, verifier, submitted.enrolment.learner):
        with pytest.raises(ValidationError, match="Only the learner's assessor"):
            decide(submitted, who, {"1.1": ("competent", ""), "1.2": ("competent", "")})


def test_a_draft_cannot_be_decided(item, assessor, f6):
    with pytest.raises(ValidationError, match="submitted evidence"):
        evidence_assess(item=item, by=assessor, decisions=[])


def test_an_assessed_item_is_not_the_learners_to_change(assessed, learner):
    with pytest.raises(ValidationError, match="can no longer be changed"):
        evidence_update(item=assessed, by=learner, title="Changed")
