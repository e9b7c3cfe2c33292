"""Pareto tables: which few categories or root causes make up most of the problems.

No Django imports. A table lists each value with its count, share and cumulative share,
largest first, and marks the "vital few": the values up to and including the one where the
cumulative share first reaches the cut-off (80 % by default).
"""

from __future__ import annotations

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
    if counts.empty:
        return []
    frame = counts.rename_axis("value").reset_index(name="count")
    frame = frame.sort_values(["count", "value"], ascending=[False, True], kind="stable")
    total = int(frame["count"].sum())
    shares = frame["count"] / total
    cumulative = shares.cumsum()
    reached = cumulative.shift(fill_value=0.0) < cutoff
    return [
        ParetoRow(str(v), int(c), float(s), float(cu), bool(r))
        for v, c, s, cu, r in zip(
            frame["value"], frame["count"], shares, cumulative, reached, strict=True
        )
    ]
