"""A Celery worker killed with SIGKILL in the middle of jobs (``make faults-worker``).

(a) An import of a 100,000-row company export (five chunks of 20,000): the whole worker is
    killed while it checks the file; its pool processes are killed while it imports (the
    main process sees them die and the message goes back on the queue at once); then the
    whole worker again, later in the import. After a whole worker dies its message stays
    unacknowledged in Redis for an hour, so a new worker is started and the sweep (beat,
    every 5 s here) sends the silent job again once it has been silent for 15 s.
(b) A full analysis pass over 300,000 problems: the whole worker killed while it groups,
    the pool while it saves the results. Its results are then compared with a clean pass's.

Counts every row the import should have written: imported, lost, duplicated (problems, and
their "created" history records); for the analysis, duplicates and any difference from the
clean pass. Exits 1 if anything is lost or duplicated or a job does not finish.

Run: .venv/bin/python -m bench.faults.worker_kill
"""

from __future__ import annotations

import time
from collections import Counter

from bench.faults.harness import (
    Celery,
    Figures,
    Redis,
    centre_with_learner,
    database_create,
    database_drop,
    django_setup,
    environment,
    fresh,
    import_upload,
    log,
    output_dir,
    rows_of,
    wait_for,
    write_export,
)

DATABASE = "casebook_faults_worker"
IMPORT_ROWS = 100_000
ANALYSIS_PROBLEMS = 300_000

IMPORT_COLUMNS = [
    "job", "kills", "where each kill landed", "rows expected", "imported", "lost",
    "duplicated", "jobs failed", "recovery s (each kill)", "total s",
]  # fmt: skip
ANALYSIS_COLUMNS = [
    "job", "kills", "where each kill landed", "attempts", "results", "same as a clean pass",
    "duplicated", "jobs failed", "recovery s (each kill)", "total s",
]  # fmt: skip


def main() -> int:
    out = output_dir("worker")
    redis = Redis(out)
    env = environment(
        database_url=database_create(DATABASE), broker_url=redis.url, storage=out / "private"
    )
    celery = Celery(env, out)
    figures = Figures("Worker killed with SIGKILL (make faults-worker)")
    try:
        redis.start()
        django_setup(env)
        celery.start_worker()
        celery.start_beat()
        import_killed(celery, figures, out)
        analysis_killed(celery, figures)
    finally:
        celery.stop()
        redis.stop()
        _disconnect()
        database_drop(DATABASE)
    return figures.print()


# --- (a) The import ------------------------------------------------------------------------------


def import_killed(celery: Celery, figures: Figures, out) -> None:
    from complaints.importing.checking import CHUNK_ROWS
    from complaints.importing.services import import_job_check, import_job_start
    from complaints.models import ImportJob

    centre, learner = centre_with_learner("worker-import")
    job = import_upload(write_export(out / "export.csv", IMPORT_ROWS, prefix="WK"), centre, learner)
    began = time.monotonic()
    job = import_job_check(job=job, by=learner)
    assert job.state == ImportJob.State.QUEUED, job.state
    kills = [
        _kill(celery, job.pk, "check", CHUNK_ROWS, whole=True),
    ]
    wait_for(lambda: fresh(ImportJob, job.pk).state == ImportJob.State.VALIDATED, "the check")
    job = import_job_start(job=fresh(ImportJob, job.pk), by=learner)
    kills.append(_kill(celery, job.pk, "import", CHUNK_ROWS, whole=False))
    kills.append(_kill(celery, job.pk, "import", 3 * CHUNK_ROWS, whole=True))
    wait_for(lambda: not fresh(ImportJob, job.pk).is_active, "the import to finish")
    total = time.monotonic() - began

    job = fresh(ImportJob, job.pk)
    count = rows_of(job.pk, IMPORT_ROWS)
    failed = int(job.state != ImportJob.State.DONE)
    log(f"import {job.pk}: {job.get_state_display()}, {count}")
    figures.table("(a) Import", IMPORT_COLUMNS).add(
        f"import of {IMPORT_ROWS:,} rows",
        len(kills),
        "; ".join(k["where"] for k in kills),
        IMPORT_ROWS,
        count.distinct_rows,
        count.lost,
        count.duplicated,
        failed,
        ", ".join(f"{k['recovery']:.1f}" for k in kills),
        total,
    )
    if failed:
        figures.fail(f"the import ended {job.state}: {job.error}")
    if count.lost or count.duplicated:
        figures.fail(f"the import lost {count.lost} and duplicated {count.duplicated} rows")


def _kill(celery: Celery, job_id: int, phase: str, rows: int, *, whole: bool) -> dict:
    """Wait until the job's `phase` has committed `rows` rows, kill the worker (or its pool),
    and time how long the job takes to get past the point where it was killed."""
    from complaints.models import ImportJob

    importing = phase == "import"

    def reached() -> bool:
        job = fresh(ImportJob, job_id)
        started = job.started_at is not None
        return job.state == "running" and started == importing and job.processed_rows >= rows

    wait_for(reached, f"the {phase} to pass row {rows:,}")
    at = fresh(ImportJob, job_id).processed_rows
    killed = _kill_now(celery, whole)
    where = f"{phase}, after row {at:,} ({'whole worker' if whole else f'{killed} pool processes'})"
    log(f"killed {where}")

    def past() -> bool:
        job = fresh(ImportJob, job_id)
        if importing:
            return job.processed_rows > at or job.state == "done"
        return job.state == "validated" or (job.state == "running" and job.processed_rows > at)

    recovery = wait_for(past, f"the {phase} to get past row {at:,}")
    log(f"  the {phase} got past row {at:,} {recovery:.1f} s later")
    return {"where": where, "recovery": recovery}


