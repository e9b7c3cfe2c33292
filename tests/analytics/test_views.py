"""The manager's analysis page: who may see it, what it shows, and starting a run."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.models import AnalysisRun, Effectiveness, RecurringCandidate, Signal
from complaints.models import PreventiveAction

OVERVIEW = reverse("analytics:overview")


def _start_url(centre) -> str:
    return reverse("analytics:start", args=[centre.slug])


@pytest.fixture
def findings(centre, learner):
    today = timezone.localdate()
    Signal.objects.create(
        centre=centre,
        dimension="product",
        key="Smart meters",
        granularity="week",
        period_start=today - datetime.timedelta(days=today.weekday() + 7),
        period_end=today - datetime.timedelta(days=today.weekday() + 1),
        observed=41,
        expected=12.5,
        threshold=22.0,
        score=2.4,
        p_value=0.0002,
        method="ears_c3",
    )
    RecurringCandidate.objects.create(
        centre=centre,
        category="system_failure",
        product="Smart meters",
        size=4,
        first_at=timezone.now() - datetime.timedelta(days=20),
        last_at=timezone.now() - datetime.timedelta(days=2),
        shared_words=["meter reading", "estimated bill"],
    )
    action = PreventiveAction.objects.create(
        centre=centre,
        learner=learner,
        title="Second check on meter readings",
        description="Readings are checked twice before a bill goes out.",
        category="system_failure",
        product="Smart meters",
        implemented_on=today - datetime.timedelta(days=200),
    )
    Effectiveness.objects.create(
        action=action,
        computed_at=timezone.now(),
        before_start=today - datetime.timedelta(days=410),
        before_end=today - datetime.timedelta(days=228),
        after_start=today - datetime.timedelta(days=186),
        after_end=today,
        verdict="effective",
        summary="Effective: down 38% (95% CI 20–52%), p = 0.003; 90 problems in the 26 weeks "
        "before, 56 in the 26 weeks after.",
    )
    AnalysisRun.objects.create(
        centre=centre,
        trigger=AnalysisRun.Trigger.NIGHTLY,
        status=AnalysisRun.Status.SUCCEEDED,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        duration_ms=1834,
        counts={"problems": 5210, "signals": 1, "candidates_new": 1},
    )


def test_a_manager_sees_the_runs_spikes_candidates_and_action_results(client, manager, findings):
    client.force_login(manager)
    page = client.get(OVERVIEW)
    assert page.status_code == 200
    html = page.content.decode()
    for text in (
        "Smart meters",
        "EARS C3 (short history)",
        "meter reading, estimated bill",
        "Second check on meter readings",
        "down 38% (95% CI 20–52%), p = 0.003",
        "1,834 ms",
        "5,210 problems",
        "Run the analysis now",
    ):
        assert text in html, text


def test_a_manager_sees_nothing_of_another_centre(client, other_centre_manager, findings):
    client.force_login(other_centre_manager)
    html = client.get(OVERVIEW).content.decode()
    assert "Smart meters" not in html
    assert "Second check on meter readings" not in html


@pytest.mark.parametrize("persona", ["learner", "assessor", "verifier", "centre_admin"])
def test_people_who_are_not_managers_get_404(client, persona, request, findings):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(OVERVIEW).status_code == 404
    assert client.post(_start_url(request.getfixturevalue("centre"))).status_code == 404


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client):
    page = client.get(OVERVIEW)
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("login"))


def test_a_manager_starts_a_run_which_is_recorded_with_who_asked(
    client, manager, centre, django_capture_on_commit_callbacks, eager_jobs
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(_start_url(centre), follow=True)
    assert page.status_code == 200
    run = AnalysisRun.objects.get()
    assert (run.trigger, run.requested_by, run.status) == ("manual", manager, "succeeded")
    assert "Analysis of Harbour Energy started." in page.content.decode()


def test_a_second_start_while_one_is_queued_does_not_queue_another(client, manager, centre):
    AnalysisRun.objects.create(centre=centre, trigger=AnalysisRun.Trigger.MANUAL)
    client.force_login(manager)
    page = client.post(_start_url(centre), follow=True)
    assert AnalysisRun.objects.count() == 1
    assert "already queued" in page.content.decode()


def test_a_manager_cannot_start_a_run_for_another_centre(client, manager, other_centre):
    client.force_login(manager)
    assert client.post(_start_url(other_centre)).status_code == 404
    assert not AnalysisRun.objects.exists()


def test_starting_a_run_needs_a_post(client, manager, centre):
    client.force_login(manager)
    assert client.get(_start_url(centre)).status_code == 405
