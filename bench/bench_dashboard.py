"""Benchmark: the manager's dashboard at 1,000,000 problems in PostgreSQL (issue 6).

Target: the page renders in at most 300 ms of server time. It reads only what the engine's
full pass stored (weekly counts, signals, candidates, effectiveness, weekly service levels and
satisfaction), never the problems themselves, so the time should not depend on the log's size.

    .venv/bin/python -m bench.bench_dashboard

Uses the analytics benchmark's database (BENCH_ANALYTICS_DATABASE_URL, default
casebook_bench_analytics): loads the million-problem log there if it is missing, runs one full
pass in a child process (so the stored results are this code's), then times each case with
Django's test client: the whole request (routing, middleware, session, user, queries,
charts, template), median and 95th percentile of ``REPEAT`` requests after two warm-ups.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

os.environ.setdefault(
    "BENCH_DATABASE_URL",
    os.environ.get(
        "BENCH_ANALYTICS_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/casebook_bench_analytics",
    ),
)

from bench.common import ensure_million_problem_log, setup_django, timed  # noqa: E402

ROWS = 1_000_000
REPEAT = 40
TARGET_MS = 300


def _full_pass() -> dict:
    """One full pass in a child process (the analytics benchmark's), for this code's results."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_analytics", "--child", "bench"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _satisfaction_weeks(centre) -> int:
    """The benchmark log has no action timelines, so no satisfaction scores: store a week of
    scores per type and week, as a pass over a log with them would, so the page reads and
    draws as many rows as a real centre's."""
    import random

    from analytics.models import SatisfactionWeek, ServiceWeek

    SatisfactionWeek.objects.filter(centre=centre).delete()
    rng = random.Random(6)
    rows = []
    for week, category in ServiceWeek.objects.filter(centre=centre).values_list("week", "category"):
        scores = [rng.randint(5, 40) for _ in range(5)]
        rows.append(
            SatisfactionWeek(
                centre=centre,
                week=week,
                category=category,
                scores=scores,
                count=sum(scores),
                total=sum(s * n for s, n in enumerate(scores, start=1)),
            )
        )
    SatisfactionWeek.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _cases(centre) -> list[tuple[str, str, dict]]:
    from analytics.models import SeriesCount

    last = (
        SeriesCount.objects.filter(centre=centre, granularity="week", dimension="category")
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )
    first = (
        SeriesCount.objects.filter(centre=centre, granularity="week", dimension="category")
        .order_by("day")
        .values_list("day", flat=True)
        .first()
    )
    product = (
        SeriesCount.objects.filter(centre=centre, granularity="week", dimension="product")
        .order_by("-count")
        .values_list("key", flat=True)
        .first()
    )
    all_time = {"start": first.isoformat(), "end": last.isoformat()}
    last_half_year = {"end": last.isoformat()}
    return [
        ("default (last 26 weeks, by type)", "dashboard", {}),
        ("26 weeks to the log's end, by type", "dashboard", last_half_year),
        ("26 weeks, by product", "dashboard", {**last_half_year, "dimension": "product"}),
        ("26 weeks, one product", "dashboard", {**last_half_year, "value": f"product:{product}"}),
        ("3 years, by product", "dashboard", {**all_time, "dimension": "product"}),
        ("3 years, by channel", "dashboard", {**all_time, "dimension": "channel"}),
        (
            "CSV: 3 years by product",
            "export",
            {**all_time, "dimension": "product", "table": "trend"},
        ),
        ("CSV: candidates, 3 years", "export", {**all_time, "table": "candidates"}),
    ]


def main() -> None:
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from bench.bench_analytics import _preventive_actions

    data = ensure_million_problem_log(rows=ROWS, slug="bench")
    actions = _preventive_actions(data["centre"], data["learners"])
    run = _full_pass()
    satisfaction = _satisfaction_weeks(data["centre"])
    print(
        f"{data['rows']:,} problems, {actions} preventive actions; full pass {run['wall_s']} s "
        f"({run['status']}), peak RSS {run['peak_rss_mb']} MB, steps {run['timings']}; "
        f"{satisfaction} satisfaction weeks stored"
    )
    client = Client()
    client.force_login(data["manager"])
    print("| case | median ms | p95 ms | queries | bytes |")
    print("|---|---:|---:|---:|---:|")
    worst = 0.0
    for name, view, params in _cases(data["centre"]):
        url = reverse(f"analytics:{view}")

        def request(url=url, params=params):
            response = client.get(url, params)
            assert response.status_code == 200, response.status_code
            return response

        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            size = len(request().content)
        result = timed(request, repeat=REPEAT)
        if view == "dashboard":  # the target is the page's; exports are reported beside it
            worst = max(worst, result["median_ms"], result["p95_ms"])
        print(
            f"| {name} | {result['median_ms']} | {result['p95_ms']} | {len(queries)} | {size:,} |"
        )
    print(
        f"Page target {TARGET_MS} ms: {'met' if worst <= TARGET_MS else 'NOT met'} "
        f"(worst page median or p95: {worst} ms)"
    )


if __name__ == "__main__":
    main()
