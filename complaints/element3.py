"""A preventive action in words: what it shows of element 3 (3.1–3.5, done and missing) and
its effectiveness card (the engine's before/after measurement, read, never computed here).

Pure: plain values and duck-typed records in, dataclasses out; no Django imports, so it is
tested without a database. The statistics are the analytics engine's
(analytics/engine/effectiveness.py); this module only words what it stored.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

# The unit's element 3 outcomes, word for word from portfolio/data/units/f6.yaml (a test
# checks they match). The problem log does not import the portfolio that loads them.
OUTCOMES = {
    "3.1": "negotiate with the appropriate authority changes to customer service systems and "
    "procedures that will reduce the chance of problems being repeated",
    "3.2": "action your agreed solution",
    "3.3": "keep your customers informed in a positive and clear manner of steps being taken "
    "to solve any service problems",
    "3.4": "monitor the solutions you have implemented and make any suitable changes to ensure "
    "that no further problems occur",
    "3.5": "action changes to customer service systems and procedures brought in by your "
    "organisation",
}

# Each outcome's section heading on the page, in the learner's words.
HEADINGS = {
    "3.1": "Negotiated with the appropriate authority",
    "3.2": "Actioned the agreed solution",
    "3.3": "Kept customers informed",
    "3.4": "Monitored it, and adjusted it",
    "3.5": "Actioned a change brought in by the organisation",
}

# The engine's verdicts (analytics.engine.effectiveness.VERDICT_*), as stored.
EFFECTIVE, NO_CHANGE, WORSE, TOO_EARLY = "effective", "no_clear_change", "worse", "too_early"
VERDICTS = {
    EFFECTIVE: (
        "Effective",
        "It worked: these problems fell after the change by more than chance would explain.",
        "success",
    ),
    NO_CHANGE: (
        "No clear change",
        "No clear change: the numbers moved too little to say the change made a difference.",
        "warning",
    ),
    WORSE: (
        "More problems since",
        "More of these problems since the change: it has not stopped them.",
        "danger",
    ),
    TOO_EARLY: (
        "Too early to tell",
        "Too early to tell: there is not enough data since the change to judge it yet.",
        "secondary",
    ),
}
# The engine's interval is at 1 − α with α = 0.05 (EffectSettings.alpha).
CONFIDENCE = 95
PHASES = {"before": "Before", "guard": "Left out (before)", "lag": "Left out (after)"}


def day(value: datetime.date) -> str:
    return f"{value.day} {value:%b %Y}"


# --- The effectiveness card ------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    label: str
    start: datetime.date
    end: datetime.date  # exclusive
    count: int | None

    @property
    def weeks(self) -> float:
        return max(0, (self.end - self.start).days) / 7

    @property
    def rate(self) -> str | None:
        """Problems a week, e.g. "2.3 a week"."""
        if self.count is None or self.weeks <= 0:
            return None
        return f"{self.count / self.weeks:.1f} a week"

    @property
    def detail(self) -> str:
        weeks = round(self.weeks)
        span = f"{day(self.start)} – {day(self.end - datetime.timedelta(days=1))}"
        if self.end <= self.start:
            return "no data yet"
        if self.count is None:
            return f"{weeks} week{'s' if weeks != 1 else ''} so far, {span}"
        problems = f"{self.count} problem{'s' if self.count != 1 else ''}"
        return f"{problems} in {weeks} week{'s' if weeks != 1 else ''}, {span}"


@dataclass(frozen=True)
class Week:
    start: datetime.date
    days: int
    count: int
    phase: str

    @property
    def phase_label(self) -> str:
        return PHASES.get(self.phase, "After")


@dataclass(frozen=True)
class EffectCard:
    """What the preventive action's page shows of the measurement. ``state``: "measured",
    "not_measured" (implemented, no result yet) or "not_implemented"."""

    state: str
    verdict: str = ""
    computed_at: datetime.datetime | None = None
    summary: str = ""
    before: Window | None = None
    after: Window | None = None
    rate_ratio: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    adjusted_for_volume: bool = False
    weeks: Sequence[Week] = ()
    next_analysis: str = ""

    @property
    def measured(self) -> bool:
        return self.state == "measured"

    @property
    def verdict_label(self) -> str:
        return VERDICTS.get(self.verdict, (self.verdict.replace("_", " ").capitalize(),))[0]

    @property
    def verdict_words(self) -> str:
        return VERDICTS[self.verdict][1] if self.verdict in VERDICTS else self.summary

    @property
    def tone(self) -> str:
        return VERDICTS[self.verdict][2] if self.verdict in VERDICTS else "secondary"

    @property
    def weak(self) -> bool:
        """A result that should prompt a look at the change: none, too early, or worse."""
        return self.measured and self.verdict != EFFECTIVE

    @property
    def too_early(self) -> bool:
        return self.verdict == TOO_EARLY

    @property
    def change(self) -> str | None:
        """ "down 58% (95% CI 23–78%)", from the stored rate ratio and its interval."""
        ratio, low, high = self.rate_ratio, self.ci_low, self.ci_high
        if ratio is None or low is None or high is None or not math.isfinite(ratio):
            return None
        if math.isnan(low) or math.isnan(high):
            return None
        if ratio <= 1:
            words, low_pct, high_pct = f"down {_pct(1 - ratio)}", 1 - high, 1 - low
        else:
            words, low_pct, high_pct = f"up {_pct(ratio - 1)}", low - 1, high - 1
        return f"{words} ({CONFIDENCE}% CI {_range(low_pct, high_pct)})"

    @property
    def p_text(self) -> str | None:
        if self.p_value is None or math.isnan(self.p_value):
            return None
        if self.p_value < 0.001:
            return "< 0.001"
        return f"{self.p_value:.3f}" if self.p_value < 0.1 else f"{self.p_value:.2f}"


def _pct(value: float) -> str:
    if math.isinf(value):
        return "∞"
    return f"{round(100 * value)}%"


def _range(low: float, high: float) -> str:
    """ "23–78%", or with a negative or unbounded end "−15% to 45%" (as the engine words it)."""
    if low >= 0 and math.isfinite(high):
        return f"{round(100 * low)}–{_pct(high)}"
    return f"{_pct(low)} to {_pct(high)}".replace("-", "−")


def effect_card(*, implemented: bool, measurement, next_analysis: str = "") -> EffectCard:
    """The card from the engine's stored row (``analytics.Effectiveness``, or None)."""
    if not implemented:
        return EffectCard(state="not_implemented")
    m = measurement
    if m is None:
        return EffectCard(state="not_measured", next_analysis=next_analysis)
    return EffectCard(
        state="measured",
        verdict=m.verdict,
        computed_at=m.computed_at,
        summary=m.summary,
        before=Window("Before", m.before_start, m.before_end, m.count_before),
        after=Window("After", m.after_start, m.after_end, m.count_after),
        rate_ratio=m.rate_ratio,
        ci_low=m.ci_low,
        ci_high=m.ci_high,
        p_value=m.p_value,
        adjusted_for_volume=m.adjusted_for_volume,
        weeks=[
            Week(datetime.date.fromisoformat(w["start"]), w["days"], w["count"], w["phase"])
            for w in (m.weekly or [])
        ],
        next_analysis=next_analysis,
    )


