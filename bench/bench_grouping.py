"""Benchmark: repeated-problem grouping on a million generated problems, and one look-up.

    .venv/bin/python -m bench.bench_grouping

Pure (no database): the frame is built from the generator, as the engine would read it from
PostgreSQL. Prints a markdown table: find_groups on 1,000,000 problems over three years
(wall time and peak resident memory of the process; its blocks of ~30,000 rows take the
anchor path), find_groups on a small centre's year (8 a day, blocks of ~90 rows: the
pairwise path; median of 20 calls), and similar_to for one problem against a 1,000-row
block (median of 200 calls).
"""

from __future__ import annotations

import resource
import statistics
import time
from datetime import date

import pandas as pd

from analytics.engine.grouping import GroupingSettings, find_groups, similar_to
from analytics.generator import GeneratorConfig, generate_log

COLUMNS = ["id", "received_at", "category", "product", "description"]


def _frame(rows: float, days: int, seed: int) -> pd.DataFrame:
    config = GeneratorConfig(
        start=date(2021, 1, 4), days=days, mean_per_day=rows / days, seed=seed, with_actions=False
    )
    problems = generate_log(config).problems.rename(columns={"row_id": "id"})
    return problems[COLUMNS]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    frame = _frame(1_000_000 * 1.013, 3 * 365, seed=1)  # the generator lands a little short
    before = _peak_rss_mb()
    start = time.perf_counter()
    groups = find_groups(frame, GroupingSettings())
    full = time.perf_counter() - start
    after = _peak_rss_mb()

    block = frame[(frame["category"] == "system_failure") & (frame["product"] == "Smart meters")]
    block = block.sort_values("received_at").iloc[-1000:]
    probe = block.iloc[-1]
    times = []
    for _ in range(200):
        t0 = time.perf_counter()
        similar_to(probe["description"], probe["received_at"], block)
        times.append(time.perf_counter() - t0)
    hits = similar_to(probe["description"], probe["received_at"], block)

    small = _frame(8 * 365, 365, seed=2)
    small_times = []
    for _ in range(20):
        t0 = time.perf_counter()
        small_groups = find_groups(small, GroupingSettings())
        small_times.append(time.perf_counter() - t0)

    print("| step | rows | time | notes |")
    print("|---|---:|---:|---|")
    print(
        f"| find_groups | {len(frame):,} | {full:.2f} s | {len(groups):,} groups; "
        f"peak RSS {after:,.0f} MB (frame and generator alone {before:,.0f} MB) |"
    )
    print(
        f"| find_groups, 8 a day | {len(small):,} | "
        f"{statistics.median(small_times) * 1000:.0f} ms | median of 20; "
        f"{len(small_groups)} groups (pairwise path) |"
    )
    print(
        f"| similar_to | {len(block):,} | {statistics.median(times) * 1000:.1f} ms | "
        f"median of 200; {len(hits)} neighbours >= threshold |"
    )


if __name__ == "__main__":
    main()
