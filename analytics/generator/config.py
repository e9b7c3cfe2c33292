"""The generator's settings, its ground truth and its output, as frozen dataclasses.

The choice values copy ``complaints.models`` on purpose: this package imports nothing from
Django, so it can run in benchmarks and database-free tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar

import pandas as pd

from analytics.generator.vocabulary import DEFAULT_PRODUCTS

CATEGORIES = ("expectations_gap", "system_failure", "resource_or_error", "other")
RANGE_CATEGORIES = CATEGORIES[:3]
IDENTIFIED_BY = ("customer", "learner", "colleague")
CUSTOMER_KINDS = ("external", "internal")
CHANNELS = ("phone", "email", "in_person", "web", "social", "letter", "internal", "other")
SEVERITIES = ("low", "medium", "high", "critical")
# Fishbone cause categories (complaints.models.Fishbone); "" where none was recorded.
ROOT_CAUSES = ("", "people", "process", "systems", "materials", "environment", "policy")
STATUSES = (
    "new",
    "acknowledged",
    "in_progress",
    "awaiting_customer",
    "escalated",
    "resolved",
    "closed",
    "reopened",
)
ACTION_KINDS = (
    "responded",
    "solved_in_authority",
    "worked_with_others",
    "kept_informed",
    "satisfaction_checked",
    "solved_before_aware",
    "informed_authority",
    "note",
)

PROBLEM_COLUMNS = (
    "row_id",
    "received_at",
    "identified_by",
    "customer_kind",
    "customer_ref",
    "channel",
    "product",
    "category",
    "severity",
    "customer_expectation",
    "description",
    "within_authority",
    "status",
    "resolved_at",
    "root_cause_category",
    "learner_index",
    "cluster_id",
    "spike_id",
)
ACTION_COLUMNS = (
    "row_id",
    "kind",
    "taken_at",
    "description",
    "with_whom",
    "satisfaction_score",
    "customer_words",
)


@dataclass(frozen=True, kw_only=True)
class GeneratorConfig:
    """What to generate. Rates are per business day; weekday weights run Monday to Sunday."""

    start: date
    days: int
    mean_per_day: float
    seed: int
    products: tuple[str, ...] = DEFAULT_PRODUCTS
    n_learners: int = 1
    spikes: int = 2
    clusters: int = 3
    actions_effective: int = 1
    actions_null: int = 1
    effective_ratio: float = 0.5
    spike_multiplier: tuple[float, float] = (2.0, 3.0)
    spike_days: tuple[int, int] = (7, 21)
    cluster_size: tuple[int, int] = (3, 6)
    cluster_spread_days: int = 30
    weekday_weights: tuple[float, ...] = (1.35, 1.2, 1.1, 1.05, 0.95, 0.3, 0.2)
    seasonal_amplitude: float = 0.15
    trend_per_year: float = 0.05
    overdispersion: float = 0.03
    open_days: int = 14
    with_actions: bool = True
    actions_recent_days: int | None = None
    timezone: str = "Europe/London"

    def __post_init__(self) -> None:
        checks = {
            "days must be at least 1": self.days >= 1,
            "mean_per_day must be positive": self.mean_per_day > 0,
            "products must be non-empty and unique": (
                len(self.products) > 0 and len(set(self.products)) == len(self.products)
            ),
            "n_learners must be at least 1": self.n_learners >= 1,
            "spikes, clusters and action counts must be >= 0": min(
                self.spikes, self.clusters, self.actions_effective, self.actions_null
            )
            >= 0,
            "effective_ratio must be in (0, 1]": 0 < self.effective_ratio <= 1,
            "spike_multiplier must be 1 <= low <= high": (
                1 <= self.spike_multiplier[0] <= self.spike_multiplier[1]
            ),
            "spike_days must be 1 <= low <= high": 1 <= self.spike_days[0] <= self.spike_days[1],
            "cluster_size must be 3 <= low <= high": 3
            <= self.cluster_size[0]
            <= self.cluster_size[1],
            "cluster_spread_days must be in 1..90": 1 <= self.cluster_spread_days <= 90,
            "weekday_weights needs 7 positive weights": len(self.weekday_weights) == 7
            and min(self.weekday_weights) > 0,
            "seasonal_amplitude must be in [0, 1)": 0 <= self.seasonal_amplitude < 1,
            "overdispersion must be >= 0": self.overdispersion >= 0,
            "open_days must be >= 0": self.open_days >= 0,
        }
        failed = [message for message, ok in checks.items() if not ok]
        if failed:
            raise ValueError("; ".join(failed))

    @property
    def end(self) -> date:
        """The first day after the generated period."""
        return date.fromordinal(self.start.toordinal() + self.days)


@dataclass(frozen=True, kw_only=True)
class InjectedSpike:
    """Extra problems in one series: every category×product series under dimension=key."""

    spike_id: int
    dimension: str  # "category" or "product"
    key: str
    start: date
    end: date  # inclusive
    multiplier: float
    extra: int  # rows added on top of the baseline (they carry spike_id)


@dataclass(frozen=True, kw_only=True)
class InjectedCluster:
    """A recurring problem: near-duplicate descriptions sharing its theme words."""

    cluster_id: int
    product: str
    category: str
    theme_words: tuple[str, ...]
    row_ids: tuple[int, ...]
    first_day: date
    last_day: date


@dataclass(frozen=True, kw_only=True)
class InjectedAction:
    """A preventive action on one category×product series from implemented_on onwards.

    ``baseline_rate_per_day`` is the expected daily count over ``window_days`` before
    implemented_on; ``expected_rate_after_per_day`` the same after it, including the true
    ratio, seasonality and trend (their quotient is what a before/after test should see).
    """

    action_id: int
    category: str
    product: str
    implemented_on: date
    true_rate_ratio: float
    baseline_rate_per_day: float
    expected_rate_after_per_day: float
    window_days: int
    description: str

    dimension: ClassVar[str] = "category_product"

    @property
    def effective(self) -> bool:
        return self.true_rate_ratio < 1


@dataclass(frozen=True, kw_only=True)
class GeneratedLog:
    """Problems (one row each), their action timelines, and the injected ground truth."""

    config: GeneratorConfig
    problems: pd.DataFrame
    actions: pd.DataFrame
    spikes: list[InjectedSpike] = field(default_factory=list)
    clusters: list[InjectedCluster] = field(default_factory=list)
    preventive_actions: list[InjectedAction] = field(default_factory=list)
    generated_until: datetime | None = None  # UTC instant: midnight after the last day