# --- What the record shows of element 3 ------------------------------------------------------


@dataclass
class Step:
    """One outcome of element 3 on this record: what is done, what is missing, or why it
    does not apply to this kind of record."""

    code: str
    done: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    not_applicable: str = ""
    warning: str = ""

    @property
    def text(self) -> str:
        return OUTCOMES[self.code]

    @property
    def heading(self) -> str:
        return HEADINGS[self.code]

    @property
    def anchor(self) -> str:
        return f"outcome-{self.code.replace('.', '-')}"

    @property
    def state(self) -> str:
        if self.not_applicable:
            return "not_applicable"
        return "missing" if self.missing or self.warning else "done"

    @property
    def state_label(self) -> str:
        return {"not_applicable": "Not this record", "missing": "To do", "done": "Done"}[self.state]


def element3_steps(action, *, communications: Sequence, adjustments: Sequence, card) -> list:
    """3.1–3.5 for one preventive action (a PreventiveAction, duck-typed)."""
    return [
        _negotiated(action),
        _actioned(action),
        _informed(action, communications),
        _monitored(action, adjustments, card),
        _organisations(action),
    ]


def _negotiated(action) -> Step:
    step = Step("3.1")
    if action.is_organisations:
        step.not_applicable = (
            "Your organisation brought this change in: it shows 3.5, not a change you negotiated."
        )
        return step
    if action.proposal:
        step.done.append(f"Proposed: {action.proposal}")
    else:
        step.missing.append("What you proposed to the appropriate authority.")
    if action.authority:
        step.done.append(f"Negotiated with {action.authority}.")
    else:
        step.missing.append("Who you negotiated with: the appropriate authority, by name or role.")
    if action.decision:
        step.done.append(f"{action.get_decision_display()} on {day(action.decision_on)}.")
        if action.agreed:
            step.done.append(f"Agreed: {action.agreed}")
    else:
        step.missing.append("Their decision, and its date.")
    if action.decision == "refused":
        step.warning = (
            "A refused change does not show 3.1. Negotiate a revised change with the "
            "appropriate authority as a new preventive action."
        )
    return step


