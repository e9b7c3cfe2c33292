"""Service levels and satisfaction per week: what the manager's dashboard reads.

First response and resolution are judged against the due times each problem carries (set from
the centre's targets when it was logged; the resolution due time moves later while the problem
waits on the customer). A problem counts towards a week's measure once its outcome is known:
answered or resolved, or past its due time without. Problems still inside their target, and
unresolved problems waiting on the customer (their clock is stopped), are not counted yet.

Weeks are local Monday-to-Sunday weeks in the business time zone. Service levels go by the
week a problem was received; satisfaction by the week the customer was asked. Each week has a
row per type of problem and one for all types (``category == ""``).

No Django imports: tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

ALL = ""  # the category of the rows that total every type of problem
AWAITING_CUSTOMER = "awaiting_customer"
SCORES = (1, 2, 3, 4, 5)
SERVICE_COLUMNS = (
    "received_at",
    "category",
    "status",
    "acknowledged_at",
    "first_response_due",
    "resolved_at",
    "resolution_due",
)


@dataclass(frozen=True)
class ServiceWeekRow:
    week: date  # the Monday
    category: str  # "" for all types
    received: int
    response_measured: int
    response_on_time: int
    resolution_measured: int
    resolution_on_time: int


@dataclass(frozen=True)
class SatisfactionWeekRow:
    week: date
    category: str
    scores: tuple[int, int, int, int, int]  # how many customers gave 1, 2, 3, 4 and 5

    @property
    def count(self) -> int:
        return sum(self.scores)

    @property
    def mean(self) -> float | None:
        if not self.count:
            return None
        return sum(s * n for s, n in zip(SCORES, self.scores, strict=True)) / self.count


def local_weeks(instants: pd.Series, tz: str) -> np.ndarray:
    """The local Monday of each tz-aware instant, as datetime64 (dates come at the end: a
    million ``date`` objects would cost more than the counting)."""
    local = instants.dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()
    return (local - pd.to_timedelta(local.dt.day_of_week, unit="D")).to_numpy()


def service_weeks(frame: pd.DataFrame, *, as_of: pd.Timestamp, tz: str) -> list[ServiceWeekRow]:
    """Per week of receipt and type of problem: problems received, first responses and
    resolutions whose outcome is known, and how many of those were within target.

    ``frame`` holds ``SERVICE_COLUMNS`` (instants tz-aware, NaT where unset); ``as_of`` is the
    instant the measure is taken (a due time before it has passed).
    """
    if frame.empty:
        return []
    ack, first_due = frame["acknowledged_at"], frame["first_response_due"]
    resolved, resolution_due = frame["resolved_at"], frame["resolution_due"]
    responded = ack.notna()
    response_known = first_due.notna() & (responded | (first_due < as_of))
    paused = frame["status"].astype(str).eq(AWAITING_CUSTOMER) & resolved.isna()
    resolution_known = resolution_due.notna() & (
        resolved.notna() | ((resolution_due < as_of) & ~paused)
    )
    measures = pd.DataFrame(
        {
            "week": local_weeks(frame["received_at"], tz),
            "category": frame["category"].astype(str).to_numpy(),
            "received": 1,
            "response_measured": response_known.to_numpy(),
            "response_on_time": (response_known & responded & (ack <= first_due)).to_numpy(),
            "resolution_measured": resolution_known.to_numpy(),
            "resolution_on_time": (
                resolution_known & resolved.notna() & (resolved <= resolution_due)
            ).to_numpy(),
        }
    )
    measures[measures.columns[2:]] = measures[measures.columns[2:]].astype(np.int64)
    totals = _with_all_types(measures, list(measures.columns[2:]))
    return [
        ServiceWeekRow(
            week=row.week.date(),
            category=row.category,
            received=int(row.received),
            response_measured=int(row.response_measured),
            response_on_time=int(row.response_on_time),
            resolution_measured=int(row.resolution_measured),
            resolution_on_time=int(row.resolution_on_time),
        )
        for row in totals.itertuples(index=False)
    ]


def satisfaction_weeks(frame: pd.DataFrame, *, tz: str) -> list[SatisfactionWeekRow]:
    """Per week of asking and type of problem: how many customers gave each score 1–5.

    ``frame`` holds ``taken_at`` (tz-aware), ``score`` (1–5) and ``category``; other scores are
    left out.
    """
    if frame.empty:
        return []
    scores = pd.to_numeric(frame["score"], errors="coerce")
    keep = scores.isin(SCORES)
    frame = frame[keep]
    if frame.empty:
        return []
    counts = pd.DataFrame(
        {
            "week": local_weeks(frame["taken_at"], tz),
            "category": frame["category"].astype(str).to_numpy(),
            **{f"s{s}": (scores[keep] == s).astype(np.int64).to_numpy() for s in SCORES},
        }
    )
    totals = _with_all_types(counts, [f"s{s}" for s in SCORES])
    return [
        SatisfactionWeekRow(
            week=row[0].date(),
            category=row[1],
            scores=tuple(int(v) for v in row[2:]),  # type: ignore[arg-type]
        )
        for row in totals.itertuples(index=False)
    ]


def _with_all_types(frame: pd.DataFrame, values: list[str]) -> pd.DataFrame:
    """Sums per (week, category), plus per week with category ``ALL``; by week, then type."""
    by_type = frame.groupby(["week", "category"], sort=False, observed=True)[values].sum()
    by_week = frame.groupby("week", sort=False)[values].sum()
    by_week["category"] = ALL
    by_week = by_week.reset_index().set_index(["week", "category"])
    both = pd.concat([by_type, by_week]).reset_index()
    return both.sort_values(["week", "category"], kind="stable").reset_index(drop=True)
