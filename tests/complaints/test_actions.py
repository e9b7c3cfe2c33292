"""The timeline of actions, each showing an element 1 outcome."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from complaints.models import ActionKind, Status
from complaints.selectors import problem_history, problem_outcomes
from complaints.services import action_add, problem_update
from tests.complaints.factories import ProblemFactory


def at(problem, minutes):
    return problem.received_at + datetime.timedelta(minutes=minutes)


def test_responding_to_a_new_problem_acknowledges_it(problem, learner):
    action_add(
        problem=problem,
        by=learner,
        kind=ActionKind.RESPONDED,
        taken_at=at(problem, 20),
        description="Apologised and took the details.",
    )
    problem.refresh_from_db()
    assert problem.status == Status.ACKNOWLEDGED
    assert problem.acknowledged_at == at(problem, 20)


@pytest.mark.parametrize(
    ("kind", "extra", "field"),
    [
        (ActionKind.WORKED_WITH_OTHERS, {}, "with_whom"),
        (ActionKind.INFORMED_AUTHORITY, {}, "with_whom"),
        (ActionKind.SATISFACTION_CHECKED, {"customer_words": "Happy now"}, "satisfaction_score"),
        (ActionKind.SATISFACTION_CHECKED, {"satisfaction_score": 4}, "customer_words"),
    ],
)
def test_each_kind_of_action_asks_for_what_the_unit_needs(problem, learner, kind, extra, field):
    with pytest.raises(ValidationError) as excinfo:
        action_add(
            problem=problem,
            by=learner,
            kind=kind,
            taken_at=at(problem, 30),
            description="Did it.",
            **extra,
        )
    assert field in excinfo.value.message_dict
    assert not problem.actions.exists()


def test_a_customer_reported_problem_cannot_be_solved_before_the_customer_knew(problem, learner):
    with pytest.raises(ValidationError, match="cannot be solved before they knew"):
        action_add(
            problem=problem,
            by=learner,
            kind=ActionKind.SOLVED_BEFORE_AWARE,
            taken_at=at(problem, 30),
            description="Fixed it.",
        )


def test_a_problem_spotted_by_a_colleague_can_be_solved_before_customers_knew(enrolment):
    problem = ProblemFactory(
        centre=enrolment.centre, learner=enrolment.learner, identified_by="colleague"
    )
    action = action_add(
        problem=problem,
        by=enrolment.learner,
        kind=ActionKind.SOLVED_BEFORE_AWARE,
        taken_at=at(problem, 30),
        description="Corrected the tariff table before billing ran.",
    )
    assert action.outcome_code == "1.6"


def test_an_action_cannot_come_before_the_problem(problem, learner):
    with pytest.raises(ValidationError, match="before the problem was received"):
        action_add(
            problem=problem,
            by=learner,
            kind=ActionKind.RESPONDED,
            taken_at=at(problem, -5),
            description="x",
        )


def test_the_problem_shows_which_outcomes_its_actions_evidence(problem, learner):
    action_add(
        problem=problem,
        by=learner,
        kind=ActionKind.RESPONDED,
        taken_at=at(problem, 10),
        description="Responded.",
    )
    action_add(
        problem=problem,
        by=learner,
        kind=ActionKind.WORKED_WITH_OTHERS,
        taken_at=at(problem, 20),
        description="Asked dispatch.",
        with_whom="Dispatch team",
    )
    action_add(
        problem=problem,
        by=learner,
        kind=ActionKind.SATISFACTION_CHECKED,
        taken_at=at(problem, 90),
        description="Called back.",
        satisfaction_score=5,
        customer_words="Brilliant, thank you",
    )
    shown = {o.code: o.shown for o in problem_outcomes(problem=problem)}
    assert shown == {
        "1.1": True,
        "1.2": False,
        "1.3": True,
        "1.4": False,
        "1.5": True,
        "1.6": False,
        "1.7": False,
    }


def test_personal_data_in_free_text_is_flagged(problem, learner):
    updated = problem_update(
        problem=problem, by=learner, description="Called Mrs Patel back on 07700 900123"
    )
    kinds = {f["kind"] for f in updated.personal_data_flags}
    assert kinds == {"name with a title", "phone number"}


def test_the_history_shows_who_changed_what_from_old_to_new(problem, learner):
    problem_update(problem=problem, by=learner, product="Fibre broadband")
    entries = problem_history(problem=problem)
    changed = entries[0]
    assert changed.what == "Problem changed"
    assert ("Product", "Broadband", "Fibre broadband") in changed.changes


def test_the_history_does_not_keep_personal_data_readable_after_it_is_edited_out(problem, learner):
    problem_update(problem=problem, by=learner, description="Called Mrs Patel on 07700 900123")
    problem_update(problem=problem, by=learner, description="Called the customer back")
    text = str([entry.changes for entry in problem_history(problem=problem)])
    assert "Patel" not in text
    assert "07700" not in text
    assert "[redacted]" in text
