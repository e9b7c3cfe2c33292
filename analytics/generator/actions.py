"""Action timelines for the synthetic problems, drawn kind by kind with vectorised numpy.

A typical timeline: ``responded`` soon after receipt, some ``kept_informed`` updates,
sometimes ``worked_with_others`` or ``informed_authority``, ``solved_in_authority`` at the
resolution when it was within the learner's authority, then ``satisfaction_checked`` a day or
two later. A problem staff spotted and fixed first gets ``solved_before_aware`` instead of a
response. Every action falls between receipt and the log's "now".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.generator import vocabulary as words
from analytics.generator.config import ACTION_COLUMNS, ACTION_KINDS
from analytics.generator.problems import NAT, NS_PER_DAY, NS_PER_HOUR, pick, utc_times
from analytics.generator.vocabulary import product_text

SATISFACTION_P = np.array(
    [
        [0.03, 0.05, 0.15, 0.37, 0.40],  # low
        [0.04, 0.07, 0.17, 0.36, 0.36],  # medium
        [0.07, 0.10, 0.20, 0.33, 0.30],  # high
        [0.12, 0.13, 0.22, 0.28, 0.25],  # critical
    ]
)
INFORMED_AUTHORITY_P = np.array([0.08, 0.18, 0.45, 0.85])
KIND = {kind: code for code, kind in enumerate(ACTION_KINDS)}


@dataclass(frozen=True)
class Timeline:
    """The per-problem inputs, for the problems that get actions (positions in the log)."""

    row: np.ndarray
    product: np.ndarray
    category: np.ndarray
    identified_by: np.ndarray
    customer_kind: np.ndarray
    severity: np.ndarray
    within_authority: np.ndarray
    received: np.ndarray
    resolved: np.ndarray  # NaT sentinel when open
    now: int

    @property
    def done(self) -> np.ndarray:
        return self.resolved != NAT

    @property
    def until(self) -> np.ndarray:
        """Resolution time, or now for open problems."""
        return np.where(self.done, self.resolved, self.now)


@dataclass
class _Parts:
    row: list[np.ndarray]
    kind: list[np.ndarray]
    taken: list[np.ndarray]
    description: list[np.ndarray]
    with_whom: list[np.ndarray]
    score: list[np.ndarray]
    customer_words: list[np.ndarray]

    def add(self, kind: str, at: np.ndarray, row: np.ndarray, description: np.ndarray, **extra):
        n = row.size
        self.row.append(row)
        self.kind.append(np.full(n, KIND[kind], dtype=np.int8))
        self.taken.append(at)
        self.description.append(description)
        self.with_whom.append(extra.get("with_whom", _strings("", n)))
        self.score.append(extra.get("score", np.zeros(n, dtype=np.int8)))
        self.customer_words.append(extra.get("customer_words", _strings("", n)))


def _strings(value: str, n: int) -> np.ndarray:
    out = np.empty(n, dtype=object)
    out[:] = value
    return out


def _choose(rng: np.random.Generator, options: tuple[str, ...], n: int) -> np.ndarray:
    return np.array(options, dtype=object)[rng.integers(0, len(options), size=n)]


def _between(rng: np.random.Generator, start: np.ndarray, end: np.ndarray, lo: float, hi: float):
    return start + ((end - start) * rng.uniform(lo, hi, size=start.size)).astype(np.int64)


def _teams(rng: np.random.Generator, products: tuple[str, ...], product: np.ndarray) -> np.ndarray:
    """A product's own team most of the time, otherwise a general one."""
    own = [product_text(p).teams or words.GENERIC_TEAMS for p in products]
    size = np.array([len(t) for t in own])
    flat = np.array([team for t in own for team in t], dtype=object)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    mine = flat[start[product] + (rng.random(product.size) * size[product]).astype(np.int64)]
    general = _choose(rng, words.GENERIC_TEAMS, product.size)
    return np.where(rng.random(product.size) < 0.7, mine, general)


def action_frame(
    rng: np.random.Generator, timeline: Timeline, products: tuple[str, ...]
) -> pd.DataFrame:
    """All actions for the given problems, ordered by problem then time."""
    t, parts = timeline, _Parts([], [], [], [], [], [], [])
    n, done, until = t.row.size, t.done, t.until
    spotted = np.flatnonzero(done & (t.identified_by > 0) & (rng.random(n) < 0.6))
    parts.add(
        "solved_before_aware",
        t.resolved[spotted],
        t.row[spotted],
        _choose(rng, words.SOLVED_BEFORE_AWARE, spotted.size),
    )
    told = np.ones(n, dtype=bool)
    told[spotted] = False
    first = t.resolved.copy()  # the first action: the fix, or the response to the customer
    first[told] = _responses(rng, t, parts, np.flatnonzero(told), until)
    # Later steps run until the resolution (or now); after a quiet fix, for a couple of hours.
    later = np.where(told, until, np.minimum(first + 2 * NS_PER_HOUR, t.now))
    _collaboration(rng, t, parts, told, first, later, products)
    solved = np.flatnonzero(told & done & t.within_authority)
    parts.add(
        "solved_in_authority",
        t.resolved[solved],
        t.row[solved],
        _choose(rng, words.SOLVED_IN_AUTHORITY, solved.size),
    )
    _satisfaction(rng, t, parts, told)
    noted = np.flatnonzero(rng.random(n) < 0.08)
    parts.add(
        "note",
        _between(rng, first[noted], later[noted], 0.0, 1.0),
        t.row[noted],
        _choose(rng, words.NOTES, noted.size),
    )
    return _frame(parts)


