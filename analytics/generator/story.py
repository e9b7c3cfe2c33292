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
    """Give the learner one of the injected clusters as their repeated problem and, from
    ``lag`` after its last incident, keep only a share of that category×product series'
    other problems (and their actions), as an effective preventive action would.

    The clusters are tried in turn: those holding most of the learner's own incidents
    first, then the larger, then the earlier. A cluster qualifies when at least
    MIN_WEEKS_AFTER weeks of log follow its change and one of the shares in ``keeps``
    (smallest, the clearest effect, first) leaves it still found by the engine's grouping
    (``grouping``, the settings the analysis uses), since thinning a block changes its word
    weights. The first that qualifies becomes the story and all its incidents become the
    learner's, so whatever day the log starts on there is a story when any cluster
    qualifies (which learner a generated row falls to is chance, and a story that depended
    on it came and went with the date). Returns the log unchanged and None when none does."""
    problems = log.problems
    mine = problems["learner_index"] % n_learners == learner_index
    last_day = log.config.start + timedelta(days=log.config.days - 1)
    draw = np.random.default_rng(seed).random(len(problems))
    if any(not 0 < keep < 1 for keep in keeps):
        raise ValueError("each share kept must be in (0, 1)")

    def preference(cluster):
        own = int((mine & problems["row_id"].isin(cluster.row_ids)).sum())
        return (-own, -len(cluster.row_ids), cluster.last_day, cluster.cluster_id)

    for cluster in sorted(log.clusters, key=preference):
        implemented_on = cluster.last_day + lag
        if len(cluster.row_ids) < 3 or (last_day - implemented_on).days < 7 * MIN_WEEKS_AFTER:
            continue
        after = (
            (problems["category"] == cluster.category)
            & (problems["product"] == cluster.product)
            & (problems["received_at"] >= pd.Timestamp(implemented_on, tz="UTC"))
            & (problems["cluster_id"] < 0)
            & (problems["spike_id"] < 0)
        )
        for keep in sorted(keeps):
            kept = problems[~(after & (draw >= keep))].reset_index(drop=True)
            if not _still_found(kept, cluster.row_ids, grouping):
                continue
            incidents = kept["row_id"].isin(cluster.row_ids)
            kept.loc[incidents, "learner_index"] = learner_index
            actions = log.actions[log.actions["row_id"].isin(kept["row_id"])]
            story = InjectedStory(
                cluster_id=cluster.cluster_id,
                category=cluster.category,
                product=cluster.product,
                implemented_on=implemented_on,
                incidents=int(incidents.sum()),
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
