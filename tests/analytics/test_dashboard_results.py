"""What the full pass stores for the manager's dashboard, beside spikes and candidates:
service levels and satisfaction per week, root causes per week, each preventive action's
weekly before/after counts, and how far a running pass has got."""

from __future__ import annotations

import datetime

from django.db.models import Sum
from django.utils import timezone

from analytics.models import (
    AnalysisRun,
    Effectiveness,
    SatisfactionWeek,
    SeriesCount,
    ServiceWeek,
)
from analytics.services import store
from complaints.models import Action, Problem
from complaints.services import problem_create
from tests.analytics.conftest import full_run, store_generated


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def test_service_levels_are_stored_per_week_and_type_and_add_up_to_the_log(centre, generated):
    full_run(centre)
    overall = ServiceWeek.objects.filter(centre=centre, category="")
    assert overall.aggregate(n=Sum("received"))["n"] == generated.problems
    by_type = ServiceWeek.objects.filter(centre=centre).exclude(category="")
    assert by_type.aggregate(n=Sum("received"))["n"] == generated.problems
    for row in ServiceWeek.objects.filter(centre=centre):
        assert row.response_on_time <= row.response_measured <= row.received
        assert row.resolution_on_time <= row.resolution_measured <= row.received


def test_a_weeks_resolutions_within_target_match_the_problems_themselves(centre, generated):
    full_run(centre)
    row = ServiceWeek.objects.filter(centre=centre, category="").order_by("week")[10]
    start = datetime.datetime.combine(
        row.week, datetime.time(), tzinfo=timezone.get_default_timezone()
    )
    week = Problem.objects.filter(
        centre=centre, received_at__gte=start, received_at__lt=start + datetime.timedelta(days=7)
    )
    assert row.received == week.count()
    on_time = [p for p in week if p.resolved_at and p.resolved_at <= p.resolution_due]
    assert row.resolution_on_time == len(on_time)


def test_satisfaction_scores_are_stored_per_week_of_asking(centre, learner):
    store_generated(centre, [learner], days=60, mean_per_day=6, with_actions=True)
    full_run(centre)
    scored = Action.objects.filter(problem__centre=centre, satisfaction_score__isnull=False)
    assert scored.exists()
    overall = SatisfactionWeek.objects.filter(centre=centre, category="")
    assert overall.aggregate(n=Sum("count"))["n"] == scored.count()
    assert (
        overall.aggregate(t=Sum("total"))["t"] == scored.aggregate(t=Sum("satisfaction_score"))["t"]
    )
    first = scored.order_by("taken_at").first()
    week = overall.get(week=_monday(timezone.localdate(first.taken_at)))
    assert sum(week.scores) == week.count
    assert len(week.scores) == 5


def test_root_causes_are_counted_per_week_and_a_new_problem_with_one_is_added(
    centre, learner, generated, django_capture_on_commit_callbacks, eager_jobs
):
    full_run(centre)
    weekly = SeriesCount.objects.filter(
        centre=centre, granularity="week", dimension="root_cause_category"
    )
    recorded = Problem.objects.filter(centre=centre).exclude(root_cause_category="")
    assert weekly.aggregate(n=Sum("count"))["n"] == recorded.count() > 0
    template = Problem.objects.filter(centre=centre).order_by("-received_at").first()
    received = template.received_at - datetime.timedelta(hours=1)
    monday = _monday(timezone.localdate(received))
    before = weekly.filter(key="policy", day=monday).aggregate(n=Sum("count"))["n"] or 0
    with django_capture_on_commit_callbacks(execute=True):
        problem_create(
            centre=centre,
            learner=learner,
            received_at=received,
            identified_by=template.identified_by,
            channel=template.channel,
            product=template.product,
            category=template.category,
            description=template.description,
            root_cause_category="policy",
        )
    assert weekly.get(key="policy", day=monday).count == before + 1
    # The spikes' weekly counts are untouched by the extra dimension.
    assert not SeriesCount.objects.filter(
        centre=centre, granularity="week", dimension="category_product"
    ).exists()


def test_each_preventive_action_keeps_its_weekly_counts_before_and_after(centre, learner):
    store_generated(centre, [learner], days=540, mean_per_day=20, actions_effective=1)
    full_run(centre)
    result = Effectiveness.objects.select_related("action").first()
    assert result.weekly
    phases = [week["phase"] for week in result.weekly]
    assert phases[0] == "before"
    assert phases[-1] == "after"
    assert phases == sorted(phases, key=["before", "guard", "lag", "after"].index)
    before = sum(week["count"] for week in result.weekly if week["phase"] == "before")
    after = sum(week["count"] for week in result.weekly if week["phase"] == "after")
    assert (before, after) == (result.count_before, result.count_after)
    assert result.weekly[0]["start"] == result.before_start.isoformat()


def test_a_running_pass_records_each_step_and_ends_at_100_percent(centre, generated, monkeypatch):
    seen = []
    original = store.run_progress

    def spy(*, run, percent, step):
        seen.append(percent)
        original(run=run, percent=percent, step=step)
        assert AnalysisRun.objects.get(pk=run.pk).step == step

    monkeypatch.setattr(store, "run_progress", spy)
    run = full_run(centre)
    assert seen == sorted(seen)
    assert len(seen) >= 6
    run.refresh_from_db()
    assert (run.progress, run.step, run.status) == (100, "", AnalysisRun.Status.SUCCEEDED)


def test_a_centre_whose_log_was_emptied_loses_its_service_levels(centre, generated):
    full_run(centre)
    assert ServiceWeek.objects.filter(centre=centre).exists()
    Problem.objects.filter(centre=centre).delete()
    full_run(centre)
    assert not ServiceWeek.objects.filter(centre=centre).exists()
