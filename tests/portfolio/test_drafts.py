"""Drafting a personal statement from a problem in the learner's log."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from complaints.models import ActionKind, Category, IdentifiedBy
from portfolio.models import EvidenceItem
from portfolio.services import evidence_draft_from_problem, mapping_save
from tests.complaints.factories import ActionFactory, ProblemFactory


@pytest.fixture
def worked_problem(enrolment):
    problem = ProblemFactory(
        centre=enrolment.centre,
        learner=enrolment.learner,
        identified_by=IdentifiedBy.CUSTOMER,
        category=Category.SYSTEM_FAILURE,
        product="Broadband",
        customer_expectation="Their router delivered the next day.",
        description="The order was confirmed but the router was never dispatched.",
    )
    start = problem.received_at
    for minutes, kind, words in [
        (30, ActionKind.RESPONDED, "Apologised and confirmed the order."),
        (90, ActionKind.WORKED_WITH_OTHERS, "Asked the warehouse to send it same day."),
        (120, ActionKind.KEPT_INFORMED, "Texted the customer the tracking number."),
        (300, ActionKind.KEPT_INFORMED, "Called to say it was out for delivery."),
        (1500, ActionKind.SATISFACTION_CHECKED, "Checked it arrived and works."),
    ]:
        ActionFactory(
            problem=problem,
            kind=kind,
            description=words,
            taken_at=start + datetime.timedelta(minutes=minutes),
            satisfaction_score=5 if kind == ActionKind.SATISFACTION_CHECKED else None,
        )
    return problem


def draft(problem):
    return evidence_draft_from_problem(problem=problem, by=problem.learner)


def test_a_draft_is_a_personal_statement_linked_to_its_problem(worked_problem):
    item, created = draft(worked_problem)
    assert created
    assert item.evidence_type.code == "P"
    assert item.status == EvidenceItem.Status.DRAFT
    assert item.ei == 1
    assert list(item.problems.all()) == [worked_problem]
    assert worked_problem.reference in item.title


def test_a_draft_is_prefilled_from_the_problem_and_its_timeline_in_order(worked_problem):
    item, _ = draft(worked_problem)
    assert "Their router delivered the next day." in item.situation
    assert "never dispatched" in item.situation
    assert item.task
    steps = item.action.splitlines()
    assert len(steps) == 5
    assert "Apologised" in steps[0]
    assert "Checked it arrived" in steps[-1]
    assert "5 out of 5" in item.result
    assert item.narrative.startswith("Situation\n")


def test_a_draft_suggests_outcomes_from_the_tagged_actions_unconfirmed(worked_problem):
    item, _ = draft(worked_problem)
    suggested = dict(item.outcome_mappings.values_list("outcome__code", "confirmed"))
    assert suggested == {"1.1": False, "1.3": False, "1.4": False, "1.5": False}
    assert "2 actions" in item.outcome_mappings.get(outcome__code="1.4").suggestion


def test_a_draft_suggests_range_items_from_who_identified_it_and_its_type(worked_problem):
    item, _ = draft(worked_problem)
    suggested = dict(item.range_mappings.values_list("range_item__code", "confirmed"))
    assert suggested == {"identified_by_customer": False, "system_failure": False}


def test_nothing_in_a_draft_counts_until_the_learner_confirms_it(worked_problem):
    item, _ = draft(worked_problem)
    assert not item.outcome_mappings.filter(confirmed=True).exists()
    assert not item.range_mappings.filter(confirmed=True).exists()
    unit = item.enrolment.unit
    mapping_save(
        item=item,
        by=worked_problem.learner,
        outcomes=list(unit.outcomes.filter(code="1.5")),
        knowledge_items=[],
        range_items=[],
    )
    confirmed = item.outcome_mappings.filter(confirmed=True).values_list("outcome__code", flat=True)
    assert list(confirmed) == ["1.5"]


def test_a_second_draft_request_opens_the_first(worked_problem):
    first, _ = draft(worked_problem)
    second, created = draft(worked_problem)
    assert not created
    assert second == first
    assert EvidenceItem.objects.count() == 1


def test_personal_data_in_the_log_stays_out_of_the_draft(enrolment):
    problem = ProblemFactory(
        centre=enrolment.centre,
        learner=enrolment.learner,
        description="Customer jane.doe@example.com was billed twice.",
    )
    item, _ = draft(problem)
    assert "jane.doe@example.com" not in item.situation
    assert "[redacted]" in item.situation


def test_only_the_problems_learner_can_draft_from_it(worked_problem, assessor):
    with pytest.raises(ValidationError, match="Only the learner"):
        evidence_draft_from_problem(problem=worked_problem, by=assessor)


def test_a_learner_who_is_not_enrolled_is_told_so(centre, other_learner):
    problem = ProblemFactory(centre=centre, learner=other_learner)
    with pytest.raises(ValidationError, match="not enrolled"):
        draft(problem)