def _kill_now(celery: Celery, whole: bool) -> int:
    if not whole:
        return celery.kill_pool()
    celery.kill_worker()
    celery.start_worker()
    return 0


# --- (b) The analysis -----------------------------------------------------------------------------


def analysis_killed(celery: Celery, figures: Figures) -> None:
    from analytics.models import AnalysisRun
    from analytics.services import analysis_request
    from bench.common import ensure_million_problem_log

    # The import's own analysis (queued when it finished) out of the way first.
    wait_for(lambda: not _active_runs(), "the import's analysis", timeout=600)
    started = time.monotonic()
    centre = ensure_million_problem_log(rows=ANALYSIS_PROBLEMS, slug="worker-analysis")["centre"]
    log(f"{ANALYSIS_PROBLEMS:,} problems generated in {time.monotonic() - started:.0f} s")

    began = time.monotonic()
    run = analysis_request(centre=centre, trigger=AnalysisRun.Trigger.COMMAND)
    kills = [
        _kill_run(celery, run.pk, 45, whole=True),  # grouping similar problems
        _kill_run(celery, run.pk, 80, whole=False),  # saving the results
    ]
    wait_for(lambda: not fresh(AnalysisRun, run.pk).is_active, "the analysis", timeout=600)
    total = time.monotonic() - began
    run = fresh(AnalysisRun, run.pk)
    after_kills, duplicates = _results(centre), _duplicates(centre)

    clean = analysis_request(centre=centre, trigger=AnalysisRun.Trigger.COMMAND)
    wait_for(lambda: not fresh(AnalysisRun, clean.pk).is_active, "a clean pass", timeout=600)
    differences = [name for name, rows in _results(centre).items() if rows != after_kills[name]]
    failed = int(run.status != AnalysisRun.Status.SUCCEEDED)
    failed += int(fresh(AnalysisRun, clean.pk).status != AnalysisRun.Status.SUCCEEDED)
    log(f"analysis run {run.pk}: {run.get_status_display()} after {run.attempts} attempts")

    sizes = ", ".join(f"{len(rows):,} {name}" for name, rows in after_kills.items())
    figures.table("(b) Analysis run", ANALYSIS_COLUMNS).add(
        f"full pass over {ANALYSIS_PROBLEMS:,} problems",
        len(kills),
        "; ".join(k["where"] for k in kills),
        run.attempts,
        sizes,
        "yes" if not differences else f"no: {', '.join(differences)} differ",
        duplicates,
        failed,
        ", ".join(f"{k['recovery']:.1f}" for k in kills),
        total,
    )
    if failed:
        figures.fail(f"an analysis run did not finish: {run.status} {run.error}")
    if differences or duplicates:
        figures.fail(f"analysis results differ ({differences}) or duplicated ({duplicates})")


def _kill_run(celery: Celery, run_id: int, percent: int, *, whole: bool) -> dict:
    from analytics.models import AnalysisRun

    def reached() -> bool:
        run = fresh(AnalysisRun, run_id)
        return run.status == "running" and run.progress >= percent

    wait_for(reached, f"the analysis to reach {percent}%", timeout=600)
    run = fresh(AnalysisRun, run_id)
    step, attempt = run.step, run.attempts
    killed = _kill_now(celery, whole)
    where = f"{step.lower()} ({'whole worker' if whole else f'{killed} pool processes'})"
    log(f"killed the analysis: {where}")

    def past() -> bool:  # the next attempt has got as far, or finished
        run = fresh(AnalysisRun, run_id)
        if run.status == "succeeded":
            return True
        return run.attempts > attempt and run.status == "running" and run.progress > percent

    recovery = wait_for(past, "the analysis to get past where it was killed", timeout=600)
    log(f"  the analysis got past {step.lower()} {recovery:.1f} s later")
    return {"where": where, "recovery": recovery}


def _active_runs() -> bool:
    from analytics.models import AnalysisRun

    return AnalysisRun.objects.filter(status__in=["queued", "running"]).exists()


def _results(centre) -> dict[str, list]:
    """Everything a full pass writes for the centre, comparable between passes."""
    from analytics.models import (
        CandidateIncident,
        Effectiveness,
        RecurringCandidate,
        SeriesCount,
        Signal,
    )

    return {
        "series counts": sorted(
            SeriesCount.objects.filter(centre=centre).values_list(
                "granularity", "dimension", "key", "day", "count"
            )
        ),
        "signals": sorted(
            Signal.objects.filter(centre=centre, active=True).values_list(
                "dimension", "key", "granularity", "period_start", "observed"
            )
        ),
        "candidates": sorted(
            RecurringCandidate.objects.filter(centre=centre).values_list("product", "size")
        ),
        "candidate incidents": sorted(
            CandidateIncident.objects.filter(candidate__centre=centre).values_list(
                "problem_id", flat=True
            )
        ),
        "effects": sorted(
            Effectiveness.objects.filter(action__centre=centre).values_list("action_id", "verdict")
        ),
    }


def _duplicates(centre) -> int:
    """Problems in more than one suggested repeated problem (the unique constraints make
    duplicate counts and signals impossible; this is what they do not cover)."""
    from analytics.models import CandidateIncident

    links = Counter(
        CandidateIncident.objects.filter(candidate__centre=centre).values_list(
            "problem_id", flat=True
        )
    )
    return sum(n - 1 for n in links.values() if n > 1)


def _disconnect() -> None:
    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # noqa: S110 - Django may never have been set up
        pass


if __name__ == "__main__":
    raise SystemExit(main())
