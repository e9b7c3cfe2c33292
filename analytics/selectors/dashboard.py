"""The manager's dashboard: stored results of the engine's last pass, read for a period and a
series. Every read is one query on an indexed, pre-aggregated table (weekly counts, signals,
candidates, effectiveness, weekly service levels and satisfaction), so a page costs the same
few queries at a thousand problems or a million; no pandas here."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from accounts.models import Centre
from analytics.engine.effectiveness import VERDICT_LABELS
from analytics.engine.pareto import ParetoRow, pareto_from_counts
from analytics.models import (
    DIMENSION_LABELS,
    KEY_CHOICES,
    AnalysisRun,
    Effectiveness,
    RecurringCandidate,
    SatisfactionWeek,
    SeriesCount,
    ServiceWeek,
    Signal,
)
from analytics.selectors.findings import run_in_progress
from analytics.selectors.frames import local_day_bounds
from analytics.tables import percent
from complaints.models import Category, Fishbone, ServiceLevel

DIMENSIONS = ("category", "product", "channel")
ROOT_CAUSE = "root_cause_category"
MAX_LINES = 5  # series drawn on the chart; the table adds the rest together
CANDIDATES_SHOWN = 10


def key_label(dimension: str, key: str) -> str:
    if dimension == ROOT_CAUSE:
        return dict(Fishbone.choices).get(key, key)
    return KEY_CHOICES.get(dimension, {}).get(key, key)


@dataclass(frozen=True)
class DashboardFilters:
    """What the dashboard shows: a centre, whole local weeks from ``start`` (a Monday) to
    ``end`` (a Sunday), and a dimension with, optionally, one of its values."""

    centre: Centre
    start: datetime.date
    end: datetime.date
    dimension: str = "category"
    value: str = ""

    @property
    def weeks(self) -> list[datetime.date]:
        count = (self.end - self.start).days // 7 + 1
        return [self.start + datetime.timedelta(weeks=i) for i in range(count)]

    @property
    def category(self) -> str:
        """The type of problem the filter narrows to ("" for all): service levels and
        satisfaction are kept per type only."""
        return self.value if self.dimension == "category" else ""

    @property
    def value_label(self) -> str:
        return key_label(self.dimension, self.value) if self.value else ""


# --- problems over time ---------------------------------------------------------------------


@dataclass(frozen=True)
class TrendLine:
    key: str
    label: str
    counts: list[int]
    spike_weeks: frozenset[int]


@dataclass(frozen=True)
class Trend:
    dimension: str
    dimension_label: str
    weeks: list[datetime.date]
    lines: list[TrendLine]
    other: list[int]  # every series not drawn, added together, per week
    other_series: int
    totals: list[int]
    signals: list[Signal]
    elsewhere: list[tuple[str, str, int]]  # (dimension, label, spikes) of the other dimensions

    @property
    def total(self) -> int:
        return sum(self.totals)


def trend(filters: DashboardFilters) -> Trend:
    """Weekly counts of the dimension's series (the value's alone when one is chosen), the
    spikes the engine found in the period, and which series to draw: those with spikes
    first, then the largest, up to ``MAX_LINES``."""
    weeks = filters.weeks
    index = {week: i for i, week in enumerate(weeks)}
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(weeks))
    rows = _weekly_counts(filters, filters.dimension)
    if filters.value:
        rows = rows.filter(key=filters.value)
    for key, day, count in rows.values_list("key", "day", "count"):
        counts[key][index[day]] += count
    signals = list(_signals(filters))
    spiked: dict[str, set[int]] = defaultdict(set)
    for signal in signals:
        week = signal.period_start - datetime.timedelta(days=signal.period_start.weekday())
        if week in index:
            spiked[signal.key].add(index[week])
    drawn = _drawn_keys(counts, spiked, filters.value)
    totals = [sum(column) for column in zip(*counts.values(), strict=True)] or [0] * len(weeks)
    other = [t - sum(counts[k][i] for k in drawn) for i, t in enumerate(totals)]
    return Trend(
        dimension=filters.dimension,
        dimension_label=DIMENSION_LABELS[filters.dimension],
        weeks=weeks,
        lines=[
            TrendLine(k, key_label(filters.dimension, k), counts[k], frozenset(spiked.get(k, ())))
            for k in drawn
        ],
        other=other,
        other_series=len(counts) - len(drawn),
        totals=totals,
        signals=signals,
        elsewhere=_spikes_elsewhere(filters),
    )


def _spikes_elsewhere(filters: DashboardFilters) -> list[tuple[str, str, int]]:
    """How many spikes the other dimensions the dashboard shows by have in the period."""
    others = [d for d in DIMENSIONS if d != filters.dimension]
    counts = dict(
        Signal.objects.filter(
            centre=filters.centre,
            active=True,
            dimension__in=others,
            period_start__lte=filters.end,
            period_end__gte=filters.start,
        )
        .values_list("dimension")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [(d, DIMENSION_LABELS[d], counts.get(d, 0)) for d in others]


def _drawn_keys(counts: dict[str, list[int]], spiked: dict, value: str) -> list[str]:
    if value:
        return [value]
    by_size = sorted(counts, key=lambda k: (-sum(counts[k]), k))
    first = [k for k in by_size if k in spiked]
    return (first + [k for k in by_size if k not in spiked])[:MAX_LINES]


def _weekly_counts(filters: DashboardFilters, dimension: str) -> QuerySet[SeriesCount]:
    return SeriesCount.objects.filter(
        centre=filters.centre,
        granularity="week",
        dimension=dimension,
        day__gte=filters.start,
        day__lte=filters.end,
    )


def _signals(filters: DashboardFilters) -> QuerySet[Signal]:
    signals = Signal.objects.filter(
        centre=filters.centre,
        active=True,
        dimension=filters.dimension,
        period_start__lte=filters.end,
        period_end__gte=filters.start,
    )
    if filters.value:
        signals = signals.filter(key=filters.value)
    return signals.order_by("period_start", "granularity", "key")


# --- Pareto ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pareto:
    dimension: str
    title: str
    rows: list[tuple[str, ParetoRow]]  # (label, row), largest first
    total: int


def paretos(filters: DashboardFilters) -> dict[str, Pareto]:
    """Types of problem and root causes ranked over the period, from the weekly counts (one
    query for both). The dimension filter does not narrow them: counts are kept per
    dimension, not per combination."""
    totals: dict[str, dict[str, int]] = {"category": {}, ROOT_CAUSE: {}}
    rows = (
        SeriesCount.objects.filter(
            centre=filters.centre,
            granularity="week",
            dimension__in=list(totals),
            day__gte=filters.start,
            day__lte=filters.end,
        )
        .values("dimension", "key")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for row in rows:
        totals[row["dimension"]][row["key"]] = row["n"]
    titles = {"category": "Types of problem", ROOT_CAUSE: "Root causes"}
    return {
        dimension: Pareto(
            dimension=dimension,
            title=titles[dimension],
            rows=[(key_label(dimension, r.value), r) for r in pareto_from_counts(counts)],
            total=sum(counts.values()),
        )
        for dimension, counts in totals.items()
    }


# --- repeated problems --------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateRow:
    product: str
    category: str
    category_label: str
    size: int
    first_day: datetime.date  # local days
    last_day: datetime.date
    shared_words: list[str]


@dataclass(frozen=True)
class Candidates:
    count: int
    shown: list[CandidateRow]


def candidates(filters: DashboardFilters, *, limit: int = CANDIDATES_SHOWN) -> Candidates:
    """Suggested repeated problems still to review, active in the period (and of the type or
    product chosen), newest first: plain rows, as the CSV may hold thousands."""
    start, end = local_day_bounds(filters.start, filters.end)
    queryset = RecurringCandidate.objects.filter(
        centre=filters.centre,
        status=RecurringCandidate.Status.PROPOSED,
        last_at__gte=start,
        first_at__lt=end,
    )
    if filters.value and filters.dimension in ("category", "product"):
        queryset = queryset.filter(**{filters.dimension: filters.value})
    rows = queryset.order_by("-last_at", "-pk").values_list(
        "category", "product", "size", "first_at", "last_at", "shared_words"
    )[:limit]
    labels, tz = KEY_CHOICES["category"], timezone.get_current_timezone()
    shown = [
        CandidateRow(
            product=product,
            category=category,
            category_label=labels.get(category, category),
            size=size,
            first_day=first_at.astimezone(tz).date(),
            last_day=last_at.astimezone(tz).date(),
            shared_words=words,
        )
        for category, product, size, first_at, last_at, words in rows
    ]
    return Candidates(count=queryset.count(), shown=shown)


# --- preventive actions -------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionEffect:
    result: Effectiveness
    verdict_label: str
    before_mean: float | None  # problems a week in the "before" window
    after_mean: float | None

    @property
    def action(self):
        return self.result.action


def effects(filters: DashboardFilters) -> list[ActionEffect]:
    """Every measured preventive action of the centre (those targeting the chosen type or
    product, when one is chosen), latest first."""
    results = Effectiveness.objects.filter(action__centre=filters.centre).select_related(
        "action", "action__learner"
    )
    if filters.value and filters.dimension == "category":
        results = results.filter(action__category=filters.value)
    elif filters.value and filters.dimension == "product":
        results = results.filter(action__product=filters.value)
    return [effect_of(r) for r in results.order_by("-action__implemented_on", "-action__pk")]


def effect_of(result: Effectiveness) -> ActionEffect:
    """One stored measurement as the dashboard and the printed portfolio show it."""
    return ActionEffect(
        result=result,
        verdict_label=VERDICT_LABELS.get(result.verdict, result.verdict),
        before_mean=_per_week(result.weekly, "before"),
        after_mean=_per_week(result.weekly, "after"),
    )


def _per_week(weekly: list[dict], phase: str) -> float | None:
    """Problems a week in one part of the measurement, over the days with data only (a
    window reaching back before the log began is not diluted by weeks of nothing)."""
    days = sum(w["days"] for w in weekly if w["phase"] == phase)
    if not days:
        return None
    return 7 * sum(w["count"] for w in weekly if w["phase"] == phase) / days


# --- service levels and satisfaction ------------------------------------------------------------


@dataclass
class ServiceTotals:
    received: int = 0
    response_measured: int = 0
    response_on_time: int = 0
    resolution_measured: int = 0
    resolution_on_time: int = 0

    @property
    def response_percent(self) -> float | None:
        return percent(self.response_on_time, self.response_measured)

    @property
    def resolution_percent(self) -> float | None:
        return percent(self.resolution_on_time, self.resolution_measured)

    def add(self, values) -> None:
        """Add (received, response_measured, …) in ``SERVICE_FIELDS`` order."""
        for name, value in zip(SERVICE_FIELDS, values, strict=True):
            setattr(self, name, getattr(self, name) + value)


SERVICE_FIELDS = (
    "received",
    "response_measured",
    "response_on_time",
    "resolution_measured",
    "resolution_on_time",
)


@dataclass(frozen=True)
class Service:
    first_response_hours: int
    resolution_hours: int
    weeks: list[tuple[datetime.date, ServiceTotals]]
    by_type: list[tuple[str, ServiceTotals]]
    total: ServiceTotals


def service(filters: DashboardFilters) -> Service:
    """First responses and resolutions within target per week (for all types, or the one
    chosen) and per type over the period; one query for the rows, one for the targets."""
    level = ServiceLevel.objects.filter(centre=filters.centre).first() or ServiceLevel()
    weeks = {week: ServiceTotals() for week in filters.weeks}
    by_type: dict[str, ServiceTotals] = defaultdict(ServiceTotals)
    rows = ServiceWeek.objects.filter(
        centre=filters.centre, week__gte=filters.start, week__lte=filters.end
    ).values_list("week", "category", *SERVICE_FIELDS)
    for week, category, *values in rows:
        if category == filters.category and week in weeks:
            weeks[week].add(values)
        if category:
            by_type[category].add(values)
    total = ServiceTotals()
    for totals in weeks.values():
        total.add([getattr(totals, name) for name in SERVICE_FIELDS])
    labels = dict(Category.choices)
    return Service(
        first_response_hours=level.first_response_hours,
        resolution_hours=level.resolution_hours,
        weeks=list(weeks.items()),
        by_type=sorted(
            ((labels.get(k, k), v) for k, v in by_type.items()), key=lambda kv: -kv[1].received
        ),
        total=total,
    )


@dataclass
class Scores:
    counts: list[int] = field(default_factory=lambda: [0] * 5)

    @property
    def count(self) -> int:
        return sum(self.counts)

    @property
    def mean(self) -> float | None:
        if not self.count:
            return None
        return sum(score * n for score, n in enumerate(self.counts, start=1)) / self.count

    def add(self, counts: list[int]) -> None:
        self.counts = [a + b for a, b in zip(self.counts, counts, strict=True)]


@dataclass(frozen=True)
class Satisfaction:
    weeks: list[tuple[datetime.date, Scores]]
    total: Scores


def satisfaction(filters: DashboardFilters) -> Satisfaction:
    """Satisfaction scores per week of asking (all types, or the one chosen)."""
    weeks = {week: Scores() for week in filters.weeks}
    total = Scores()
    rows = SatisfactionWeek.objects.filter(
        centre=filters.centre,
        category=filters.category,
        week__gte=filters.start,
        week__lte=filters.end,
    ).values_list("week", "scores")
    for week, scores in rows:
        if week in weeks:
            weeks[week].add(scores)
            total.add(scores)
    return Satisfaction(weeks=list(weeks.items()), total=total)


# --- the engine's runs --------------------------------------------------------------------------


@dataclass(frozen=True)
class RunState:
    last: AnalysisRun | None  # the latest full pass that finished (or failed)
    running: AnalysisRun | None  # a full pass queued or running now


def run_state(*, centre: Centre) -> RunState:
    last = (
        AnalysisRun.objects.filter(
            centre=centre,
            scope=AnalysisRun.Scope.FULL,
            status__in=[AnalysisRun.Status.SUCCEEDED, AnalysisRun.Status.FAILED],
        )
        .select_related("requested_by")
        .order_by("-finished_at", "-pk")
        .first()
    )
    return RunState(last=last, running=run_in_progress(centre=centre))


# --- the filter's choices ------------------------------------------------------------------------


def value_choices(*, centre: Centre) -> list[tuple[str, list[tuple[str, str]]]]:
    """(dimension label, [(value, label)]) for every dimension the dashboard filters by: the
    types and channels the unit defines, and the products the centre's log has."""
    products = (
        SeriesCount.objects.filter(centre=centre, granularity="week", dimension="product")
        .values_list("key", flat=True)
        .distinct()
        .order_by("key")
    )
    return [
        (DIMENSION_LABELS["category"], list(KEY_CHOICES["category"].items())),
        (DIMENSION_LABELS["product"], [(p, p) for p in products]),
        (DIMENSION_LABELS["channel"], list(KEY_CHOICES["channel"].items())),
    ]


