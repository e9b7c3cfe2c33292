"""Pareto tables: which few categories or root causes make up most of the problems.

No Django imports. A table lists each value with its count, share and cumulative share,
largest first, and marks the "vital few": the values up to and including the one where the
cumulative share first reaches the cut-off (80 % by default).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class ParetoRow:
    value: str
    count: int
    share: float
    cumulative_share: float
    vital_few: bool


def pareto_table(values: pd.Series, *, cutoff: float = 0.8, missing: str = "") -> list[ParetoRow]:
    """The Pareto table of ``values``; blanks and NaN are counted under ``missing`` if it is
    given, else left out. Ties in count are ordered by value so the table is stable."""
    cleaned = values.astype("string").fillna("").str.strip()
    cleaned = cleaned.replace("", missing) if missing else cleaned[cleaned != ""]
    counts = cleaned.value_counts()
    return pareto_from_counts({str(v): int(c) for v, c in counts.items()}, cutoff=cutoff)


def pareto_from_counts(counts: Mapping[str, int], *, cutoff: float = 0.8) -> list[ParetoRow]:
    """The Pareto table of ready counts (plain Python: the dashboard builds it from stored
    weekly counts during a request). Zero counts are left out."""
    ranked = sorted(((v, n) for v, n in counts.items() if n > 0), key=lambda vn: (-vn[1], vn[0]))
    total = sum(n for _, n in ranked)
    rows, running = [], 0
    for value, count in ranked:
        vital = running / total < cutoff
        running += count
        rows.append(ParetoRow(value, count, count / total, running / total, vital))
    return rows
