"""Evidence items: numbering, links to the learner's own work, the simulation rule,
suggested versus confirmed mapping, and submitting."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from complaints.models import PreventiveAction
from portfolio.models import EvidenceItem, EvidenceOutcome
from portfolio.services import (
    evidence_create,
    evidence_ei_reserve,
    evidence_submit,
    evidence_update,
    mapping_save,
    mapping_suggest,
)
from tests.complaints.factories import ProblemFactory
from tests.portfolio.factories import EvidenceItemFactory


def create(enrolment, code="O", **fields):
    defaults = {"title": "Evidence", "narrative": "What happened."}
    return evidence_create(
        enrolment=enrolment,
        by=enrolment.learner,
        evidence_type=enrolment.unit.evidence_types.get(code=code),
        **{**defaults, **fields},
    )


def outcomes(unit, *codes):
    return list(unit.outcomes.filter(code__in=codes))


# Numbering --------------------------------------------------------------------------------


def test_evidence_is_numbered_in_order_for_each_learner(enrolment, other_enrolment):
    first, second = create(enrolment), create(enrolment)
    theirs = create(other_enrolment)
    third = create(enrolment)
    assert [first.ei, second.ei, third.ei] == [1, 2, 3]
    assert theirs.ei == 1


@pytest.mark.django_db(transaction=True)
def test_numbering_refuses_to_run_outside_a_transaction(enrolment):
    with pytest.raises(RuntimeError, match="inside a transaction"):
        evidence_ei_reserve(enrolment=enrolment)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writes without row locks"
)
def test_numbering_locks_the_enrolment_row(enrolment):
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        evidence_ei_reserve(enrolment=enrolment)
    assert any("FOR UPDATE" in q["sql"] and "portfolio_enrolment" in q["sql"] for q in queries)


def test_two_items_can_never_share_an_evidence_index_number(enrolment):
    EvidenceItemFactory(enrolment=enrolment, ei=1)
    with pytest.raises(Exception, match="(?i)unique"), transaction.atomic():
        EvidenceItemFactory(enrolment=enrolment, ei=1)


def test_the_ei_column_is_not_an_evidence_type(enrolment):
    with pytest.raises(ValidationError, match="evidence types"):
        create(enrolment, code="EI")


def test_questions_and_answers_must_be_dated(enrolment):
    with pytest.raises(ValidationError, match="must be dated"):
        create(enrolment, code="Q&A", date=None)
    assert create(enrolment, code="Q&A", date=datetime.date(2026, 3, 1)).ei == 1


def test_a_personal_statement_narrative_is_composed_from_star(enrolment):
    item = create(
        enrolment,
        code="P",
        narrative="ignored",
        situation="A meter was misread.",
        task="Put the bill right.",
        action="Rebilled it.",
        result="Customer satisfied.",
    )
    assert item.narrative.startswith("Situation\nA meter was misread.\n\nTask\nPut the bill")
    assert "Result\nCustomer satisfied." in item.narrative


def test_star_parts_are_dropped_from_other_types(enrolment):
    item = create(enrolment, code="O", situation="stray")
    assert item.situation == ""


# Links ------------------------------------------------------------------------------------


def test_evidence_links_to_the_learners_own_problems(enrolment, problem):
    item = create(enrolment, problems=[problem])
    assert list(item.problems.all()) == [problem]


def test_another_learners_problem_cannot_be_linked(enrolment, other_learner, centre):
    theirs = ProblemFactory(centre=centre, learner=other_learner)
    with pytest.raises(ValidationError, match="your own log"):
        create(enrolment, problems=[theirs])
    assert not EvidenceItem.objects.exists()


def test_another_learners_preventive_action_cannot_be_linked(enrolment, other_learner, centre):
    action = PreventiveAction.objects.create(
        centre=centre,
        learner=other_learner,
        title="New dispatch check",
        description="x",
        category="system_failure",
        implemented_on=datetime.date(2026, 2, 1),
    )
    with pytest.raises(ValidationError, match="your own preventive actions"):
        create(enrolment, preventive_actions=[action])


def test_a_repeated_problem_without_the_learners_problems_cannot_be_linked(
    enrolment, other_learner, centre, problem
):
    from analytics.models import CandidateIncident, RecurringCandidate

    theirs = ProblemFactory(centre=centre, learner=other_learner)
    candidate = RecurringCandidate.objects.create(
        centre=centre,
        category="system_failure",
        product="Broadband",
        first_at=theirs.received_at,
        last_at=theirs.received_at,
    )
    CandidateIncident.objects.create(candidate=candidate, problem=theirs)
    with pytest.raises(ValidationError, match="repeated problems"):
        create(enrolment, repeated_problems=[candidate])
    CandidateIncident.objects.create(candidate=candidate, problem=problem)
    assert list(create(enrolment, repeated_problems=[candidate]).repeated_problems.all()) == [
        candidate
    ]


def test_only_the_learner_adds_evidence(enrolment, assessor):
    with pytest.raises(ValidationError, match="Only the learner"):
        evidence_create(
            enrolment=enrolment,
            by=assessor,
            evidence_type=enrolment.unit.evidence_types.get(code="O"),
            title="x",
        )


# The simulation rule ----------------------------------------------------------------------


def test_simulation_evidence_cannot_map_to_performance_outcomes(enrolment):
    item = create(enrolment, code="S")
    with pytest.raises(ValidationError) as refused:
        mapping_save(
            item=item,
            by=enrolment.learner,
            outcomes=outcomes(enrolment.unit, "1.1"),
            knowledge_items=[],
            range_items=[],
        )
    message = " ".join(refused.value.messages)
    assert enrolment.unit.simulation_rule in message
    assert "Simulation is not allowed for any performance evidence within this unit." in message
    assert not item.outcome_mappings.exists()


def test_simulation_evidence_may_support_knowledge(enrolment):
    item = create(enrolment, code="S")
    knowledge = enrolment.unit.knowledge_items.get(code="12")
    mapping_save(
        item=item, by=enrolment.learner, outcomes=[], knowledge_items=[knowledge], range_items=[]
    )
    assert item.knowledge_mappings.get().confirmed


def test_knowledge_item_2_is_mapped_by_aspect(enrolment):
    item = create(enrolment)
    with pytest.raises(ValidationError, match="aspect by aspect"):
        mapping_save(
            item=item,
            by=enrolment.learner,
            outcomes=[],
            knowledge_items=[enrolment.unit.knowledge_items.get(code="2")],
            range_items=[],
        )


# Suggested and confirmed mapping ----------------------------------------------------------


def test_suggested_mappings_count_for_nothing_until_confirmed(enrolment):
    item = create(enrolment)
    mapping_suggest(item=item, outcomes={outcomes(enrolment.unit, "1.4")[0]: "from an action"})
    assert item.outcome_mappings.get().confirmed is False
    with pytest.raises(ValidationError, match="confirm at least one"):
        evidence_submit(item=item, by=enrolment.learner)

    mapping_save(
        item=item,
        by=enrolment.learner,
        outcomes=outcomes(enrolment.unit, "1.4"),
        knowledge_items=[],
        range_items=[],
    )
    mapping = item.outcome_mappings.get()
    assert mapping.confirmed
    assert mapping.confirmed_by == enrolment.learner
    assert mapping.confirmed_at is not None
    assert evidence_submit(item=item, by=enrolment.learner).status == "submitted"


def test_an_unticked_suggestion_stays_a_suggestion_and_an_unticked_claim_is_withdrawn(
    enrolment,
):
    item = create(enrolment)
    one_four, one_five = outcomes(enrolment.unit, "1.4", "1.5")
    mapping_suggest(item=item, outcomes={one_four: "suggested"})
    mapping_save(
        item=item, by=enrolment.learner, outcomes=[one_five], knowledge_items=[], range_items=[]
    )
    mapping_save(item=item, by=enrolment.learner, outcomes=[], knowledge_items=[], range_items=[])
    assert list(
        EvidenceOutcome.objects.filter(evidence=item).values_list("outcome__code", "confirmed")
    ) == [("1.4", False)]


def test_a_suggestion_never_overrides_a_confirmed_claim(enrolment):
    item = create(enrolment)
    (one_one,) = outcomes(enrolment.unit, "1.1")
    mapping_save(
        item=item, by=enrolment.learner, outcomes=[one_one], knowledge_items=[], range_items=[]
    )
    mapping_suggest(item=item, outcomes={one_one: "again"})
    assert item.outcome_mappings.get().confirmed


# Submitting and editing -------------------------------------------------------------------


def test_submit_needs_a_confirmed_mapping(enrolment):
    item = create(enrolment)
    with pytest.raises(ValidationError, match="cannot be submitted yet"):
        evidence_submit(item=item, by=enrolment.learner)
    item.refresh_from_db()
    assert item.status == EvidenceItem.Status.DRAFT


def test_submitted_evidence_is_read_only(enrolment):
    item = create(enrolment)
    mapping_save(
        item=item,
        by=enrolment.learner,
        outcomes=outcomes(enrolment.unit, "1.1"),
        knowledge_items=[],
        range_items=[],
    )
    evidence_submit(item=item, by=enrolment.learner)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        evidence_update(item=item, by=enrolment.learner, title="Changed")
    with pytest.raises(ValidationError, match="can no longer be changed"):
        evidence_submit(item=item, by=enrolment.learner)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        mapping_save(
            item=item, by=enrolment.learner, outcomes=[], knowledge_items=[], range_items=[]
        )


def test_changes_to_evidence_are_recorded_with_who_made_them(enrolment):
    item = create(enrolment)
    evidence_update(item=item, by=enrolment.learner, title="A better title")
    latest = item.history.latest()
    assert latest.title == "A better title"
    assert latest.history_user == enrolment.learner
