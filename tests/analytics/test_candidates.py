"""Suggested repeated problems: the learner's queue and the manager's, confirming one into a
repeated problem, dismissing one with a reason, and who may do either."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from analytics.models import CandidateIncident, RecurringCandidate
from analytics.selectors import candidates_with_learners
from analytics.services import candidate_confirm, candidate_dismiss
from complaints.models import RepeatedProblem
from tests.accounts.factories import member
from tests.analytics.conftest import full_run
from tests.complaints.factories import ProblemFactory

QUEUE = reverse("analytics:suggestions")
OVERVIEW = reverse("analytics:overview")


def _candidate(centre, problems, **fields) -> RecurringCandidate:
    candidate = RecurringCandidate.objects.create(
        centre=centre,
        category="system_failure",
        product="Broadband",
        size=len(problems),
        first_at=min(p.received_at for p in problems),
        last_at=max(p.received_at for p in problems),
        shared_words=["router", "dispatch", "order"],
        **fields,
    )
    CandidateIncident.objects.bulk_create(
        CandidateIncident(candidate=candidate, problem=p) for p in problems
    )
    return candidate


@pytest.fixture
def mine(enrolment):
    return ProblemFactory.create_batch(3, centre=enrolment.centre, learner=enrolment.learner)


@pytest.fixture
def theirs(centre, other_learner):
    return ProblemFactory.create_batch(2, centre=centre, learner=other_learner)


@pytest.fixture
def candidate(centre, mine, theirs):
    return _candidate(centre, [*mine, *theirs])


@pytest.fixture
def other_assessor(centre):
    return member(centre=centre, role=Role.ASSESSOR, username="otto")


@pytest.fixture
def persona(request):
    return request.getfixturevalue


def _confirm_url(candidate):
    return reverse("analytics:candidate-confirm", args=[candidate.pk])


def _dismiss_url(candidate):
    return reverse("analytics:candidate-dismiss", args=[candidate.pk])


# --- Services ---------------------------------------------------------------------------------


def test_confirming_makes_a_repeated_problem_of_the_learners_own_incidents(
    candidate, learner, mine
):
    record = candidate_confirm(candidate=candidate, by=learner, learner=learner)
    candidate.refresh_from_db()
    assert candidate.status == RecurringCandidate.Status.CONFIRMED
    assert record.source_candidate_id == candidate.pk
    assert set(record.incidents.all()) == set(mine)
    assert record.title == "Broadband: router, dispatch, order"
    assert record.shared_words == ["router", "dispatch", "order"]
    assert record.identified_how == "individually"


def test_a_candidate_is_confirmed_once(candidate, learner):
    candidate_confirm(candidate=candidate, by=learner, learner=learner)
    with pytest.raises(ValidationError, match="already been confirmed"):
        candidate_confirm(candidate=candidate, by=learner, learner=learner)
    assert RepeatedProblem.objects.count() == 1


def test_a_learner_with_two_incidents_in_it_cannot_confirm_it(candidate, other_learner):
    with pytest.raises(ValidationError, match="needs three or more"):
        candidate_confirm(candidate=candidate, by=other_learner, learner=other_learner)
    candidate.refresh_from_db()
    assert candidate.status == RecurringCandidate.Status.PROPOSED


def test_a_manager_confirming_is_recorded_as_identified_with_colleagues(
    candidate, manager, learner
):
    record = candidate_confirm(candidate=candidate, by=manager, learner=learner)
    assert record.learner == learner
    assert record.identified_how == "with_colleagues"
    assert manager.display_name in record.identified_with


def test_dismissing_records_the_reason_who_and_when(candidate, learner):
    candidate_dismiss(candidate=candidate, by=learner, reason="Different causes each time.")
    candidate.refresh_from_db()
    assert candidate.status == RecurringCandidate.Status.DISMISSED
    assert candidate.dismissed_reason == "Different causes each time."
    assert candidate.dismissed_by == learner
    assert candidate.dismissed_at is not None


def test_dismissing_needs_a_reason(candidate, learner):
    with pytest.raises(ValidationError):
        candidate_dismiss(candidate=candidate, by=learner, reason="  ")


def test_a_dismissed_candidate_is_not_proposed_again_after_a_full_pass(centre, generated, manager):
    full_run(centre)
    candidate = RecurringCandidate.objects.filter(centre=centre).order_by("pk").first()
    members = set(candidate.incidents.values_list("pk", flat=True))
    candidate_dismiss(candidate=candidate, by=manager, reason="A supplier issue, now fixed.")
    full_run(centre)
    candidate.refresh_from_db()
    assert candidate.status == RecurringCandidate.Status.DISMISSED
    assert not RecurringCandidate.objects.filter(
        centre=centre, status=RecurringCandidate.Status.PROPOSED, incidents__in=members
    ).exists()


def test_a_confirmed_candidate_stays_confirmed_after_a_full_pass(centre, generated, manager):
    full_run(centre)
    candidates = candidates_with_learners(list(RecurringCandidate.objects.filter(centre=centre)))
    candidate = next(c for c in candidates if c.confirmable)
    candidate_confirm(candidate=candidate, by=manager, learner=candidate.confirmable[0])
    full_run(centre)
    candidate.refresh_from_db()
    assert candidate.status == RecurringCandidate.Status.CONFIRMED
    assert RepeatedProblem.objects.get().source_candidate_id == candidate.pk


# --- The learner's queue ----------------------------------------------------------------------


def test_the_learner_sees_their_suggestions_with_only_their_own_incidents(
    client, learner, candidate, mine, theirs
):
    client.force_login(learner)
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert "3 of your problems" in response.text
    for problem in mine:
        assert problem.reference in response.text
    for problem in theirs:
        assert problem.reference not in response.text


def test_a_learner_with_two_incidents_sees_why_they_cannot_confirm(
    client, other_learner, candidate
):
    client.force_login(other_learner)
    response = client.get(QUEUE)
    assert "Only 2 of these are in your log" in response.text


def test_settled_suggestions_leave_the_queue(client, learner, candidate, manager):
    candidate_dismiss(candidate=candidate, by=manager, reason="Not the same problem.")
    client.force_login(learner)
    assert "of your problems" not in client.get(QUEUE).text


@pytest.mark.parametrize(
    "name", ["assessor", "verifier", "manager", "centre_admin", "other_centre_assessor"]
)
def test_the_suggestions_page_is_404_for_non_learners(client, persona, name):
    client.force_login(persona(name))
    assert client.get(QUEUE).status_code == 404


def test_the_learner_confirms_and_lands_on_the_prefilled_record(client, learner, candidate):
    client.force_login(learner)
    response = client.post(_confirm_url(candidate))
    record = RepeatedProblem.objects.get()
    assert response["Location"] == reverse("complaints:repeated-edit", args=[record.pk])
    page = client.get(response["Location"]).text
    assert "Broadband: router, dispatch, order" in page


def test_the_learner_dismisses_with_a_reason(client, learner, candidate):
    client.force_login(learner)
    assert client.get(_dismiss_url(candidate)).status_code == 200
    response = client.post(_dismiss_url(candidate), {"reason": "Each had a different cause."})
    assert response["Location"] == QUEUE
    candidate.refresh_from_db()
    assert candidate.status == RecurringCandidate.Status.DISMISSED
    assert candidate.dismissed_by == learner


def test_dismissing_without_a_reason_shows_the_form_again(client, learner, candidate):
    client.force_login(learner)
    response = client.post(_dismiss_url(candidate), {"reason": ""})
    assert response.status_code == 400
    candidate.refresh_from_db()
    assert candidate.status == RecurringCandidate.Status.PROPOSED


# --- Who may confirm or dismiss ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "other_centre_learner",
        "assessor",
        "verifier",
        "other_assessor",
        "centre_admin",
        "other_centre_manager",
    ],
)
def test_people_without_incidents_in_it_or_its_centre_get_404(client, persona, name, candidate):
    client.force_login(persona(name))
    assert client.post(_confirm_url(candidate)).status_code == 404
    assert client.get(_dismiss_url(candidate)).status_code == 404
    assert client.post(_dismiss_url(candidate), {"reason": "No"}).status_code == 404
    candidate.refresh_from_db()
    assert candidate.status == RecurringCandidate.Status.PROPOSED


def test_a_learner_with_none_of_the_incidents_gets_404(client, centre, candidate):
    stranger = member(centre=centre, role=Role.LEARNER, username="stan")
    client.force_login(stranger)
    assert client.post(_confirm_url(candidate)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, candidate):
    assert client.post(_confirm_url(candidate)).status_code == 302
    assert client.get(QUEUE).status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == RecurringCandidate.Status.PROPOSED


# --- The manager's queue on the Analysis page -------------------------------------------------


def test_the_manager_sees_confirm_for_each_learner_with_three_incidents(
    client, manager, candidate, learner, other_learner
):
    client.force_login(manager)
    response = client.get(OVERVIEW)
    assert f"Confirm for {learner.display_name}" in response.text
    assert f"Confirm for {other_learner.display_name}" not in response.text
    assert _dismiss_url(candidate) in response.text


def test_the_manager_confirms_for_a_learner(client, manager, candidate, learner):
    client.force_login(manager)
    response = client.post(_confirm_url(candidate), {"learner": learner.pk})
    assert response["Location"] == OVERVIEW
    record = RepeatedProblem.objects.get()
    assert record.learner == learner
    candidate.refresh_from_db()
    assert candidate.status == RecurringCandidate.Status.CONFIRMED


def test_the_manager_cannot_confirm_for_a_learner_with_too_few_incidents(
    client, manager, candidate, other_learner
):
    client.force_login(manager)
    client.post(_confirm_url(candidate), {"learner": other_learner.pk})
    assert not RepeatedProblem.objects.exists()
    candidate.refresh_from_db()
    assert candidate.status == RecurringCandidate.Status.PROPOSED


def test_the_manager_dismisses_with_a_reason(client, manager, candidate):
    client.force_login(manager)
    response = client.post(_dismiss_url(candidate), {"reason": "Known courier strike."})
    assert response["Location"] == OVERVIEW
    candidate.refresh_from_db()
    assert candidate.dismissed_by == manager


def test_a_dismissed_candidate_cannot_be_confirmed_afterwards(client, learner, manager, candidate):
    candidate_dismiss(candidate=candidate, by=manager, reason="Not repeated.")
    client.force_login(learner)
    assert client.post(_confirm_url(candidate)).status_code == 404
    assert not RepeatedProblem.objects.exists()


def test_the_old_candidate_dates_show_on_the_queue(client, learner, enrolment):
    old = [
        ProblemFactory(
            centre=enrolment.centre,
            learner=learner,
            received_at=timezone.now() - datetime.timedelta(days=d),
        )
        for d in (40, 30, 20)
    ]
    _candidate(enrolment.centre, old)
    client.force_login(learner)
    response = client.get(QUEUE)
    first = timezone.localtime(old[0].received_at)
    assert f"{first.day} {first:%b %Y}" in response.text
