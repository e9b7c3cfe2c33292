"""The background PDF export (issue 7): a request queues one job after it commits; the job
saves its progress, stores the PDF atomically under a random name in private storage and
tells the requester; a failure says why in words and leaves no file; running twice is safe."""

import hashlib
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError

from accounts.models import Notification
from portfolio import tasks
from portfolio.models import PortfolioExport
from portfolio.services import exports, printing
from portfolio.services.exports import (
    portfolio_export_fail,
    portfolio_export_request,
    portfolio_export_run,
)


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


def stored_files(settings) -> list[Path]:
    """Every file under the exports folder, temporary ones included."""
    root = Path(settings.PRIVATE_STORAGE_ROOT) / "exports"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def fake_print(monkeypatch, *, body=b"%PDF-1.7 fake", is_draft=True, during=None):
    """Replace the renderer: report the steps the real one reports, call `during(progress)`
    when given, and return `body`."""

    def record_print(*, enrolment, part, progress=None):
        progress(5, "Gathering the records")
        progress(30, "Laying out the pages")
        if during:
            during(progress)
        progress(80, "Writing 3 pages")
        return printing.PrintedRecord(body, f"{part}-record.pdf", f"{part} of a learner", is_draft)

    monkeypatch.setattr(exports, "record_print", record_print)


def test_a_requested_export_runs_after_commit_and_stores_the_rendered_pdf(
    enrolment, learner, settings, monkeypatch, eager_jobs, django_capture_on_commit_callbacks
):
    rendered = []

    def spy(**kwargs):
        printed = printing.record_print(**kwargs)
        rendered.append(printed)
        return printed

    monkeypatch.setattr(exports, "record_print", spy)
    with django_capture_on_commit_callbacks(execute=True):
        export = portfolio_export_request(user=learner, enrolment=enrolment, part="achievement")
        assert export.state == PortfolioExport.State.QUEUED  # nothing runs before the commit
    export.refresh_from_db()

    assert export.state == PortfolioExport.State.DONE
    assert (export.percent, export.step) == (100, "Ready")
    [printed] = rendered
    [path] = stored_files(settings)
    assert path == exports.export_path(export)
    assert path.name == export.stored_name
    assert learner.username not in str(path)
    assert path.read_bytes() == printed.body
    assert printed.body.startswith(b"%PDF")
    assert export.sha256 == hashlib.sha256(printed.body).hexdigest()
    assert export.size == len(printed.body)
    assert export.filename == printed.filename
    assert export.is_draft is True  # nothing is signed yet
    assert export.started_at <= export.finished_at


def test_the_requester_is_told_when_the_portfolio_pdf_is_ready(enrolment, assessor, monkeypatch):
    fake_print(monkeypatch)
    export = portfolio_export_request(user=assessor, enrolment=enrolment)
    portfolio_export_run(export_id=export.pk)

    [note] = Notification.objects.filter(recipient=assessor)
    assert note.kind == Notification.Kind.PORTFOLIO_READY
    assert note.title == "Your portfolio PDF is ready"
    assert note.url == export.get_absolute_url()
    assert "DRAFT" in note.body
    assert not Notification.objects.exclude(recipient=assessor).exists()


def test_each_step_is_saved_where_the_progress_bar_reads_it(enrolment, learner, monkeypatch):
    seen = []

    def look(progress):
        row = PortfolioExport.objects.get()
        seen.append((row.state, row.percent, row.step))

    fake_print(monkeypatch, during=look)
    export = portfolio_export_request(user=learner, enrolment=enrolment, part="knowledge")
    portfolio_export_run(export_id=export.pk)

    assert seen == [("running", 30, "Laying out the pages")]
    export.refresh_from_db()
    assert (export.state, export.percent) == ("done", 100)


