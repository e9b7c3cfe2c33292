"""A story for one learner: their clearest repeated problem, and a change that worked.

Pure (pandas, no Django). The demo uses it so that a learner can confirm a suggested
repeated problem, log the change that dealt with it, and see the engine measure the effect
over the months of log that follow.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from analytics.engine.grouping import GroupingSettings, find_groups
from analytics.generator.config import GeneratedLog

# Weeks of log a story needs after its change for the before/after test to say something.
MIN_WEEKS_AFTER = 8


@dataclass(frozen=True, kw_only=True)
class InjectedStory:
    """The change behind a learner's repeated problem: the series it cut, from when."""

    cluster_id: int
    category: str
    product: str
    implemented_on: date
    incidents: int  # the learner's own incidents in the repeated problem
    keep: float  # the share of the series' later problems kept


def story_inject(
    log: GeneratedLog,
    *,
    learner_index: int,
    n_learners: int,
    lag: timedelta,
    keeps: tuple[float, ...],
    seed: int,
    grouping: GroupingSettings,
) -> tuple[GeneratedLog, InjectedStory | None]:
    """Pick the injected cluster holding most of the learner's incidents (three at least)
    and, from ``lag`` after its last incident, keep only a share of that category×product
    series' other problems (and their actions), as an effective preventive action would.

    The shares in ``keeps`` are tried in turn (smallest, the clearest effect, first); the
    first that leaves the cluster still found by the engine's grouping (``grouping``, the
    settings the analysis uses) wins, since thinning a block changes its word weights.
    Returns the log unchanged and None when no cluster qualifies, fewer than
    MIN_WEEKS_AFTER weeks of log would follow the change, or no share keeps it found."""
    problems = log.problems
    mine = problems["learner_index"] % n_learners == learner_index
    best, best_count = None, 2
    for cluster in log.clusters:
        count = int((mine & problems["row_id"].isin(cluster.row_ids)).sum())
        if count > best_count:
            best, best_count = cluster, count
    if best is None:
        return log, None
    implemented_on = best.last_day + lag
    last_day = log.config.start + timedelta(days=log.config.days - 1)
    if (last_day - implemented_on).days < 7 * MIN_WEEKS_AFTER:
        return log, None
    after = (
        (problems["category"] == best.category)
        & (problems["product"] == best.product)
        & (problems["received_at"] >= pd.Timestamp(implemented_on, tz="UTC"))
        & (problems["cluster_id"] < 0)
        & (problems["spike_id"] < 0)
    )
    draw = np.random.default_rng(seed).random(len(problems))
    for keep in sorted(keeps):
        if not 0 < keep < 1:
            raise ValueError("each share kept must be in (0, 1)")
        kept = problems[~(after & (draw >= keep))].reset_index(drop=True)
        if _still_found(kept, best.row_ids, grouping):
            actions = log.actions[log.actions["row_id"].isin(kept["row_id"])]
            story = InjectedStory(
                cluster_id=best.cluster_id,
                category=best.category,
                product=best.product,
                implemented_on=implemented_on,
                incidents=best_count,
                keep=keep,
            )
            return (
                dataclasses.replace(log, problems=kept, actions=actions.reset_index(drop=True)),
                story,
            )
    return log, None


def _still_found(problems: pd.DataFrame, row_ids: tuple[int, ...], grouping) -> bool:
    """Whether the engine's grouping finds a group of three or more of the cluster's rows."""
    frame = problems[["row_id", "received_at", "category", "product", "description"]].rename(
        columns={"row_id": "id"}
    )
    frame = frame.assign(
        category=frame["category"].astype(str), product=frame["product"].astype(str)
    )
    wanted = set(row_ids)
    return any(len(wanted & set(g.problem_ids)) >= 3 for g in find_groups(frame, grouping))
