"""The engine's Celery tasks: thin, id-taking, safe to deliver twice."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError

from analytics import tasks
from analytics.models import AnalysisRun
from analytics.services.runs import analysis_request_nightly
from tests.accounts.factories import CentreFactory
from tests.complaints.factories import ProblemFactory


def test_every_task_is_acknowledged_late_and_retries_only_a_database_that_went_away():
    for task in (
        tasks.analysis_run_task,
        tasks.problem_changed_task,
        tasks.problems_imported_task,
        tasks.nightly_task,
    ):
        assert task.acks_late is True
        assert set(task.autoretry_for) == {OperationalError, InterfaceError}
        assert task.retry_backoff is True


def test_the_nightly_job_queues_one_full_pass_per_centre_with_problems(
    problem, other_centre, django_capture_on_commit_callbacks, eager_jobs
):
    CentreFactory(name="Empty Centre", slug="empty")
    with django_capture_on_commit_callbacks(execute=True):
        runs = analysis_request_nightly()
    assert [r.centre for r in runs] == [problem.centre]
    run = AnalysisRun.objects.get()
    assert (run.trigger, run.scope, run.status) == ("nightly", "full", "succeeded")


def test_the_beat_schedule_runs_the_nightly_pass_and_expires_before_the_next(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["analytics-nightly"]
    assert entry["task"] == tasks.nightly_task.name
    assert entry["options"]["expires"] < 24 * 3600


def test_a_problem_that_is_gone_is_nothing_to_do(db):
    assert "gone" in tasks.problem_changed_task.apply(args=[987654]).get()
    assert not AnalysisRun.objects.exists()


def test_a_finished_run_delivered_again_does_nothing(problem):
    run = AnalysisRun.objects.create(centre=problem.centre, trigger=AnalysisRun.Trigger.MANUAL)
    assert "Finished" in tasks.analysis_run_task.apply(args=[run.pk]).get()
    assert "nothing to do" in tasks.analysis_run_task.apply(args=[run.pk]).get()
    assert AnalysisRun.objects.get(pk=run.pk).attempts == 1


def test_an_import_that_finished_queues_one_full_pass(problem, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tasks.problems_imported_task.apply(args=[problem.centre_id]).get()
    assert AnalysisRun.objects.get().trigger == "import"


def test_a_new_problem_is_analysed_after_its_transaction_commits(
    enrolment, django_capture_on_commit_callbacks, eager_jobs
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        problem = ProblemFactory(centre=enrolment.centre, learner=enrolment.learner)
        from complaints.services import problem_log_notify

        problem_log_notify(setting="CASEBOOK_PROBLEM_CHANGED_TASK", arg=problem.pk)
    assert not AnalysisRun.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    run = AnalysisRun.objects.get()
    assert (run.scope, run.problem_id, run.status) == ("incremental", problem.pk, "succeeded")


def test_a_failing_analysis_never_turns_a_saved_problem_into_an_error(
    enrolment, monkeypatch, django_capture_on_commit_callbacks, eager_jobs
):
    from complaints.models import Problem
    from complaints.services import problem_log_notify

    def broken(**kwargs):
        raise OperationalError("the analytics tables are not migrated")

    monkeypatch.setattr("analytics.services.analysis_incremental", broken)
    with django_capture_on_commit_callbacks(execute=True):
        problem = ProblemFactory(centre=enrolment.centre, learner=enrolment.learner)
        problem_log_notify(setting="CASEBOOK_PROBLEM_CHANGED_TASK", arg=problem.pk)
    assert Problem.objects.filter(pk=problem.pk).exists()
