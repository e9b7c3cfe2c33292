"""A pure generator of realistic customer-problem logs with known ground truth.

No Django imports: the demo data, the analytics tests and the benchmarks all use it.

    from analytics.generator import GeneratorConfig, generate_log
    log = generate_log(GeneratorConfig(start=date(2023, 1, 2), days=730, mean_per_day=40, seed=7))
    log.problems      # one row per problem (columns in PROBLEM_COLUMNS)
    log.actions       # the action timeline of each problem (columns in ACTION_COLUMNS)
    log.spikes, log.clusters, log.preventive_actions   # what was injected

Counts per category×product series follow a weekday pattern, a winter bump and a mild trend
(see ``series``); spikes multiply a category's or product's rate for one to three weeks;
effective preventive actions cut their series' rate by ``effective_ratio``; clusters are
three or more near-duplicate descriptions sharing distinctive theme words.
"""

from analytics.generator.build import generate_log
from analytics.generator.config import (
    ACTION_COLUMNS,
    ACTION_KINDS,
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
    InjectedAction,
    InjectedCluster,
    InjectedSpike,
)
from analytics.generator.vocabulary import DEFAULT_PRODUCTS

__all__ = [
    "ACTION_COLUMNS",
    "ACTION_KINDS",
    "CATEGORIES",
    "CHANNELS",
    "CUSTOMER_KINDS",
    "DEFAULT_PRODUCTS",
    "IDENTIFIED_BY",
    "PROBLEM_COLUMNS",
    "ROOT_CAUSES",
    "SEVERITIES",
    "STATUSES",
    "GeneratedLog",
    "GeneratorConfig",
    "InjectedAction",
    "InjectedCluster",
    "InjectedSpike",
    "generate_log",
]
