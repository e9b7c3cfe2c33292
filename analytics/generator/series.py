"""Daily counts per category×product series, with the injected spikes, clusters and actions.

A series is one (category, product) pair, indexed ``s = category * n_products + product``.
Its expected count on day ``d`` is ``mean_per_day * weight[s] * profile[d]`` (the profile
holds the weekday pattern, a winter bump and a mild trend, normalised to mean 1), times the
true rate ratio of any preventive action on it. Counts are Poisson, optionally with a gamma
day×series factor (negative binomial, variance ``mu + overdispersion * mu**2``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from analytics.generator.config import (
    CATEGORIES,
    RANGE_CATEGORIES,
    GeneratorConfig,
    InjectedAction,
    InjectedSpike,
)
from analytics.generator.vocabulary import (
    CLUSTER_CAMPAIGNS,
    CLUSTER_CLAUSES,
    CLUSTER_PLACES,
    PREVENTIVE_ACTIONS,
    product_text,
)

CATEGORY_SHARES = np.array([0.33, 0.30, 0.29, 0.08])
SEASON_PEAK_DAY = 15  # day of the year of the winter peak (15 January)
ACTION_WINDOW_DAYS = 182  # 26 weeks either side of an action
SPIKE_LEAD_DAYS = 56  # spikes start after 8 weeks of history when the span allows


@dataclass(frozen=True)
class ClusterPlan:
    cluster_id: int
    series: int
    days: np.ndarray  # day index of each member
    clause: str  # the shared wording
    theme_words: tuple[str, ...]


@dataclass(frozen=True)
class SpikePlan:
    spike_id: int
    dimension: str
    key: str
    series: np.ndarray
    first: int
    last: int  # inclusive day index
    multiplier: float


@dataclass(frozen=True)
class Skeleton:
    """One entry per problem (unsorted): its series, day and injected labels."""

    series: np.ndarray
    day: np.ndarray
    spike_id: np.ndarray
    cluster_id: np.ndarray
    spikes: list[InjectedSpike]
    clusters: list[ClusterPlan]
    actions: list[InjectedAction]


def series_labels(n_products: int) -> tuple[np.ndarray, np.ndarray]:
    """Category and product index of every series."""
    s = np.arange(len(CATEGORIES) * n_products)
    return s // n_products, s % n_products


def time_profile(config: GeneratorConfig) -> np.ndarray:
    """The relative daily rate (mean 1): weekday pattern × winter bump × trend."""
    first = np.datetime64(config.start, "D")
    day = first + np.arange(config.days)
    weekday = (day.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    day_of_year = (day - day.astype("datetime64[Y]")).astype(np.int64) + 1
    season = 1 + config.seasonal_amplitude * np.cos(
        2 * np.pi * (day_of_year - SEASON_PEAK_DAY) / 365.25
    )
    t_years = (np.arange(config.days) - (config.days - 1) / 2) / 365.25
    profile = np.asarray(config.weekday_weights)[weekday] * season
    profile *= np.exp(config.trend_per_year * t_years)
    return profile / profile.mean()


def series_weights(rng: np.random.Generator, n_products: int) -> np.ndarray:
    """Share of the volume in each series: category mix × product popularity × noise."""
    products = rng.dirichlet(np.full(n_products, 4.0))
    noise = rng.lognormal(0.0, 0.25, size=(len(CATEGORIES), n_products))
    weights = CATEGORY_SHARES[:, None] * products[None, :] * noise
    return (weights / weights.sum()).ravel()


def draw_skeleton(config: GeneratorConfig, rng: np.random.Generator) -> Skeleton:
    """Plan the ground truth, draw the daily counts and expand them to one entry per row."""
    n_products = len(config.products)
    weights = series_weights(rng, n_products)
    mu = config.mean_per_day * weights[:, None] * time_profile(config)[None, :]
    actions = _place_actions(config, rng, weights, mu)
    targets = {_series_of(config, a.category, a.product) for a in actions}
    spike_plans = _place_spikes(config, rng, weights, targets)
    cluster_plans = _place_clusters(config, rng, weights, targets)

    if config.overdispersion > 0:
        shape = 1 / config.overdispersion
        mu = mu * rng.gamma(shape, 1 / shape, size=mu.shape)
    base = rng.poisson(mu)
    cells = [np.repeat(np.arange(base.size), base.ravel())]
    spike_ids = [np.full(cells[0].size, -1, dtype=np.int32)]
    spikes = []
    for plan in spike_plans:
        extra = _spike_cells(config, rng, plan, mu)
        cells.append(extra)
        spike_ids.append(np.full(extra.size, plan.spike_id, dtype=np.int32))
        spikes.append(_spike_truth(config, plan, extra.size))
    cell = np.concatenate(cells)
    members = [np.full(p.days.size, p.cluster_id, dtype=np.int32) for p in cluster_plans]
    return Skeleton(
        series=np.concatenate(
            [cell // config.days, *(np.full(p.days.size, p.series) for p in cluster_plans)]
        ).astype(np.int32),
        day=np.concatenate([cell % config.days, *(p.days for p in cluster_plans)]).astype(np.int32),
        spike_id=np.concatenate([*spike_ids, *(np.full(m.size, -1, np.int32) for m in members)]),
        cluster_id=np.concatenate([np.full(cell.size, -1, np.int32), *members]),
        spikes=spikes,
        clusters=cluster_plans,
        actions=actions,
    )


def _spike_cells(
    config: GeneratorConfig, rng: np.random.Generator, plan: SpikePlan, mu: np.ndarray
) -> np.ndarray:
    """The (series, day) cell of every extra row: Poisson(mu × (multiplier − 1)) per cell."""
    extra = rng.poisson(mu[plan.series, plan.first : plan.last + 1] * (plan.multiplier - 1))
    rows, cols = np.nonzero(extra)
    cell = plan.series[rows] * config.days + plan.first + cols
    return np.repeat(cell, extra[rows, cols])


def _series_of(config: GeneratorConfig, category: str, product: str) -> int:
    return CATEGORIES.index(category) * len(config.products) + config.products.index(product)


def _day(config: GeneratorConfig, index: int) -> date:
    return config.start + timedelta(days=int(index))


def _spike_truth(config: GeneratorConfig, plan: SpikePlan, extra: int) -> InjectedSpike:
    return InjectedSpike(
        spike_id=plan.spike_id,
        dimension=plan.dimension,
        key=plan.key,
        start=_day(config, plan.first),
        end=_day(config, plan.last),
        multiplier=plan.multiplier,
        extra=extra,
    )


def _weighted_pick(
    rng: np.random.Generator, candidates: np.ndarray, weights: np.ndarray, size: int
) -> np.ndarray:
    size = min(size, candidates.size)
    p = weights / weights.sum()
    return candidates[rng.choice(candidates.size, size=size, replace=False, p=p)]


def _action_window(config: GeneratorConfig) -> int:
    """Days compared either side of an action: 26 weeks, or whole weeks of half the span."""
    return min(ACTION_WINDOW_DAYS, max(7, config.days // 2 // 7 * 7))


def _action_days(config: GeneratorConfig, rng: np.random.Generator, n: int) -> list[int]:
    """Implementation days with a full window either side.

    With seasonality on, prefer 15 January or 16 July: the 26 weeks either side of a seasonal
    peak or trough carry the same seasonal volume, so a null action stays null.
    """
    window = _action_window(config)
    low, high = window, config.days - window
    if high < low:
        return [config.days // 2] * n
    day = np.datetime64(config.start, "D") + np.arange(low, high + 1)
    month = day.astype("datetime64[M]")
    month_day = (day - month).astype(np.int64) + 1
    month_of_year = month.astype(np.int64) % 12 + 1
    anchors = np.flatnonzero(
        ((month_of_year == 1) & (month_day == 15)) | ((month_of_year == 7) & (month_day == 16))
    )
    if config.seasonal_amplitude > 0 and anchors.size:
        picked = rng.permutation(anchors)[np.arange(n) % anchors.size]
    else:
        picked = rng.integers(0, high - low + 1, size=n)
    return [int(low + i) for i in picked]


def _place_actions(
    config: GeneratorConfig, rng: np.random.Generator, weights: np.ndarray, mu: np.ndarray
) -> list[InjectedAction]:
    """Pick busy range-category series for the actions and apply their true rate ratios."""
    n = config.actions_effective + config.actions_null
    if n == 0:
        return []
    category, product = series_labels(len(config.products))
    candidates = np.flatnonzero(category < len(RANGE_CATEGORIES))
    chosen = _weighted_pick(rng, candidates, weights[candidates] ** 2, n)
    ratios = np.array(
        [config.effective_ratio] * config.actions_effective + [1.0] * config.actions_null
    )
    ratios = rng.permutation(ratios)[: chosen.size]
    window = _action_window(config)
    actions = []
    for action_id, (s, ratio, on) in enumerate(
        zip(chosen, ratios, _action_days(config, rng, chosen.size), strict=True)
    ):
        before = mu[s, max(0, on - window) : on].mean() if on > 0 else mu[s, 0]
        mu[s, on:] *= ratio
        after = mu[s, on : on + window].mean()
        thing = rng.choice(product_text(config.products[product[s]]).things)
        actions.append(
            InjectedAction(
                action_id=action_id,
                category=CATEGORIES[category[s]],
                product=config.products[product[s]],
                implemented_on=_day(config, on),
                true_rate_ratio=float(ratio),
                baseline_rate_per_day=float(before),
                expected_rate_after_per_day=float(after),
                window_days=window,
                description=str(rng.choice(PREVENTIVE_ACTIONS)).format(thing=thing),
            )
        )
    return actions


def _spike_keys(
    config: GeneratorConfig, weights: np.ndarray, targets: set[int], dimension: str
) -> list[tuple[str, np.ndarray, float]]:
    """(key, its series, its volume) for every key whose series no action targets."""
    category, product = series_labels(len(config.products))
    names, index = (CATEGORIES, category) if dimension == "category" else (config.products, product)
    keys = []
    for i, name in enumerate(names):
        series = np.flatnonzero(index == i)
        if not targets.intersection(series.tolist()):
            keys.append((name, series, float(weights[series].sum())))
    return keys


def _place_spikes(
    config: GeneratorConfig, rng: np.random.Generator, weights: np.ndarray, targets: set[int]
) -> list[SpikePlan]:
    plans: list[SpikePlan] = []
    taken = np.zeros(config.days, dtype=bool)
    used: set[str] = set()
    for spike_id in range(config.spikes):
        dimension, key, series = _pick_spike_key(config, rng, weights, targets, used)
        used.add(key)
        length = min(config.days, int(rng.integers(config.spike_days[0], config.spike_days[1] + 1)))
        first = _free_window(config, rng, taken, length)
        taken[max(0, first - 14) : first + length + 14] = True
        plans.append(
            SpikePlan(
                spike_id=spike_id,
                dimension=dimension,
                key=key,
                series=series,
                first=first,
                last=first + length - 1,
                multiplier=round(float(rng.uniform(*config.spike_multiplier)), 2),
            )
        )
    return plans


def _pick_spike_key(
    config: GeneratorConfig,
    rng: np.random.Generator,
    weights: np.ndarray,
    targets: set[int],
    used: set[str],
) -> tuple[str, str, np.ndarray]:
    """A category or product, weighted by volume, avoiding action targets and earlier spikes'
    keys when possible."""
    order = ["category", "product"] if rng.random() < 0.5 else ["product", "category"]
    tries = [(order[0], targets), (order[1], targets), (order[0], set())]
    for (dimension, avoid), fresh in itertools.product(tries, (True, False)):
        keys = _spike_keys(config, weights, avoid, dimension)
        keys = [k for k in keys if k[0] not in used] if fresh else keys
        if keys:
            volume = np.array([k[2] for k in keys])
            key, series, _ = keys[rng.choice(len(keys), p=volume / volume.sum())]
            return dimension, key, series
    raise AssertionError("every dimension has keys")  # pragma: no cover


def _free_window(
    config: GeneratorConfig, rng: np.random.Generator, taken: np.ndarray, length: int
) -> int:
    """A start day after some history, away from earlier spikes when there is room."""
    lead = min(SPIKE_LEAD_DAYS, config.days // 4)
    high = max(lead, config.days - length)
    first = int(rng.integers(lead, high + 1))
    for _ in range(50):
        if not taken[first : first + length].any():
            break
        first = int(rng.integers(lead, high + 1))
    return first


def _place_clusters(
    config: GeneratorConfig, rng: np.random.Generator, weights: np.ndarray, targets: set[int]
) -> list[ClusterPlan]:
    category, product = series_labels(len(config.products))
    candidates = np.array([s for s in range(weights.size) if s not in targets])
    if candidates.size == 0:
        candidates = np.arange(weights.size)
    places = rng.permutation(CLUSTER_PLACES)
    campaigns = rng.permutation(CLUSTER_CAMPAIGNS)
    codes = rng.choice(9000, size=config.clusters, replace=False) + 1000
    spread = min(config.cluster_spread_days, config.days)
    plans = []
    for cluster_id in range(config.clusters):
        s = int(candidates[rng.choice(candidates.size, p=_norm(weights[candidates]))])
        size = int(rng.integers(config.cluster_size[0], config.cluster_size[1] + 1))
        first = int(rng.integers(0, config.days - spread + 1))
        days = np.sort(first + rng.integers(0, spread, size=size))
        code = f"{'EKRT'[cluster_id % 4]}{codes[cluster_id]}"
        place = str(places[cluster_id % places.size])
        campaign = str(campaigns[cluster_id % campaigns.size])
        thing = str(rng.choice(product_text(config.products[product[s]]).things))
        clause = CLUSTER_CLAUSES[CATEGORIES[category[s]]].format(
            thing=thing, code=code, place=place, campaign=campaign
        )
        plans.append(
            ClusterPlan(cluster_id, s, days.astype(np.int32), clause, (code, place, campaign))
        )
    return plans


def _norm(weights: np.ndarray) -> np.ndarray:
    return weights / weights.sum()
