"""Drawing an internal verification sample. Pure: no Django imports.

An IV samples a share of an assessor's signed assessments. The size is the rate applied to
the population, rounded up, and at least one when there is anything to sample. Within that
size the draw is stratified: it spreads across learners first, then across the unit's
elements, so a 25% sample of an assessor's decisions does not land on one learner's
element 1 (what IQA strategies call sampling "across learners, units and assessment
methods"). Ties are broken by a seeded shuffle, so a recorded seed and population reproduce
the draw exactly.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """One signed assessment that may be sampled: an evidence item, whose learner it is, and
    the elements its signed outcomes belong to."""

    key: int
    learner: int
    elements: frozenset[int]


def sample_size(*, rate: int, population: int) -> int:
    """ceil(rate% of population), at least 1 when the population is not empty."""
    if not 1 <= rate <= 100:
        raise ValueError("the rate is a percentage from 1 to 100")
    if population <= 0:
        return 0
    return max(1, -(-rate * population // 100))


def sample_choose(*, candidates: Sequence[Candidate], size: int, seed: int) -> list[int]:
    """The keys of `size` candidates, chosen one at a time: each pick is the candidate whose
    learner has had fewest picks so far, then the one adding most elements not yet covered,
    then the first in a shuffle seeded with `seed`. The same candidates (in any order), size
    and seed always give the same keys, in the order chosen."""
    ordered = sorted(candidates, key=lambda c: c.key)
    # Not for security: the seed is recorded so anyone can repeat the draw.
    random.Random(seed).shuffle(ordered)  # noqa: S311
    position = {c.key: i for i, c in enumerate(ordered)}
    per_learner: Counter[int] = Counter()
    covered: set[int] = set()
    remaining = list(ordered)
    chosen: list[int] = []
    while remaining and len(chosen) < size:
        best = min(
            remaining,
            key=lambda c: (per_learner[c.learner], -len(c.elements - covered), position[c.key]),
        )
        remaining.remove(best)
        chosen.append(best.key)
        per_learner[best.learner] += 1
        covered |= best.elements
    return chosen
