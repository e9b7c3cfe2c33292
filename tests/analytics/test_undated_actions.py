"""A preventive action still planned (awaiting the authority, or refused) has no date: the
engine measures only changes in place, and a planned one never breaks an analysis."""

from __future__ import annotations

import pytest
from django.utils import timezone

from analytics.models import AnalysisRun, Effectiveness
from complaints.models import PreventiveAction, Problem
from complaints.services import problem_create
from tests.analytics.conftest import full_run


@pytest.fixture
def planned(centre, learner, generated):
    return PreventiveAction.objects.create(
        centre=centre,
        learner=learner,
        title="Ask the supplier for a fix",
        description="Waiting for the operations manager's decision.",
        category="system_failure",
        product="Broadband",
        implemented_on=None,
    )


def test_a_full_pass_measures_changes_in_place_and_skips_a_planned_one(centre, planned):
    run = full_run(centre)
    assert run.status == AnalysisRun.Status.SUCCEEDED, run.error
    assert not Effectiveness.objects.filter(action=planned).exists()


def test_an_incremental_update_skips_a_planned_one(
    centre, learner, planned, django_capture_on_commit_callbacks, eager_jobs
):
    full_run(centre)
    member = Problem.objects.filter(centre=centre, category="system_failure").first()
    with django_capture_on_commit_callbacks(execute=True):
        new = problem_create(
            centre=centre,
            learner=learner,
            received_at=timezone.now(),
            identified_by=member.identified_by,
            channel=member.channel,
            product=member.product,
            category="system_failure",
            description=member.description,
        )
    run = AnalysisRun.objects.get(scope=AnalysisRun.Scope.INCREMENTAL, problem_id=new.pk)
    assert run.status == AnalysisRun.Status.SUCCEEDED, run.error
    assert not Effectiveness.objects.filter(action=planned).exists()
