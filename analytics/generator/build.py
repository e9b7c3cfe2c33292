"""generate_log: the synthetic problem log with its ground truth, deterministic per seed."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from analytics.generator.actions import Timeline, action_frame
from analytics.generator.config import (
    CATEGORIES,
    CHANNELS,
    CUSTOMER_KINDS,
    IDENTIFIED_BY,
    PROBLEM_COLUMNS,
    ROOT_CAUSES,
    SEVERITIES,
    STATUSES,
    GeneratedLog,
    GeneratorConfig,
    InjectedCluster,
)
from analytics.generator.problems import (
    NS_PER_DAY,
    arrivals,
    customer_refs,
    local_midnights,
    outcomes,
    root_causes,
    utc_times,
)
from analytics.generator.series import Skeleton, draw_skeleton
from analytics.generator.text import descriptions, opener_group


def generate_log(config: GeneratorConfig) -> GeneratedLog:
    """Generate problems, their actions and the injected spikes, clusters and actions.

    Each part draws from its own child of ``SeedSequence(config.seed)``, so switching
    ``with_actions`` off (or changing ``actions_recent_days``) leaves the problems unchanged.
    """
    # Root causes came later, from a sixth child, so the first five draw what they always did.
    plan, arrival_rng, outcome_rng, text_rng, action_rng, cause_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(config.seed).spawn(6)
    )
    skeleton = draw_skeleton(config, plan)
    n_products = len(config.products)
    arrival = arrivals(config, arrival_rng, skeleton.series // n_products, skeleton.day)
    order = np.argsort(arrival.received, kind="stable")
    series, day = skeleton.series[order], skeleton.day[order]
    category, product = series // n_products, series % n_products
    identified_by, customer_kind = arrival.identified_by[order], arrival.customer_kind[order]
    channel, received = arrival.channel[order], arrival.received[order]
    cluster_id, spike_id = skeleton.cluster_id[order], skeleton.spike_id[order]
    now = int(local_midnights(config)[0][-1])

    outcome = outcomes(config, outcome_rng, category, received, now)
    cause = root_causes(cause_rng, category, outcome.resolved)
    refs = customer_refs(outcome_rng, series.size)
    learner = outcome_rng.integers(0, config.n_learners, size=series.size)
    description, expectation = descriptions(
        text_rng,
        products=config.products,
        series=series,
        category=category,
        opener=opener_group(identified_by, customer_kind, channel),
        cluster_id=cluster_id,
        cluster_clauses=[c.clause for c in skeleton.clusters],
    )
    problems = pd.DataFrame(
        {
            "row_id": np.arange(series.size, dtype=np.int64),
            "received_at": utc_times(received),
            "identified_by": _categorical(identified_by, IDENTIFIED_BY),
            "customer_kind": _categorical(customer_kind, CUSTOMER_KINDS),
            "customer_ref": refs,
            "channel": _categorical(channel, CHANNELS),
            "product": _categorical(product, config.products),
            "category": _categorical(category, CATEGORIES),
            "severity": _categorical(outcome.severity, SEVERITIES),
            "customer_expectation": expectation,
            "description": description,
            "within_authority": outcome.within_authority,
            "status": _categorical(outcome.status, STATUSES),
            "resolved_at": utc_times(outcome.resolved),
            "root_cause_category": _categorical(cause, ROOT_CAUSES),
            "learner_index": learner.astype(np.int64),
            "cluster_id": cluster_id.astype(np.int64),
            "spike_id": spike_id.astype(np.int64),
        },
        columns=list(PROBLEM_COLUMNS),
    )
    if config.with_actions:
        since = now - NS_PER_DAY * (config.actions_recent_days or config.days + 1)
        rows = np.flatnonzero(received >= since)
    else:
        rows = np.empty(0, dtype=np.int64)
    timeline = Timeline(
        row=rows,
        product=product[rows],
        category=category[rows],
        identified_by=identified_by[rows],
        customer_kind=customer_kind[rows],
        severity=outcome.severity[rows],
        within_authority=outcome.within_authority[rows],
        received=received[rows],
        resolved=outcome.resolved[rows],
        now=now,
    )
    return GeneratedLog(
        config=config,
        problems=problems,
        actions=action_frame(action_rng, timeline, config.products),
        spikes=skeleton.spikes,
        clusters=_cluster_truth(config, skeleton, cluster_id, day),
        preventive_actions=skeleton.actions,
        generated_until=pd.Timestamp(now, unit="ns", tz="UTC").to_pydatetime(),
    )


def _categorical(codes: np.ndarray, values: tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int16), categories=list(values))


def _cluster_truth(
    config: GeneratorConfig, skeleton: Skeleton, cluster_id: np.ndarray, day: np.ndarray
) -> list[InjectedCluster]:
    n_products = len(config.products)
    truth = []
    for plan in skeleton.clusters:
        rows = np.flatnonzero(cluster_id == plan.cluster_id)
        truth.append(
            InjectedCluster(
                cluster_id=plan.cluster_id,
                product=config.products[plan.series % n_products],
                category=CATEGORIES[plan.series // n_products],
                theme_words=plan.theme_words,
                row_ids=tuple(int(r) for r in rows),
                first_day=config.start + timedelta(days=int(day[rows].min())),
                last_day=config.start + timedelta(days=int(day[rows].max())),
            )
        )
    return truth