def test_a_second_request_while_the_first_is_queued_returns_the_first(
    enrolment, learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = portfolio_export_request(user=learner, enrolment=enrolment, part="achievement")
        second = portfolio_export_request(user=learner, enrolment=enrolment, part="achievement")

    assert second.pk == first.pk
    assert PortfolioExport.objects.count() == 1
    assert len(queued) == 1  # one job


def test_a_second_request_while_the_first_is_running_returns_the_first(
    enrolment, learner, monkeypatch
):
    first = portfolio_export_request(user=learner, enrolment=enrolment, part="achievement")
    again = []
    fake_print(
        monkeypatch,
        during=lambda progress: again.append(
            portfolio_export_request(user=learner, enrolment=enrolment, part="achievement")
        ),
    )
    portfolio_export_run(export_id=first.pk)
    assert [e.pk for e in again] == [first.pk]


def test_someone_else_asking_for_the_same_pdf_gets_their_own(enrolment, learner, verifier):
    mine = portfolio_export_request(user=learner, enrolment=enrolment, part="achievement")
    theirs = portfolio_export_request(user=verifier, enrolment=enrolment, part="achievement")
    other_part = portfolio_export_request(user=learner, enrolment=enrolment, part="knowledge")
    assert len({mine.pk, theirs.pk, other_part.pk}) == 3


def test_a_request_after_the_first_finished_starts_another(enrolment, learner, monkeypatch):
    fake_print(monkeypatch)
    first = portfolio_export_request(user=learner, enrolment=enrolment, part="achievement")
    portfolio_export_run(export_id=first.pk)
    second = portfolio_export_request(user=learner, enrolment=enrolment, part="achievement")
    assert second.pk != first.pk
    assert second.state == PortfolioExport.State.QUEUED


def test_an_export_stalled_for_half_an_hour_no_longer_blocks_a_new_request(enrolment, learner):
    stalled = portfolio_export_request(user=learner, enrolment=enrolment, part="achievement")
    PortfolioExport.objects.filter(pk=stalled.pk).update(
        state="running", created_at=timezone.now() - timedelta(minutes=31)
    )
    fresh = portfolio_export_request(user=learner, enrolment=enrolment, part="achievement")

    assert fresh.pk != stalled.pk
    stalled.refresh_from_db()
    assert stalled.state == PortfolioExport.State.FAILED
    assert "stopped without finishing" in stalled.error


def test_an_unknown_part_is_refused_and_nothing_queued(enrolment, learner):
    with pytest.raises(ValidationError, match="no printed record called"):
        portfolio_export_request(user=learner, enrolment=enrolment, part="everything")
    assert not PortfolioExport.objects.exists()


def test_a_failed_rendering_fails_the_export_with_words_not_a_traceback(
    enrolment, learner, settings, monkeypatch, caplog
):
    def broken(**kwargs):
        raise RuntimeError("font cache at /srv/secret/fonts is corrupt")

    monkeypatch.setattr(exports, "record_print", broken)
    export = portfolio_export_request(user=learner, enrolment=enrolment, part="achievement")
    with caplog.at_level(logging.ERROR, logger="portfolio.services.exports"):
        result = portfolio_export_run(export_id=export.pk)

    assert result.state == PortfolioExport.State.FAILED
    assert result.error == exports.RENDER_TROUBLE
    assert "secret" not in result.error
    assert "Traceback" not in result.error
    assert result.finished_at is not None
    assert stored_files(settings) == []
    assert "/srv/secret/fonts" in caplog.text  # the details are in the log for the admins
    [note] = Notification.objects.filter(recipient=learner)
    assert note.kind == Notification.Kind.PORTFOLIO_FAILED
    assert note.url == export.get_absolute_url()
    assert exports.RENDER_TROUBLE in note.body


def test_a_failed_write_leaves_no_file_not_even_half_of_one(
    enrolment, learner, settings, monkeypatch
):
    fake_print(monkeypatch)

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(exports.os, "fsync", disk_full)
    export = portfolio_export_request(user=learner, enrolment=enrolment, part="achievement")
    result = portfolio_export_run(export_id=export.pk)

    assert result.state == PortfolioExport.State.FAILED
    assert result.error == exports.STORAGE_TROUBLE
    assert result.stored_name == ""
    assert stored_files(settings) == []


def test_running_a_finished_export_again_changes_nothing(enrolment, learner, settings, monkeypatch):
    fake_print(monkeypatch)
    export = portfolio_export_request(user=learner, enrolment=enrolment, part="achievement")
    done = portfolio_export_run(export_id=export.pk)

    assert portfolio_export_run(export_id=export.pk) is None
    assert stored_files(settings) == [exports.export_path(done)]
    assert Notification.objects.filter(recipient=learner).count() == 1


def test_a_second_run_finishing_after_the_first_removes_its_own_copy(
    enrolment, learner, settings, monkeypatch
):
    export = portfolio_export_request(user=learner, enrolment=enrolment, part="achievement")

    def first_run_finishes_meanwhile(progress):
        PortfolioExport.objects.filter(pk=export.pk).update(
            state="done", stored_name="f" * 32, sha256="a" * 64
        )

    fake_print(monkeypatch, during=first_run_finishes_meanwhile)
    result = portfolio_export_run(export_id=export.pk)

    assert (result.stored_name, result.sha256) == ("f" * 32, "a" * 64)
    assert stored_files(settings) == []
    assert not Notification.objects.exists()  # the first run tells the requester, once


def test_an_export_that_is_gone_is_nothing_to_do(db):
    assert portfolio_export_run(export_id=404) is None
    assert "nothing to do" in tasks.portfolio_export_task(404)


def test_the_task_runs_the_export_it_is_given(enrolment, learner, monkeypatch):
    fake_print(monkeypatch)
    export = portfolio_export_request(user=learner, enrolment=enrolment, part="knowledge")
    assert tasks.portfolio_export_task(export.pk) == f"portfolio export {export.pk}: Ready"


def test_database_trouble_that_outlasts_the_retries_fails_the_export_and_says_so(
    enrolment, learner, settings, monkeypatch, eager_jobs, django_capture_on_commit_callbacks
):
    def database_gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(exports, "record_print", database_gone)
    monkeypatch.setattr(tasks.portfolio_export_task, "retry_backoff", False)
    with django_capture_on_commit_callbacks(execute=True):
        export = portfolio_export_request(user=learner, enrolment=enrolment, part="achievement")
    export.refresh_from_db()

    assert export.state == PortfolioExport.State.FAILED
    assert export.error == exports.DATABASE_TROUBLE
    assert stored_files(settings) == []
    assert Notification.objects.get(recipient=learner).kind == Notification.Kind.PORTFOLIO_FAILED


def test_a_job_queue_that_does_not_answer_leaves_the_export_waiting_to_be_sent_again(
    enrolment, learner, monkeypatch, django_capture_on_commit_callbacks
):
    def no_broker(*args, **kwargs):
        raise BrokerOperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.portfolio_export_task, "delay", no_broker)
    with django_capture_on_commit_callbacks(execute=True):
        export = portfolio_export_request(user=learner, enrolment=enrolment, part="achievement")
    export.refresh_from_db()

    assert export.state == PortfolioExport.State.QUEUED
    assert export.waiting_for_job_service
    assert not Notification.objects.exists()


def test_a_job_that_cannot_be_queued_for_another_reason_fails_the_export(
    enrolment, learner, monkeypatch, django_capture_on_commit_callbacks
):
    def refused(*args, **kwargs):
        raise TypeError("Object of type Decimal is not JSON serializable")

    monkeypatch.setattr(tasks.portfolio_export_task, "delay", refused)
    with django_capture_on_commit_callbacks(execute=True):
        export = portfolio_export_request(user=learner, enrolment=enrolment, part="achievement")
    export.refresh_from_db()

    assert export.state == PortfolioExport.State.FAILED
    assert export.error == exports.QUEUE_TROUBLE


def test_the_failure_hook_does_not_undo_a_finished_export(enrolment, learner, monkeypatch):
    fake_print(monkeypatch)
    export = portfolio_export_request(user=learner, enrolment=enrolment, part="achievement")
    portfolio_export_run(export_id=export.pk)

    assert portfolio_export_fail(export_id=export.pk, reason="late") is False
    export.refresh_from_db()
    assert export.state == PortfolioExport.State.DONE
