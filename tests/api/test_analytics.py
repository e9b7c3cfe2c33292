"""The engine's results over the API: a centre's key or a manager reads the current signals
and starts and follows a full analysis; nobody else reads any of it."""

from __future__ import annotations

import datetime

from django.utils import timezone

from analytics.models import AnalysisRun, RecurringCandidate, Signal
from tests.api.conftest import session_client
from tests.complaints.factories import ProblemFactory

SIGNALS = "/api/v1/analytics/signals/"
RUNS = "/api/v1/analytics/runs/"


def spike(centre, **fields) -> Signal:
    today = timezone.localdate()
    values = dict(
        centre=centre,
        dimension="product",
        key="Broadband",
        granularity="week",
        period_start=today - datetime.timedelta(days=7),
        period_end=today - datetime.timedelta(days=1),
        observed=30,
        expected=8.5,
        threshold=15.2,
        score=4.1,
        p_value=0.0004,
        method="ears_c2",
    )
    values.update(fields)
    return Signal.objects.create(**values)


def candidate(centre, learner) -> RecurringCandidate:
    problems = ProblemFactory.create_batch(3, centre=centre, learner=learner)
    found = RecurringCandidate.objects.create(
        centre=centre,
        category="system_failure",
        product="Broadband",
        size=3,
        first_at=problems[0].received_at,
        last_at=problems[-1].received_at,
        shared_words=["router"],
        cohesion=0.6,
    )
    found.incidents.set(problems)
    return found


def test_a_key_reads_its_centres_current_signals_with_their_figures(reader, centre, learner):
    spike(centre)
    spike(centre, key="Mobile", active=False)
    found = candidate(centre, learner)

    body = reader.get(SIGNALS).json()

    assert body["centre"] == "harbour"
    assert [(s["key"], s["observed"], s["expected"]) for s in body["spikes"]] == [
        ("Broadband", 30, 8.5)
    ]
    assert body["candidates"][0]["id"] == found.pk
    assert len(body["candidates"][0]["problem_ids"]) == 3
    assert body["effectiveness"] == []


def test_a_key_of_another_centre_sees_none_of_this_centres_analysis(
    outsider, centre, learner, manager
):
    spike(centre)
    candidate(centre, learner)
    run = AnalysisRun.objects.create(centre=centre, trigger="manual")

    body = outsider.get(SIGNALS).json()
    assert (body["spikes"], body["candidates"], body["centre"]) == ([], [], "elsewhere")
    assert outsider.get(SIGNALS, {"centre": "harbour"}).status_code == 404
    assert outsider.get(f"{RUNS}{run.pk}/").status_code == 404


def test_a_write_key_starts_a_run_and_polls_it(
    writer, centre, learner, eager_jobs, django_capture_on_commit_callbacks
):
    ProblemFactory.create_batch(3, centre=centre, learner=learner)

    with django_capture_on_commit_callbacks(execute=True):
        started = writer.post(RUNS, {}, format="json")

    assert started.status_code == 202, started.json()
    run = AnalysisRun.objects.get(pk=started.json()["id"])
    assert (run.trigger, run.scope, run.requested_by) == ("api", "full", None)
    polled = writer.get(started.json()["url"]).json()
    assert polled["status"] == "succeeded"


def test_a_run_already_under_way_is_returned_instead_of_a_second(writer, centre):
    queued = AnalysisRun.objects.create(centre=centre, trigger="manual")

    response = writer.post(RUNS, {}, format="json")

    assert response.status_code == 200
    assert response.json()["id"] == queued.pk
    assert AnalysisRun.objects.count() == 1


def test_a_run_says_when_it_waits_for_the_job_service_or_has_stalled(writer, centre, settings):
    waiting = AnalysisRun.objects.create(centre=centre, trigger="api", heartbeat_at=None)
    silent_since = timezone.now() - datetime.timedelta(
        seconds=settings.CASEBOOK_JOB_STALE_SECONDS + 60
    )
    stalled = AnalysisRun.objects.create(
        centre=centre, trigger="api", status="running", heartbeat_at=silent_since
    )
    moving = AnalysisRun.objects.create(
        centre=centre, trigger="api", status="running", heartbeat_at=timezone.now()
    )

    def flags(run):
        body = writer.get(f"{RUNS}{run.pk}/").json()
        return body["waiting_for_job_service"], body["stalled"]

    assert flags(waiting) == (True, False)
    assert flags(stalled) == (False, True)
    assert flags(moving) == (False, False)


def test_a_read_key_may_not_start_a_run(reader, centre):
    assert reader.post(RUNS, {}, format="json").status_code == 403
    assert not AnalysisRun.objects.exists()


def test_managers_signed_in_read_the_centres_they_manage_and_no_one_else_does(
    centre, manager, learner, assessor, other_centre_manager
):
    spike(centre)
    assert len(session_client(manager).get(SIGNALS).json()["spikes"]) == 1
    assert session_client(manager).get(SIGNALS, {"centre": "elsewhere"}).status_code == 404
    assert session_client(other_centre_manager).get(SIGNALS).json()["spikes"] == []
    for person in (learner, assessor):
        assert session_client(person).get(SIGNALS).status_code == 403
        assert session_client(person).post(RUNS, {}, format="json").status_code == 403
