"""Repeated problems (element 2): the rules the services apply, whoever calls them."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from complaints import repeated as services
from complaints.models import RepeatedProblem
from tests.complaints.factories import OptionFactory, ProblemFactory, RepeatedProblemFactory


@pytest.fixture
def record(enrolment):
    return RepeatedProblemFactory(centre=enrolment.centre, learner=enrolment.learner)


def _consulted(record):
    return services.repeated_problem_consult(
        repeated_problem=record,
        consulted_with="Team leader",
        consulted_on=timezone.localdate(),
        agreed="Check dispatch daily.",
    )


def test_a_repeated_problem_is_made_of_three_or_more_of_the_learners_own_problems(centre, learner):
    problems = ProblemFactory.create_batch(3, centre=centre, learner=learner)
    record = services.repeated_problem_create(
        learner=learner,
        centre=centre,
        incidents=problems,
        title="Late routers",
        pattern="Routers arrive late.",
        root_cause_whys=["Orders are batched", "", "Courier collects once a week"],
    )
    assert set(record.incidents.all()) == set(problems)
    assert record.root_cause_whys == ["Orders are batched", "Courier collects once a week"]
    assert record.status == RepeatedProblem.Status.OPEN
    assert record.history.count() == 1


def test_two_incidents_are_not_a_repeated_problem(centre, learner):
    problems = ProblemFactory.create_batch(2, centre=centre, learner=learner)
    with pytest.raises(ValidationError, match="three or more"):
        services.repeated_problem_create(
            learner=learner, centre=centre, incidents=problems, title="t", pattern="p"
        )


def test_another_learners_problems_cannot_be_incidents(centre, learner, other_learner):
    problems = ProblemFactory.create_batch(2, centre=centre, learner=learner)
    problems.append(ProblemFactory(centre=centre, learner=other_learner))
    with pytest.raises(ValidationError, match="your own log"):
        services.repeated_problem_create(
            learner=learner, centre=centre, incidents=problems, title="t", pattern="p"
        )


def test_a_record_with_fewer_than_two_options_cannot_be_decided(record):
    option = OptionFactory(repeated_problem=record)
    _consulted(record)
    assert services.decide_blockers(repeated_problem=record) == [
        "Consider at least two options before choosing one; this record has 1."
    ]
    with pytest.raises(ValidationError, match="at least two options"):
        services.repeated_problem_decide(
            repeated_problem=record, option=option, justification="Best for both."
        )
    record.refresh_from_db()
    assert record.status == RepeatedProblem.Status.OPEN


def test_deciding_needs_the_way_forward_agreed_with_others(record):
    first, _ = OptionFactory.create_batch(2, repeated_problem=record)
    with pytest.raises(ValidationError, match="agreed the way forward"):
        services.repeated_problem_decide(
            repeated_problem=record, option=first, justification="Best for both."
        )


def test_choosing_an_option_decides_the_record_once(record):
    first, second = OptionFactory.create_batch(2, repeated_problem=record)
    _consulted(record)
    decided = services.repeated_problem_decide(
        repeated_problem=record, option=second, justification="Customers get routers on time."
    )
    assert decided.status == RepeatedProblem.Status.DECIDED
    assert decided.chosen_option == second
    assert decided.decided_at is not None
    with pytest.raises(ValidationError, match="already been decided"):
        services.repeated_problem_decide(
            repeated_problem=record, option=first, justification="Changed my mind."
        )


def test_the_chosen_option_must_be_one_of_the_records_own(record, enrolment):
    OptionFactory.create_batch(2, repeated_problem=record)
    _consulted(record)
    elsewhere = OptionFactory(
        repeated_problem=RepeatedProblemFactory(centre=record.centre, learner=record.learner)
    )
    with pytest.raises(ValidationError):
        services.repeated_problem_decide(
            repeated_problem=record, option=elsewhere, justification="Why not."
        )


def test_options_are_fixed_once_the_record_is_decided(record):
    first, second = OptionFactory.create_batch(2, repeated_problem=record)
    _consulted(record)
    services.repeated_problem_decide(repeated_problem=record, option=first, justification="x")
    record.refresh_from_db()
    with pytest.raises(ValidationError, match="no longer possible"):
        services.option_add(
            repeated_problem=record, title="Late idea", basis="formal_procedure", feasibility="high"
        )
    with pytest.raises(ValidationError, match="no longer possible"):
        services.option_update(option=second, title="Renamed")


def test_a_consultation_cannot_be_dated_in_the_future(record):
    with pytest.raises(ValidationError):
        services.repeated_problem_consult(
            repeated_problem=record,
            consulted_with="Manager",
            consulted_on=timezone.localdate() + datetime.timedelta(days=2),
            agreed="Something",
        )


def test_an_option_records_both_points_of_view_and_its_basis(record):
    option = services.option_add(
        repeated_problem=record,
        title="Refund delivery charge",
        basis="authorised_exception",
        customer_advantages="Money back",
        organisation_disadvantages="Lost revenue",
        cost="£4.99 per order",
        feasibility="medium",
    )
    assert option.get_basis_display() == "An agreed/authorised exception to usual practice"
    assert option.history.count() == 1
