"""Free text for the synthetic problems, assembled without a per-row Python loop.

Each description is ``opener + clause + tail``:

* the opener depends on who raised it and how ("Customer rang to say ", "I spotted that "),
* the clause comes from a pool rendered once per category×product series (generic clauses for
  the category with the product's noun phrases, plus clauses specific to the product), and
* the tail (" since last Tuesday. They want the money back today. Reference given.") from a
  pool rendered once per category.

Rows pick an index into each flat pool and the three pieces are joined with two vectorised
object-array additions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.generator.config import CATEGORIES, CHANNELS
from analytics.generator.vocabulary import (
    DETAILS,
    EFFECTS,
    EXPECTATIONS,
    GENERIC_CLAUSES,
    OPENERS,
    SHARED_EFFECTS,
    WEEKDAYS,
    WHENS,
    product_text,
)

RENDERINGS = 3  # random fillings of the number/day slots per clause template
OPENER_KEYS = (*CHANNELS, "internal_customer", "learner", "colleague")


@dataclass(frozen=True)
class Pool:
    """Strings for many groups in one object array: group g owns [start[g], start[g] + size[g])."""

    strings: np.ndarray
    start: np.ndarray
    size: np.ndarray

    @classmethod
    def of(cls, groups: list[list[str]]) -> Pool:
        sizes = np.array([len(g) for g in groups])
        strings = np.empty(int(sizes.sum()), dtype=object)
        strings[:] = [s for g in groups for s in g]
        return cls(strings, np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes)

    def pick(self, rng: np.random.Generator, group: np.ndarray) -> np.ndarray:
        """One random string of each row's group."""
        offset = (rng.random(group.size) * self.size[group]).astype(np.int64)
        return self.strings[self.start[group] + offset]


def _fill(rng: np.random.Generator, template: str) -> str:
    if "{" not in template:
        return template
    small = int(rng.integers(12, 180))
    return template.format(
        n=int(rng.integers(2, 15)),
        small=small,
        amount=small + int(rng.integers(20, 400)),
        day=WEEKDAYS[int(rng.integers(0, 5))],
    )


def _renderings(rng: np.random.Generator, templates: list[str]) -> list[str]:
    out: list[str] = []
    for template in templates:
        n = RENDERINGS if "{" in template else 1
        out.extend(_fill(rng, template) for _ in range(n))
    return list(dict.fromkeys(out))


def clause_pools(rng: np.random.Generator, products: tuple[str, ...]) -> tuple[Pool, Pool]:
    """Problem clauses and customer expectations for every series (category-major order)."""
    clauses, expectations = [], []
    for category in CATEGORIES:
        for product in products:
            text = product_text(product)
            things = [t.replace("{", "{{").replace("}", "}}") for t in text.things]
            generic = [t.replace("{thing}", x) for t in GENERIC_CLAUSES[category] for x in things]
            clauses.append(_renderings(rng, generic + list(text.clauses.get(category, ()))))
            wanted = [t.replace("{thing}", x) for t in EXPECTATIONS[category] for x in text.things]
            expectations.append(list(dict.fromkeys(wanted)))
    return Pool.of(clauses), Pool.of(expectations)


def tail_pool(rng: np.random.Generator) -> Pool:
    """Every when × effect × detail combination for each category, slots filled at random."""
    groups = []
    for category in CATEGORIES:
        effects = (*EFFECTS[category], *SHARED_EFFECTS)
        groups.append(
            [
                _fill(rng, f"{when}. {effect}{detail}")
                for when in WHENS
                for effect in effects
                for detail in DETAILS
            ]
        )
    return Pool.of(groups)


def opener_pool() -> Pool:
    return Pool.of([list(OPENERS[key]) for key in OPENER_KEYS])


def opener_group(
    identified_by: np.ndarray, customer_kind: np.ndarray, channel: np.ndarray
) -> np.ndarray:
    """Index into OPENER_KEYS: staff first, then internal customers, else the channel."""
    group = channel.astype(np.int64)
    group[customer_kind == 1] = OPENER_KEYS.index("internal_customer")
    group[identified_by == 1] = OPENER_KEYS.index("learner")
    group[identified_by == 2] = OPENER_KEYS.index("colleague")
    return group


def descriptions(
    rng: np.random.Generator,
    *,
    products: tuple[str, ...],
    series: np.ndarray,
    category: np.ndarray,
    opener: np.ndarray,
    cluster_id: np.ndarray,
    cluster_clauses: list[str],
) -> tuple[np.ndarray, np.ndarray]:
    """(description, customer_expectation) for every row; cluster rows share their clause."""
    clauses, expectations = clause_pools(rng, products)
    clause = clauses.pick(rng, series)
    in_cluster = np.flatnonzero(cluster_id >= 0)
    if in_cluster.size:
        shared = np.array(cluster_clauses, dtype=object)
        clause[in_cluster] = shared[cluster_id[in_cluster]]
    text = opener_pool().pick(rng, opener) + clause
    text += tail_pool(rng).pick(rng, category)
    return text, expectations.pick(rng, series)