def _actioned(action) -> Step:
    step = Step("3.2")
    if action.decision == "refused":
        step.not_applicable = "The change was refused, so there is nothing to action."
        return step
    if action.implemented_on:
        step.done.append(f"Took effect on {day(action.implemented_on)}.")
    else:
        step.missing.append(
            "The day the change took effect."
            + ("" if action.is_organisations or action.is_approved else " First, the approval.")
        )
    if action.description:
        step.done.append(f"What changed: {action.description}")
    else:
        step.missing.append("What changed in systems or procedures.")
    return step


def _informed(action, communications: Sequence) -> Step:
    step = Step("3.3")
    if action.decision == "refused":
        step.not_applicable = "The change was refused: there is nothing to tell customers."
        return step
    for c in communications:
        step.done.append(
            f"{day(c.sent_on)}: told {c.audience} ({c.get_channel_display().lower()})."
        )
    if not communications:
        step.missing.append("What you told customers about the change: when, how and to whom.")
    return step


def _monitored(action, adjustments: Sequence, card) -> Step:
    step = Step("3.4")
    if action.decision == "refused":
        step.not_applicable = "The change was refused: there is nothing to monitor."
        return step
    if action.monitoring_plan:
        step.done.append(f"Monitoring plan: {action.monitoring_plan}")
    else:
        step.missing.append("How you will monitor it: what you will watch, and for how long.")
    if card.measured and not card.too_early:
        step.done.append(f"Measured result: {card.verdict_label.lower()}.")
    elif card.measured:
        step.missing.append("A result: too early to tell so far; keep monitoring.")
    elif card.state == "not_measured":
        step.missing.append("A measured result: the analysis measures the change next.")
    else:
        step.missing.append("A measured result, once the change is implemented.")
    for a in adjustments:
        step.done.append(f"{day(a.made_on)}: adjusted: {a.what}")
    if card.weak and not card.too_early and not adjustments:
        step.missing.append("The result is weak: record what you adjusted, and why.")
    return step


def _organisations(action) -> Step:
    step = Step("3.5")
    if not action.is_organisations:
        step.not_applicable = (
            "Shown by a change your organisation brought in that you actioned: record one "
            "as a preventive action of that kind."
        )
        return step
    if action.organisation_change:
        step.done.append(f"Your organisation brought in: {action.organisation_change}")
    else:
        step.missing.append("What your organisation brought in.")
    if action.how_actioned:
        step.done.append(f"How you actioned it: {action.how_actioned}")
    else:
        step.missing.append("How you actioned it.")
    if not action.implemented_on:
        step.missing.append("The day it took effect.")
    return step
