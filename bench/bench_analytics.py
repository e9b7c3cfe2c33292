"""Benchmark: the analytics engine at 1,000,000 problems in PostgreSQL (issue 5).

Targets: the full pass (read, counts, spikes, effectiveness, grouping) in at most 20 s, of
which counts + spikes + effectiveness at most 3 s; an incremental update after one new
problem in at most 150 ms; peak memory under 1.5 GB; the counting step within 3× of a plain
numpy ``bincount`` of the same counts.

    .venv/bin/python -m bench.bench_analytics

Uses its own database (BENCH_ANALYTICS_DATABASE_URL, default casebook_bench_analytics on the
local server) so it never disturbs the log-page benchmark's. The full pass runs in a child
process so its peak RSS is its own.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault(
    "BENCH_DATABASE_URL",
    os.environ.get(
        "BENCH_ANALYTICS_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/casebook_bench_analytics",
    ),
)

from bench.common import (  # noqa: E402
    bench_log_config,
    ensure_million_problem_log,
    peak_rss_mb,
    setup_django,
)

ROWS = 1_000_000


def _preventive_actions(centre, learners) -> int:
    """The generator's injected actions for the benchmark log, as PreventiveAction rows."""
    from analytics.generator import generate_log
    from complaints.models import PreventiveAction

    if PreventiveAction.objects.filter(centre=centre).exists():
        return PreventiveAction.objects.filter(centre=centre).count()
    log = generate_log(bench_log_config(ROWS, n_learners=len(learners)))
    PreventiveAction.objects.bulk_create(
        PreventiveAction(
            centre=centre,
            learner=learners[0],
            title=a.description,
            description=a.description,
            category=a.category,
            product=a.product,
            implemented_on=a.implemented_on,
        )
        for a in log.preventive_actions
    )
    return len(log.preventive_actions)


def _clear_results(centre) -> None:
    from analytics.models import Effectiveness, RecurringCandidate, SeriesCount, Signal

    for model in (RecurringCandidate, SeriesCount, Signal):
        model.objects.filter(centre=centre).delete()
    Effectiveness.objects.filter(action__centre=centre).delete()


def child_full_pass(slug: str) -> None:
    """One full pass, plus the counting step beside its numpy floor; prints JSON."""
    setup_django()
    import numpy as np

    from accounts.models import Centre
    from analytics import selectors
    from analytics.engine.counts import count_matrix, local_day_index
    from analytics.models import AnalysisRun
    from analytics.services import analysis_run_execute

    centre = Centre.objects.get(slug=slug)
    run = AnalysisRun.objects.create(centre=centre, trigger=AnalysisRun.Trigger.COMMAND)
    started = time.perf_counter()
    run = analysis_run_execute(run_id=run.pk)
    wall = time.perf_counter() - started
    rss = peak_rss_mb()

    frame = selectors.problem_frame(
        centre_id=centre.pk,
        columns=("id", "received_at", "category", "product", "channel", "identified_by"),
    )
    local = frame["received_at"].dt.tz_convert("Europe/London")
    start, end = local.min().date(), local.max().date()
    import datetime

    end = end + datetime.timedelta(days=1)
    dims = ("category", "product", "channel", "identified_by")
    counting = []
    for _ in range(5):
        t = time.perf_counter()
        count_matrix(frame, granularity="day", start=start, end=end, dimensions=dims)
        counting.append(time.perf_counter() - t)
    # The floor: the same counts from ready integer codes and day numbers, one bincount each.
    n_days = (end - start).days
    day = local_day_index(frame["received_at"], start, n_days, "Europe/London")
    codes = [frame[d].cat.codes.to_numpy().astype(np.int64) for d in dims]
    sizes = [len(frame[d].cat.categories) for d in dims]
    floor = []
    for _ in range(5):
        t = time.perf_counter()
        for c, k in zip(codes, sizes, strict=True):
            np.bincount(c * n_days + day, minlength=k * n_days)
        floor.append(time.perf_counter() - t)
    print(
        json.dumps(
            {
                "status": run.status,
                "error": run.error,
                "wall_s": round(wall, 2),
                "timings": run.timings,
                "counts": run.counts,
                "peak_rss_mb": round(rss),
                "count_matrix_ms": round(1000 * statistics.median(counting), 1),
                "bincount_floor_ms": round(1000 * statistics.median(floor), 1),
            }
        )
    )


def incremental(centre, learner, repeat: int = 12) -> dict:
    """Median and worst of the incremental update after one new problem (logged through the
    service, as the form does), excluding the logging itself."""
    import datetime

    from django.utils import timezone

    from analytics.services import analysis_incremental
    from complaints.models import Problem
    from complaints.services import problem_create

    template = Problem.objects.filter(centre=centre).order_by("-received_at").first()
    samples = []
    for i in range(repeat + 2):
        problem = problem_create(
            centre=centre,
            learner=learner,
            received_at=timezone.now() - datetime.timedelta(minutes=i),
            identified_by=template.identified_by,
            channel=template.channel,
            product=template.product,
            category=template.category,
            description=template.description,
        )
        t = time.perf_counter()
        run = analysis_incremental(problem_id=problem.pk)
        elapsed = (time.perf_counter() - t) * 1000
        assert run.status == "succeeded", run.error
        if i >= 2:  # two warm-up updates
            samples.append(elapsed)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 1),
        "max_ms": round(samples[-1], 1),
        "n": len(samples),
        "steps_of_last": run.timings,
    }


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child_full_pass(sys.argv[2])
        return
    setup_django()
    data = ensure_million_problem_log(rows=ROWS, slug="bench")
    actions = _preventive_actions(data["centre"], data["learners"])
    print(f"{data['rows']:,} problems, {actions} preventive actions")
    _clear_results(data["centre"])  # run 1 is a cold pass: every result written afresh
    results = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-m", "bench.bench_analytics", "--child", "bench"],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(
        "| run | wall s | read | counts | spikes | grouping | pareto | write | effectiveness "
        "| counts+spikes+effect | peak RSS MB | count_matrix ms | bincount floor ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for i, r in enumerate(results, 1):
        t = r["timings"]
        core = t.get("counts", 0) + t.get("spikes", 0) + t.get("effectiveness", 0)
        print(
            f"| {i} | {r['wall_s']} | {t.get('read')} | {t.get('counts')} | {t.get('spikes')} "
            f"| {t.get('grouping')} | {t.get('pareto')} | {t.get('write')} "
            f"| {t.get('effectiveness')} | {t.get('commit')} | {core:.2f} | {r['peak_rss_mb']} "
            f"| {r['count_matrix_ms']} | {r['bincount_floor_ms']} |"
        )
    print("counts of the last run:", json.dumps(results[-1]["counts"]))
    print("incremental update:", json.dumps(incremental(data["centre"], data["learners"][0])))


if __name__ == "__main__":
    main()
