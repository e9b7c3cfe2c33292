"""The status workflow and the service-level clock, enforced in complaints.services."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from complaints.models import ActionKind, ServiceLevel, Status
from complaints.services import problem_create, problem_transition

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def hours(n):
    return datetime.timedelta(hours=n)


@pytest.fixture
def logged(enrolment):
    ServiceLevel.objects.create(
        centre=enrolment.centre, first_response_hours=4, resolution_hours=48
    )
    return problem_create(
        centre=enrolment.centre,
        learner=enrolment.learner,
        received_at=T0,
        identified_by="customer",
        product="Broadband",
        category="system_failure",
        description="Router not dispatched after the order was confirmed.",
    )


def test_a_new_problem_gets_a_reference_and_due_times_from_the_centres_targets(logged):
    assert logged.status == Status.NEW
    assert logged.reference == "HARBOUR-00001"
    assert logged.first_response_due == T0 + hours(4)
    assert logged.resolution_due == T0 + hours(48)


def test_problem_numbers_run_on_per_centre(logged, enrolment):
    second = problem_create(
        centre=enrolment.centre,
        learner=enrolment.learner,
        received_at=T0,
        identified_by="learner",
        product="Billing",
        category="resource_or_error",
        description="Invoice run failed overnight.",
    )
    assert second.number == logged.number + 1


def test_only_learners_of_the_centre_log_problems_there(enrolment, other_centre):
    with pytest.raises(ValidationError, match="is not a learner at"):
        problem_create(
            centre=other_centre,
            learner=enrolment.learner,
            received_at=T0,
            identified_by="customer",
            product="X",
            category="other",
            description="x",
        )


def test_the_happy_path_runs_from_new_to_closed(logged, learner):
    for step, to in enumerate(
        [Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED], start=1
    ):
        logged = problem_transition(problem=logged, by=learner, to=to, at=T0 + hours(step))
    assert logged.acknowledged_at == T0 + hours(1)
    assert logged.resolved_at == T0 + hours(3)
    assert logged.closed_at == T0 + hours(4)


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (Status.NEW, Status.CLOSED),
        (Status.NEW, Status.AWAITING_CUSTOMER),
        (Status.CLOSED, Status.IN_PROGRESS),
    ],
)
def test_moves_outside_the_workflow_are_refused(logged, learner, start, to):
    logged.status = start
    logged.save()
    with pytest.raises(ValidationError, match="cannot go from"):
        problem_transition(problem=logged, by=learner, to=to)


def test_resolving_twice_is_refused_rather_than_applied_twice(logged, learner):
    first = problem_transition(problem=logged, by=learner, to=Status.RESOLVED, at=T0 + hours(1))
    with pytest.raises(ValidationError, match="already resolved"):
        # The stale object from another tab still says "new".
        problem_transition(problem=logged, by=learner, to=Status.RESOLVED, at=T0 + hours(2))
    logged.refresh_from_db()
    assert logged.resolved_at == first.resolved_at


def test_waiting_on_the_customer_pauses_the_resolution_clock(logged, learner):
    p = problem_transition(problem=logged, by=learner, to=Status.ACKNOWLEDGED, at=T0 + hours(1))
    p = problem_transition(problem=p, by=learner, to=Status.AWAITING_CUSTOMER, at=T0 + hours(2))
    assert p.clock_paused
    assert not p.is_resolution_overdue(T0 + hours(100))
    p = problem_transition(problem=p, by=learner, to=Status.IN_PROGRESS, at=T0 + hours(26))
    assert p.paused_seconds == 24 * 3600
    assert p.resolution_due == T0 + hours(48 + 24)
    assert not p.is_resolution_overdue(T0 + hours(70))
    assert p.is_resolution_overdue(T0 + hours(73))


def test_escalating_needs_a_reason_which_joins_the_timeline(logged, learner):
    with pytest.raises(ValidationError, match="Say why"):
        problem_transition(problem=logged, by=learner, to=Status.ESCALATED)
    p = problem_transition(
        problem=logged, by=learner, to=Status.ESCALATED, note="Refund above my limit: team leader"
    )
    [note] = p.actions.all()
    assert note.kind == ActionKind.NOTE
    assert "Refund above my limit" in note.description


def test_reopening_clears_the_resolution(logged, learner):
    p = problem_transition(problem=logged, by=learner, to=Status.RESOLVED)
    p = problem_transition(problem=p, by=learner, to=Status.REOPENED, note="Router failed again")
    assert p.resolved_at is None
    assert p.is_open


def test_a_first_response_is_overdue_once_its_target_passes_unanswered(logged):
    assert not logged.is_response_overdue(T0 + hours(3))
    assert logged.is_response_overdue(T0 + hours(5))


def test_only_the_learner_changes_their_problem(logged, assessor):
    with pytest.raises(PermissionError):
        problem_transition(problem=logged, by=assessor, to=Status.ACKNOWLEDGED)


def test_every_change_is_recorded_in_the_history(logged, learner):
    problem_transition(problem=logged, by=learner, to=Status.ACKNOWLEDGED, at=timezone.now())
    statuses = [h.status for h in logged.history.order_by("history_date")]
    assert statuses == [Status.NEW, Status.ACKNOWLEDGED]
