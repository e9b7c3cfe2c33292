"""The whole portfolio as one printed document: the evidence achievement record, the knowledge
evidence record, the evidence index with the log records it draws on, the charts the manager's
dashboard draws for them (the same SVG, from analytics.dashboard), and the sampling record."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from analytics import dashboard as figures
from analytics.models import Effectiveness
from analytics.selectors import dashboard as stored
from complaints.privacy import Redacted
from complaints.selectors.preventive import repeated_problem_target
from portfolio.models import Enrolment
from portfolio.selectors.evidence_index import (
    EvidenceIndex,
    PrintedPreventive,
    PrintedRepeated,
    evidence_index,
)
from portfolio.selectors.printing import (
    AchievementRecord,
    KnowledgeEvidenceRecord,
    PrintedHeader,
    PrintedSignature,
    achievement_record,
    knowledge_evidence_record,
)
from portfolio.selectors.verification import sample_item_stories, sample_items_base
from portfolio.services.signing import signatures_verify

# The trend of a repeated problem is drawn from this many weeks before its first incident
# to this many after its last: enough to see the pattern rise and what followed.
TREND_MARGIN_WEEKS = 8


@dataclass
class PrintedChart:
    heading: str
    svg: str
    note: str = ""


@dataclass
class RepeatedWithTrend:
    printed: PrintedRepeated
    chart: PrintedChart | None
    missing: str = ""  # why there is no chart


@dataclass
class PreventiveWithEffect:
    printed: PrintedPreventive
    effect: stored.ActionEffect | None
    chart: PrintedChart | None


@dataclass
class PrintedReview:
    at: object
    review: object | None
    response: object | None
    signature: PrintedSignature | None


@dataclass
class PrintedSample:
    item: Redacted  # a SampleItem
    story: list[PrintedReview]


@dataclass
class FullPortfolio:
    header: PrintedHeader
    achievement: AchievementRecord
    knowledge: KnowledgeEvidenceRecord
    index: EvidenceIndex
    repeated: list[RepeatedWithTrend]
    preventive: list[PreventiveWithEffect]
    sampling: list[PrintedSample]

    @property
    def is_draft(self) -> bool:
        return self.achievement.is_draft or self.knowledge.is_draft or self.index.is_draft


def full_portfolio(*, enrolment: Enrolment) -> FullPortfolio:
    achievement = achievement_record(enrolment=enrolment)
    index = evidence_index(enrolment=enrolment)
    return FullPortfolio(
        header=achievement.header,
        achievement=achievement,
        knowledge=knowledge_evidence_record(enrolment=enrolment),
        index=index,
        repeated=[_with_trend(r) for r in index.repeated],
        preventive=_with_effects(index.preventive),
        sampling=sampling_record(enrolment=enrolment),
    )


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _with_trend(printed: PrintedRepeated) -> RepeatedWithTrend:
    """The weekly count of the problems the repeated problem is about (its product, or its
    type of problem when the incidents span several products), around its incidents."""
    record = printed.record
    target = repeated_problem_target(repeated_problem=record.wrapped)
    if not target or not printed.incidents:
        return RepeatedWithTrend(printed, None, "It has no incidents to draw.")
    latest = stored.latest_week(centre=record.centre)
    if latest is None:
        return RepeatedWithTrend(printed, None, "The analysis has not yet run on the log.")
    days = [timezone.localtime(p.received_at).date() for p in printed.incidents]
    margin = datetime.timedelta(weeks=TREND_MARGIN_WEEKS)
    start = _monday(min(days)) - margin
    end = min(_monday(max(days)) + margin, latest) + datetime.timedelta(days=6)
    if end < start:
        return RepeatedWithTrend(
            printed, None, "The analysis has not yet counted the weeks of these incidents."
        )
    dimension, value = (
        ("product", target["product"]) if target["product"] else ("category", target["category"])
    )
    filters = stored.DashboardFilters(
        centre=record.centre, start=start, end=end, dimension=dimension, value=value
    )
    trend = stored.trend(filters)
    figure = figures.trend_figure(
        trend, value_label=filters.value_label, chart_id=f"chart-repeated-{record.pk}"
    )
    note = (
        "Every problem of this kind in the centre's log, a week, from "
        f"{figures.long_date(start)} to {figures.long_date(end)}; a ringed point is a week the "
        "analysis found a spike."
    )
    return RepeatedWithTrend(printed, PrintedChart(figure.heading, figure.chart, note))


def _with_effects(actions: list[PrintedPreventive]) -> list[PreventiveWithEffect]:
    results = {
        r.action_id: r
        for r in Effectiveness.objects.filter(
            action_id__in=[p.action.pk for p in actions]
        ).select_related("action")
    }
    out = []
    for printed in actions:
        result = results.get(printed.action.pk)
        if result is None:
            out.append(PreventiveWithEffect(printed, None, None))
            continue
        effect = stored.effect_of(result)
        figure = figures.effect_figure(effect)
        out.append(
            PreventiveWithEffect(
                printed, effect, PrintedChart(figure.heading, figure.chart, result.summary)
            )
        )
    return out


def sampling_record(*, enrolment: Enrolment) -> list[PrintedSample]:
    """Every assessment of the enrolment's evidence the internal verifier sampled, with the
    reviews (each with its printed signature) and the assessor's responses, oldest first."""
    items = list(
        sample_items_base().filter(evidence__enrolment=enrolment).order_by("added_at", "pk")
    )
    by_item = sample_item_stories(items=items)
    stories = [(item, by_item[item.pk]) for item in items]
    reviewed = [e.signature for _, story in stories for e in story if e.signature]
    checked = signatures_verify(signatures=reviewed)
    return [
        PrintedSample(
            Redacted(item, ("reason",)),
            [
                PrintedReview(
                    e.at,
                    Redacted(e.review, ("comments",)) if e.review else None,
                    Redacted(e.response, ("text",)) if e.response else None,
                    PrintedSignature(e.signature, checked[e.signature.pk]) if e.signature else None,
                )
                for e in story
            ],
        )
        for item, story in stories
    ]