def latest_week(*, centre: Centre) -> datetime.date | None:
    """The Monday of the last week with a stored count, if any."""
    return (
        SeriesCount.objects.filter(centre=centre, granularity="week", dimension="category")
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )


@dataclass(frozen=True)
class Dashboard:
    filters: DashboardFilters
    trend: Trend
    paretos: dict[str, Pareto]
    candidates: Candidates
    effects: list[ActionEffect]
    service: Service
    satisfaction: Satisfaction
    runs: RunState


def dashboard_data(
    *, filters: DashboardFilters, candidate_limit: int = CANDIDATES_SHOWN
) -> Dashboard:
    """Everything the dashboard shows for the filters."""
    return Dashboard(
        filters=filters,
        trend=trend(filters),
        paretos=paretos(filters),
        candidates=candidates(filters, limit=candidate_limit),
        effects=effects(filters),
        service=service(filters),
        satisfaction=satisfaction(filters),
        runs=run_state(centre=filters.centre),
    )


def dashboard_section(*, filters: DashboardFilters, section: str, candidate_limit: int):
    """One part of the dashboard (for the CSV export of one of its tables)."""
    readers = {
        "trend": trend,
        "paretos": paretos,
        "candidates": lambda f: candidates(f, limit=candidate_limit),
        "effects": effects,
        "service": service,
        "satisfaction": satisfaction,
    }
    return readers[section](filters)
