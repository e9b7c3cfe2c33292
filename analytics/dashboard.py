"""The manager's dashboard as charts and tables, from what ``selectors.dashboard`` read.

No queries and no Django here: the page, the CSV export and (later) the PDF export all build
their charts and tables through these functions, so a chart and the table beside it, and the
CSV of that table, always hold the same numbers.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from analytics import charts
from analytics.selectors.dashboard import (
    ActionEffect,
    Candidates,
    Dashboard,
    Pareto,
    Satisfaction,
    Service,
    Trend,
)
from analytics.tables import COUNT, DATE, DECIMAL, PERCENT, Column, Table, percent

GRANULARITY_WORDS = {"day": "Day", "week": "Week"}
PHASE_WORDS = {
    "before": "Before",
    "guard": "Left out (guard)",
    "lag": "Left out (lag)",
    "after": "After",
}


@dataclass(frozen=True)
class Figure:
    """A chart and the tables that hold its numbers."""

    slug: str
    heading: str
    chart: str
    tables: list[Table]


def tick_label(week: datetime.date, span_weeks: int) -> str:
    return f"{week:%b %Y}" if span_weeks > 40 else f"{week.day} {week:%b}"


def long_date(day: datetime.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _signal_words(signal) -> str:
    if signal.granularity == "week":
        return f"{signal.key_label}, week of {long_date(signal.period_start)}"
    return f"{signal.key_label}, {signal.period_start:%a} {long_date(signal.period_start)}"


# --- problems over time ---------------------------------------------------------------------


def trend_figure(trend: Trend, *, value_label: str = "", chart_id: str = "chart-trend") -> Figure:
    weeks = trend.weeks
    labels = [tick_label(w, len(weeks)) for w in weeks]
    series = [charts.Series(line.label, line.counts, line.spike_weeks) for line in trend.lines]
    what = value_label or trend.dimension_label.lower()
    title = f"Problems a week: {what}" if value_label else f"Problems a week by {what}"
    spikes = "; ".join(_signal_words(s) for s in trend.signals[:6])
    description = (
        f"Weekly problems from {long_date(weeks[0])} to {long_date(weeks[-1] + datetime.timedelta(days=6))}"
        f", {sum(trend.totals):,} in all. Lines: {', '.join(line.label for line in trend.lines) or 'none'}. "
        + (
            f"{len(trend.signals)} spike{'s' if len(trend.signals) != 1 else ''} found: {spikes}."
            if trend.signals
            else "No spikes found in this period."
        )
    )
    chart = charts.line_chart(
        chart_id=chart_id,
        title=title,
        description=description,
        x_labels=labels,
        point_labels=[f"week of {long_date(w)}" for w in weeks],
        series=series,
        x_label="Week starting",
        y_label="Problems",
    )
    return Figure("trend", title, chart, [trend_table(trend), spikes_table(trend)])


def trend_table(trend: Trend) -> Table:
    columns = [Column("Week starting", DATE)] + [Column(line.label, COUNT) for line in trend.lines]
    if trend.other_series:
        columns.append(Column(f"Other {trend.other_series} together", COUNT))
    columns += [Column("All", COUNT), Column("Spikes")]
    rows, highlight = [], []
    for i, week in enumerate(trend.weeks):
        spiked = [line.label for line in trend.lines if i in line.spike_weeks]
        row = [week] + [line.counts[i] for line in trend.lines]
        if trend.other_series:
            row.append(trend.other[i])
        rows.append([*row, trend.totals[i], ", ".join(spiked)])
        highlight.append(bool(spiked))
    return Table(
        slug="trend",
        caption=f"Problems a week by {trend.dimension_label.lower()}",
        columns=columns,
        rows=rows,
        highlight=highlight,
    )


def spikes_table(trend: Trend) -> Table:
    return Table(
        slug="spikes",
        caption="Spikes the analysis found in the period",
        columns=[
            Column(trend.dimension_label),
            Column("Period"),
            Column("Problems", COUNT),
            Column("Expected", DECIMAL),
            Column("Unusual above", DECIMAL),
            Column("p-value"),
            Column("Method"),
        ],
        rows=[
            [
                s.key_label,
                _signal_period(s),
                s.observed,
                s.expected,
                s.threshold,
                "< 0.001" if s.p_value < 0.001 else f"{s.p_value:.3f}",
                s.method_label,
            ]
            for s in trend.signals
        ],
        note="No spikes in this period." if not trend.signals else "",
    )


def _signal_period(signal) -> str:
    if signal.granularity == "week":
        return f"Week of {long_date(signal.period_start)}"
    return f"{signal.period_start:%a} {long_date(signal.period_start)}"


# --- Pareto ------------------------------------------------------------------------------------


def pareto_figure(pareto: Pareto, slug: str) -> Figure:
    vital = [label for label, row in pareto.rows if row.vital_few]
    if pareto.rows:
        description = (
            f"{pareto.total:,} problems in the period. The vital few, making up 80%: "
            f"{', '.join(vital)}. Largest: {pareto.rows[0][0]} "
            f"({round(100 * pareto.rows[0][1].share)}%)."
        )
    else:
        description = "Nothing recorded in the period."
    chart = charts.pareto_chart(
        chart_id=f"chart-{slug}",
        title=f"Pareto of {pareto.title.lower()}",
        description=description,
        labels=[label for label, _ in pareto.rows],
        counts=[row.count for _, row in pareto.rows],
        axis_label="Share of the problems"
        if pareto.dimension == "category"
        else "Share of the problems with a root cause recorded",
    )
    return Figure(slug, pareto.title, chart, [pareto_table(pareto, slug)])


def pareto_table(pareto: Pareto, slug: str) -> Table:
    return Table(
        slug=slug,
        caption=f"Pareto of {pareto.title.lower()}",
        columns=[
            Column(pareto.title[:-1] if pareto.title.endswith("s") else pareto.title),
            Column("Problems", COUNT),
            Column("Share", PERCENT),
            Column("Cumulative share", PERCENT),
            Column("Vital few"),
        ],
        rows=[
            [label, r.count, 100 * r.share, 100 * r.cumulative_share, "Yes" if r.vital_few else ""]
            for label, r in pareto.rows
        ],
        note="Nothing recorded in this period." if not pareto.rows else "",
    )


# --- repeated problems ---------------------------------------------------------------------------


def candidates_table(candidates: Candidates) -> Table:
    return Table(
        slug="candidates",
        caption="Suggested repeated problems to review",
        columns=[
            Column("Product or service"),
            Column("Type of problem"),
            Column("Incidents", COUNT),
            Column("First", DATE),
            Column("Last", DATE),
            Column("Shared words"),
        ],
        rows=[
            [
                c.product,
                c.category_label,
                c.size,
                c.first_day,
                c.last_day,
                ", ".join(c.shared_words),
            ]
            for c in candidates.shown
        ],
        note="No suggestions waiting in this period." if not candidates.shown else "",
    )


# --- preventive actions -------------------------------------------------------------------------


def effect_figure(effect: ActionEffect) -> Figure:
    result, action = effect.result, effect.action
    weeks = [
        charts.Week(
            label=f"{datetime.date.fromisoformat(w['start']).day} "
            f"{datetime.date.fromisoformat(w['start']):%b}",
            count=w["count"],
            phase=w["phase"],
            days=w["days"],
        )
        for w in result.weekly
    ]
    change_index = next(
        (i for i, w in enumerate(result.weekly) if w["phase"] in ("lag", "after")), len(weeks)
    )
    slug = f"action-{action.pk}"
    title = f"{action.title}: problems a week before and after the change"
    chart = charts.before_after_chart(
        chart_id=f"chart-{slug}",
        title=title,
        description=f"{action.target_label}, changed on {long_date(action.implemented_on)}. "
        f"{result.summary}",
        weeks=weeks,
        change_index=change_index,
        before_mean=effect.before_mean,
        after_mean=effect.after_mean,
    )
    return Figure(slug, action.title, chart, [effect_table(effect)])


def effect_table(effect: ActionEffect) -> Table:
    result, action = effect.result, effect.action
    return Table(
        slug=f"action-{action.pk}",
        caption=f"{action.title}: problems a week",
        columns=[Column("Week starting", DATE), Column("Problems", COUNT), Column("Part")],
        rows=[
            [
                datetime.date.fromisoformat(w["start"]),
                w["count"],
                PHASE_WORDS.get(w["phase"], w["phase"]) + _days_note(w["days"]),
            ]
            for w in result.weekly
        ],
    )


def _days_note(days: int) -> str:
    if days == 0:
        return " (no data: before the log starts)"
    return f" ({days} days of data)" if days < 7 else ""


def effects_table(effects: list[ActionEffect]) -> Table:
    return Table(
        slug="actions",
        caption="Preventive actions, before and after",
        columns=[
            Column("Preventive action"),
            Column("Targets"),
            Column("Took effect", DATE),
            Column("Before, a week", DECIMAL),
            Column("After, a week", DECIMAL),
            Column("Rate ratio", DECIMAL),
            Column("Verdict"),
        ],
        rows=[
            [
                e.action.title,
                e.action.target_label,
                e.action.implemented_on,
                e.before_mean,
                e.after_mean,
                e.result.rate_ratio,
                e.verdict_label,
            ]
            for e in effects
        ],
        note="No preventive actions measured yet." if not effects else "",
    )


# --- service levels and satisfaction ------------------------------------------------------------


def service_figure(service: Service, *, scope: str) -> Figure:
    weeks = [week for week, _ in service.weeks]
    labels = [tick_label(w, len(weeks)) for w in weeks]
    response = [percent(t.response_on_time, t.response_measured) for _, t in service.weeks]
    resolution = [percent(t.resolution_on_time, t.resolution_measured) for _, t in service.weeks]
    total = service.total
    response_all = percent(total.response_on_time, total.response_measured)
    resolution_all = percent(total.resolution_on_time, total.resolution_measured)
    description = (
        f"{scope}: share of first responses within {service.first_response_hours} hours and of "
        f"resolutions within {service.resolution_hours} hours, per week of receipt. Over the "
        f"period: {_pct(response_all)} and {_pct(resolution_all)}."
    )
    chart = charts.line_chart(
        chart_id="chart-service",
        title="Service levels: within target",
        description=description,
        x_labels=labels,
        point_labels=[f"week of {long_date(w)}" for w in weeks],
        series=[
            charts.Series(f"First response within {service.first_response_hours} h", response),
            charts.Series(f"Resolution within {service.resolution_hours} h", resolution),
        ],
        x_label="Week received",
        y_label="Within target",
        y_format=charts.format_percent,
        y_max=100,
    )
    return Figure(
        "service",
        "Service levels",
        chart,
        [service_weeks_table(service), service_types_table(service)],
    )


def _pct(value: float | None) -> str:
    return "no data" if value is None else f"{value:.1f}%"


SERVICE_COLUMNS = [
    Column("Received", COUNT),
    Column("First responses due or made", COUNT),
    Column("Within target", COUNT),
    Column("% within target", PERCENT),
    Column("Resolutions due or made", COUNT),
    Column("Within target", COUNT),
    Column("% within target", PERCENT),
]


def _service_cells(t) -> list:
    return [
        t.received,
        t.response_measured,
        t.response_on_time,
        percent(t.response_on_time, t.response_measured),
        t.resolution_measured,
        t.resolution_on_time,
        percent(t.resolution_on_time, t.resolution_measured),
    ]


def service_weeks_table(service: Service) -> Table:
    return Table(
        slug="service-weeks",
        caption="Service levels per week received",
        columns=[Column("Week received", DATE), *SERVICE_COLUMNS],
        rows=[[week, *_service_cells(t)] for week, t in service.weeks],
    )


def service_types_table(service: Service) -> Table:
    return Table(
        slug="service-types",
        caption="Within target per type of problem, over the period",
        columns=[
            Column("Type of problem"),
            Column("Received", COUNT),
            Column(f"First response within {service.first_response_hours} h", PERCENT),
            Column(f"Resolved within {service.resolution_hours} h", PERCENT),
        ],
        rows=[
            [label, t.received, t.response_percent, t.resolution_percent]
            for label, t in service.by_type
        ],
        note="No problems received in this period." if not service.by_type else "",
    )


def satisfaction_figures(satisfaction: Satisfaction, *, scope: str) -> list[Figure]:
    weeks = [week for week, _ in satisfaction.weeks]
    total = satisfaction.total
    mean = f"{total.mean:.2f}" if total.mean is not None else "no scores"
    trend = charts.line_chart(
        chart_id="chart-satisfaction",
        title="Satisfaction: mean score a week",
        description=f"{scope}: the customers' mean satisfaction score (1 to 5) per week they "
        f"were asked; over the period {mean} from {total.count:,} customers.",
        x_labels=[tick_label(w, len(weeks)) for w in weeks],
        point_labels=[f"week of {long_date(w)}" for w in weeks],
        series=[charts.Series("Mean score", [s.mean for _, s in satisfaction.weeks])],
        x_label="Week asked",
        y_label="Mean score",
        y_format=charts.format_count,
        y_ticks=[0, 1, 2, 3, 4, 5],
    )
    spread = charts.bar_chart(
        chart_id="chart-scores",
        title="Satisfaction: how many gave each score",
        description="Scores over the period, 1 (poor) to 5 (excellent): "
        + ", ".join(f"{n:,} gave {score}" for score, n in enumerate(total.counts, start=1))
        + ".",
        labels=["1", "2", "3", "4", "5"],
        values=total.counts,
        x_label="Score",
        y_label="Customers",
    )
    weeks_table, scores_table = satisfaction_tables(satisfaction)
    return [
        Figure("satisfaction", "Mean score a week", trend, [weeks_table]),
        Figure("scores", "Scores given", spread, [scores_table]),
    ]


def satisfaction_tables(satisfaction: Satisfaction) -> tuple[Table, Table]:
    total = satisfaction.total
    weeks_table = Table(
        slug="satisfaction-weeks",
        caption="Satisfaction scores per week asked",
        columns=[
            Column("Week asked", DATE),
            Column("Customers asked", COUNT),
            Column("Mean score", DECIMAL),
            *[Column(f"Gave {score}", COUNT) for score in range(1, 6)],
        ],
        rows=[[week, s.count, s.mean, *s.counts] for week, s in satisfaction.weeks],
    )
    scores_table = Table(
        slug="satisfaction-scores",
        caption="How many customers gave each score over the period",
        columns=[Column("Score"), Column("Customers", COUNT), Column("Share", PERCENT)],
        rows=[
            [str(score), n, percent(n, total.count)]
            for score, n in enumerate(total.counts, start=1)
        ],
    )
    return weeks_table, scores_table


# --- the whole page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardView:
    trend: Figure
    paretos: list[Figure]
    candidates: Table
    effects: Table
    actions: list[Figure]
    service: Figure
    service_types: Table
    satisfaction: list[Figure]

    def tables(self) -> dict[str, Table]:
        """Every table on the page by its slug: what the CSV export offers."""
        figures = [self.trend, *self.paretos, *self.actions, self.service, *self.satisfaction]
        found = {t.slug: t for figure in figures for t in figure.tables}
        for table in (self.candidates, self.effects, self.service_types):
            found[table.slug] = table
        return found


def export_section(slug: str) -> str | None:
    """The part of the dashboard whose selector holds the table named ``slug``: all the CSV
    export reads."""
    if slug in ("trend", "spikes"):
        return "trend"
    if slug in ("pareto-types", "pareto-causes"):
        return "paretos"
    if slug == "candidates":
        return "candidates"
    if slug == "actions" or re.fullmatch(r"action-\d+", slug):
        return "effects"
    if slug in ("service-weeks", "service-types"):
        return "service"
    if slug in ("satisfaction-weeks", "satisfaction-scores"):
        return "satisfaction"
    return None


def section_tables(section: str, part) -> dict[str, Table]:
    """The tables of one part of the dashboard (what ``export_section`` named), by slug, built
    as the page builds them but without the charts."""
    if section == "trend":
        tables = [trend_table(part), spikes_table(part)]
    elif section == "paretos":
        tables = [
            pareto_table(part["category"], "pareto-types"),
            pareto_table(part["root_cause_category"], "pareto-causes"),
        ]
    elif section == "candidates":
        tables = [candidates_table(part)]
    elif section == "effects":
        tables = [effects_table(part), *(effect_table(e) for e in part)]
    elif section == "service":
        tables = [service_weeks_table(part), service_types_table(part)]
    else:
        tables = list(satisfaction_tables(part))
    return {table.slug: table for table in tables}


def dashboard_view(data: Dashboard) -> DashboardView:
    filters = data.filters
    scope = (
        f"Type of problem: {filters.value_label}" if filters.category else "All types of problem"
    )
    return DashboardView(
        trend=trend_figure(data.trend, value_label=filters.value_label),
        paretos=[
            pareto_figure(data.paretos["category"], "pareto-types"),
            pareto_figure(data.paretos["root_cause_category"], "pareto-causes"),
        ],
        candidates=candidates_table(data.candidates),
        effects=effects_table(data.effects),
        actions=[effect_figure(e) for e in data.effects],
        service=service_figure(data.service, scope=scope),
        service_types=service_types_table(data.service),
        satisfaction=satisfaction_figures(data.satisfaction, scope=scope),
    )
