"""Repeated-problem grouping against ground truth: generated logs and the Texas Harvey rows.

No database. Run with -s to see the figures:

    DJANGO_DEBUG=1 .venv/bin/python -m pytest tests/analytics/test_grouping_validation.py -q -s
"""

from __future__ import annotations

import math
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from analytics.engine.grouping import GroupingSettings, ProblemGroup, find_groups
from analytics.generator import GeneratedLog, GeneratorConfig, generate_log

SEEDS = range(6)
TEXAS = Path(__file__).resolve().parents[1] / "data" / "analytics" / "tx_tdi_complaints_harvey.csv"
HARVEY = "2017 Hurricane Harvey"


@cache
def generated(seed: int, per_day: float = 40, clusters: int = 5) -> GeneratedLog:
    return generate_log(
        GeneratorConfig(
            start=date(2023, 1, 2),
            days=365,
            mean_per_day=per_day,
            seed=seed,
            clusters=clusters,
            with_actions=per_day >= 40,
        )
    )


def frame_of(log: GeneratedLog) -> pd.DataFrame:
    return log.problems.rename(columns={"row_id": "id"})[
        ["id", "received_at", "category", "product", "description"]
    ]


def found(rows: set[int], groups: list[ProblemGroup]) -> bool:
    """One group holds 2/3 of the cluster (all but one of a trio), and is half cluster."""
    need = len(rows) - 1 if len(rows) == 3 else math.ceil(2 * len(rows) / 3)
    for group in groups:
        members = set(group.problem_ids)
        hit = len(rows & members)
        if hit >= need and 2 * hit >= len(members):
            return True
    return False


def evaluate(
    settings: GroupingSettings, per_day: float = 40, n_clusters: int = 5
) -> tuple[int, int, int, int]:
    """(clusters, clusters found, groups, groups with no injected row) over all seeds."""
    clusters = hits = total = clean = 0
    for seed in SEEDS:
        log = generated(seed, per_day, n_clusters)
        groups = find_groups(frame_of(log), settings)
        injected = set(log.problems.loc[log.problems["cluster_id"] >= 0, "row_id"])
        for cluster in log.clusters:
            clusters += 1
            hits += found(set(cluster.row_ids), groups)
        total += len(groups)
        clean += sum(1 for g in groups if not injected & set(g.problem_ids))
    return clusters, hits, total, clean


def test_injected_clusters_are_found_and_stock_phrases_stay_few():
    """Recall of the injected clusters, and how many groups hold no injected row.

    Groups with no injected row are the generator's stock clauses repeated by chance: each
    category × product draws its clause from a pool of ~60-100, so at 40 problems a day the
    same clause (and the same rendered £ amount) comes back 3+ times within 90 days in most
    blocks. They are real repeated texts, so by default they are reported (about 90 a year
    against 14,500 problems, i.e. under 1 %); the burst filter (burst_p=1e-4), which
    compares a group's rarest word with its rate in the rest of the block's history, removes
    nearly all of them.
    """
    clusters, hits, total, clean = evaluate(GroupingSettings())
    recall = hits / clusters
    print(
        f"\ndefault: recall {recall:.1%} ({hits}/{clusters}); {total} groups, "
        f"{clean} with no injected row ({clean / len(SEEDS):.0f} a year)"
    )
    assert recall >= 0.9
    assert clean <= 150 * len(SEEDS)  # ~1 % of a year's 14,500 problems at most

    clusters, hits, total, clean = evaluate(GroupingSettings(burst_p=1e-4))
    recall = hits / clusters
    print(
        f"burst_p=1e-4: recall {recall:.1%} ({hits}/{clusters}); {total} groups, "
        f"{clean} with no injected row"
    )
    assert recall >= 0.85
    # About one false burst a year at most. The blocks of a 40-a-day log (~450 rows a year)
    # are compared pairwise, which meets every chance clump of a stock clause, not only
    # those whose rarest words agree: 7 over the six years (the anchor path alone: 1).
    assert clean <= 2 * len(SEEDS)


def test_low_volume_clusters_are_found():
    """A small centre: 8 problems a day (like the demo centre), three clusters a year.

    Its blocks hold ~90 problems a year, where a text's incidental words are as rare as its
    theme, so anchor keys disagree; the pairwise path groups them.
    """
    clusters, hits, total, clean = evaluate(GroupingSettings(), per_day=8, n_clusters=3)
    recall = hits / clusters
    print(
        f"\n8 a day: recall {recall:.1%} ({hits}/{clusters}); {total} groups, "
        f"{clean} with no injected row ({clean / len(SEEDS):.1f} a year)"
    )
    assert recall >= 0.85
    clusters, hits, total, clean = evaluate(
        GroupingSettings(pairwise_max_rows=0), per_day=8, n_clusters=3
    )
    print(
        f"8 a day, anchor path only: recall {hits / clusters:.1%} ({hits}/{clusters}); "
        f"{total} groups, {clean} with no injected row"
    )


@pytest.fixture(scope="module")
def texas() -> pd.DataFrame:
    raw = pd.read_csv(TEXAS, dtype={"keywords": str})
    return pd.DataFrame(
        {
            "id": raw["complaint_number"].astype("int64"),
            "received_at": pd.to_datetime(raw["received_date"], utc=True),
            "category": raw["complaint_type"].fillna(""),
            "product": raw["coverage_type"].fillna(""),
            "description": raw["keywords"].fillna(""),
        }
    )


def test_texas_harvey_complaints_are_grouped(texas):
    """Most Homeowners rows tagged Harvey sit in Harvey-named, mostly-Harvey groups."""
    groups = find_groups(texas)
    tagged_any = set(texas.loc[texas["description"].str.contains(HARVEY), "id"])
    homeowners = texas["product"] == "Homeowners"
    tagged = set(texas.loc[homeowners & texas["description"].str.contains(HARVEY), "id"])
    covered: set[int] = set()
    harvey_groups = 0
    for group in groups:
        members = set(group.problem_ids)
        named = any("harvey" in word for word in group.shared_words)
        if named:
            harvey_groups += 1
        if named and len(members & tagged_any) >= 0.8 * len(members):
            covered |= members & tagged
    share = len(covered) / len(tagged)
    print(
        f"\nTexas: {len(groups)} groups, {harvey_groups} naming Harvey; "
        f"{len(covered)}/{len(tagged)} Harvey-tagged Homeowners rows ({share:.1%}) in "
        "Harvey-named groups that are >= 80 % Harvey"
    )
    assert share >= 0.7
    assert any("hurricane harvey" in g.shared_words for g in groups if g.product == "Homeowners")
