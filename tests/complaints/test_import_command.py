"""manage.py import_problems: the same importer from the command line."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from complaints.models import ImportJob, Problem
from tests.complaints.factories import ProblemFactory
from tests.complaints.test_import_files import HEADER, TEXAS, TEXAS_ROWS, good_rows, write_csv


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


def run(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import_problems", str(path), *args, stdout=out)
    return out.getvalue()


def stored(settings) -> list[Path]:
    folder = Path(settings.PRIVATE_STORAGE_ROOT) / "imports"
    return list(folder.iterdir()) if folder.exists() else []


def test_the_texas_sample_imports_and_the_counts_match(centre, learner):
    out = run(TEXAS, "--centre", "harbour", "--learner", "lena")
    assert f"imported {TEXAS_ROWS}, skipped 0, rejected 0 (of {TEXAS_ROWS} rows)" in out
    assert Problem.objects.filter(learner=learner, centre=centre).count() == TEXAS_ROWS
    job = ImportJob.objects.get()
    assert (job.state, job.uploaded_by, job.imported_count) == ("done", learner, TEXAS_ROWS)


def test_the_learner_can_be_left_out_when_the_centre_has_only_one(learner):
    assert f"imported {TEXAS_ROWS}," in run(TEXAS, "--centre", "harbour")


def test_importing_the_same_file_again_skips_every_row(learner):
    run(TEXAS, "--centre", "harbour")
    out = run(TEXAS, "--centre", "harbour")
    assert f"imported 0, skipped {TEXAS_ROWS}, rejected 0" in out
    assert "Row 2, complaint_number: “159573” is already in the log (problem number 1)" in out
    assert Problem.objects.count() == TEXAS_ROWS


def test_a_dry_run_reports_the_counts_and_writes_nothing(learner, settings):
    out = run(TEXAS, "--centre", "harbour", "--dry-run")
    assert f"Dry run, nothing written: would have imported {TEXAS_ROWS}, skipped 0" in out
    assert not Problem.objects.exists()
    assert not ImportJob.objects.exists()
    assert stored(settings) == []


def test_bad_rows_are_listed_and_nothing_is_imported_all_or_nothing(learner, tmp_path, settings):
    rows = good_rows(3)
    rows[2][1] = "31/02/2017"
    path = write_csv(tmp_path / "bad.csv", rows)
    out = StringIO()
    with pytest.raises(CommandError, match="1 rows have problems, so nothing was imported"):
        call_command("import_problems", str(path), "--centre", "harbour", stdout=out)
    assert "Row 3, Date received: “31/02/2017” is not a real date (rejected)" in out.getvalue()
    assert "would import 2, skipped 0, rejected 1" in out.getvalue()
    assert not Problem.objects.exists()
    assert not ImportJob.objects.exists()
    assert stored(settings) == []


def test_skip_invalid_imports_the_valid_rows(learner, tmp_path):
    rows = good_rows(3)
    rows[2][1] = "31/02/2017"
    out = run(write_csv(tmp_path / "bad.csv", rows), "--centre", "harbour", "--skip-invalid")
    assert "imported 2, skipped 0, rejected 1 (of 3 rows)" in out
    assert Problem.objects.count() == 2


def test_map_overrides_the_guess_and_a_blank_column_unmaps_a_field(learner, tmp_path):
    rows = [["When", "What", "Ref"], ["25/08/2017", "Router not sent", "X1"]]
    path = write_csv(tmp_path / "odd.csv", rows)
    run(path, "--centre", "harbour", "--map", "received_at=When", "--map", "description=What",
        "--map", "external_ref=")  # fmt: skip
    problem = Problem.objects.get()
    assert (problem.description, problem.external_ref) == ("Router not sent", "")


def test_a_map_naming_an_unknown_field_is_refused_naming_it(learner):
    with pytest.raises(CommandError, match="“colour” is not a field Casebook imports"):
        run(TEXAS, "--centre", "harbour", "--map", "colour=complaint_type")


def test_a_map_naming_a_missing_column_is_refused_naming_it(learner):
    with pytest.raises(CommandError, match="The file has no column “Closed”"):
        run(TEXAS, "--centre", "harbour", "--map", "resolved_at=Closed")
    assert not ImportJob.objects.exists()


def test_a_malformed_map_is_refused(learner):
    with pytest.raises(CommandError, match="must be FIELD=COLUMN"):
        run(TEXAS, "--centre", "harbour", "--map", "received_at")


def test_an_unknown_centre_is_refused(learner):
    with pytest.raises(CommandError, match="No centre has the slug “nowhere”"):
        run(TEXAS, "--centre", "nowhere")


def test_an_unknown_learner_or_one_of_another_centre_is_refused(learner, other_centre_learner):
    with pytest.raises(CommandError, match="No user has the username “nobody”"):
        run(TEXAS, "--centre", "harbour", "--learner", "nobody")
    with pytest.raises(CommandError, match="xavier is not a learner at Harbour Energy"):
        run(TEXAS, "--centre", "harbour", "--learner", "xavier")


def test_the_learner_must_be_named_when_the_centre_has_several(learner, other_learner):
    with pytest.raises(CommandError, match="has 2 learners: name one with --learner"):
        run(TEXAS, "--centre", "harbour")


def test_ambiguous_dates_need_a_date_format(learner, tmp_path):
    rows = [HEADER, ["1", "03/04/2017", "", "", "", ""]]
    path = write_csv(tmp_path / "ambiguous.csv", rows)
    with pytest.raises(CommandError, match="could be day-first .* --date-format"):
        run(path, "--centre", "harbour")
    run(path, "--centre", "harbour", "--date-format", "uk")
    assert Problem.objects.get().received_at.isoformat().startswith("2017-04-0")


def test_a_bad_date_format_is_refused(learner):
    with pytest.raises(CommandError, match="--date-format “yesterday” is not one of"):
        run(TEXAS, "--centre", "harbour", "--date-format", "yesterday")


def test_a_file_that_is_not_csv_or_xlsx_is_refused_and_nothing_is_kept(learner, tmp_path, settings):
    path = tmp_path / "picture.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    with pytest.raises(CommandError, match="This is a PNG image"):
        run(path, "--centre", "harbour")
    assert stored(settings) == []


def test_a_missing_file_is_refused(learner, tmp_path):
    with pytest.raises(CommandError, match="No file at"):
        run(tmp_path / "nope.csv", "--centre", "harbour")


def test_rows_already_in_the_log_are_reported_skipped(learner, centre):
    ProblemFactory(centre=centre, learner=learner, number=1, external_ref="159573")
    out = run(TEXAS, "--centre", "harbour")
    assert f"imported {TEXAS_ROWS - 1}, skipped 1, rejected 0" in out