def _responses(rng, t: Timeline, parts: _Parts, who: np.ndarray, until: np.ndarray) -> np.ndarray:
    """Respond within about an hour, then keep the customer informed; returns response times."""
    span = until[who] - t.received[who]
    delay = (rng.exponential(1.0, size=who.size) * NS_PER_HOUR).astype(np.int64)
    responded = t.received[who] + np.minimum(delay, span // 3)
    parts.add("responded", responded, t.row[who], _choose(rng, words.RESPONDED, who.size))
    days = span / NS_PER_DAY
    updates = rng.poisson(np.minimum(3.0, 0.15 + 0.5 * days))
    each = np.repeat(who, updates)
    at = _between(rng, np.repeat(responded, updates), until[each], 0.2, 0.95)
    parts.add("kept_informed", at, t.row[each], _choose(rng, words.KEPT_INFORMED, each.size))
    return responded


def _collaboration(rng, t: Timeline, parts: _Parts, told, first, later, products) -> None:
    """Work with other teams (always when a fix was beyond authority) and tell authority."""
    n = t.row.size
    chance = np.where(t.category == 1, 0.55, 0.3)
    needs_help = t.done & ~t.within_authority
    worked = np.flatnonzero(told & (needs_help | (rng.random(n) < chance)))
    team = _teams(rng, products, t.product[worked])
    template = rng.integers(0, len(words.WORKED_WITH), size=worked.size)
    before = np.array([w[0] for w in words.WORKED_WITH], dtype=object)[template]
    after = np.array([w[1] for w in words.WORKED_WITH], dtype=object)[template]
    parts.add(
        "worked_with_others",
        _between(rng, first[worked], later[worked], 0.1, 0.8),
        t.row[worked],
        before + team + after,
        with_whom=team,
    )
    chance = np.where(told, INFORMED_AUTHORITY_P[t.severity], 0.5)
    informed = np.flatnonzero(rng.random(n) < chance)
    whom = _choose(rng, words.AUTHORITY, informed.size)
    template = rng.integers(0, len(words.INFORMED_AUTHORITY), size=informed.size)
    before = np.array([w[0] for w in words.INFORMED_AUTHORITY], dtype=object)[template]
    after = np.array([w[1] for w in words.INFORMED_AUTHORITY], dtype=object)[template]
    parts.add(
        "informed_authority",
        _between(rng, first[informed], later[informed], 0.2, 0.9),
        t.row[informed],
        before + np.char.lower(whom.astype(str)).astype(object) + after,
        with_whom=whom,
    )


def _satisfaction(rng, t: Timeline, parts: _Parts, told: np.ndarray) -> None:
    n = t.row.size
    delay = (rng.uniform(2.0, 72.0, size=n) * NS_PER_HOUR).astype(np.int64)
    at = t.resolved + delay
    asked = told & t.done & (t.customer_kind == 0) & (rng.random(n) < 0.7)
    asked = np.flatnonzero(asked & (at <= t.now))
    score = pick(rng, SATISFACTION_P, t.severity[asked]) + 1
    said = np.empty(asked.size, dtype=object)
    for value, options in words.CUSTOMER_WORDS.items():
        mine = np.flatnonzero(score == value)
        said[mine] = _choose(rng, options, mine.size)
    parts.add(
        "satisfaction_checked",
        at[asked],
        t.row[asked],
        _choose(rng, words.SATISFACTION_CHECKED, asked.size),
        score=score.astype(np.int8),
        customer_words=said,
    )


def _frame(parts: _Parts) -> pd.DataFrame:
    row = np.concatenate(parts.row)
    taken = np.concatenate(parts.taken)
    order = np.lexsort((taken, row))
    score = np.concatenate(parts.score)[order]
    frame = pd.DataFrame(
        {
            "row_id": row[order].astype(np.int64),
            "kind": pd.Categorical.from_codes(
                np.concatenate(parts.kind)[order], categories=list(ACTION_KINDS)
            ),
            "taken_at": utc_times(taken[order]),
            "description": np.concatenate(parts.description)[order],
            "with_whom": np.concatenate(parts.with_whom)[order],
            "satisfaction_score": pd.arrays.IntegerArray(score.astype(np.int8), score == 0),
            "customer_words": np.concatenate(parts.customer_words)[order],
        }
    )
    return frame[list(ACTION_COLUMNS)]
