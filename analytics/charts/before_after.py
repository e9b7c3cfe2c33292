"""A preventive action's weekly counts before and after the change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr  # writes (escapes) XML; parses none

from analytics.charts.svg import (
    MUTED,
    PALETTE,
    TEXT,
    WIDTH,
    Frame,
    empty,
    format_count,
    hatch,
    legend_block,
    legend_swatch,
    nice_ticks,
    num,
    svg_root,
    text,
    text_width,
    x_axis,
    y_axis,
)


@dataclass(frozen=True)
class Week:
    """A bar of the before/after chart: ``phase`` is before, guard, lag or after."""

    label: str
    count: int
    phase: str
    days: int = 7


PHASE_LABELS = {
    "before": "Before",
    "guard": "Left out",
    "lag": "Left out",
    "after": "After",
}


def before_after_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    weeks: Sequence[Week],
    change_index: int,
    before_mean: float | None,
    after_mean: float | None,
    change_label: str = "Change took effect",
    y_label: str = "Problems a week",
    x_label: str = "Week starting",
    height: float = 260,
) -> str:
    """Weekly bars of the problems a preventive action targets: the "before" weeks solid,
    the weeks left out (just before and after the change) hatched grey, the "after" weeks
    solid in a second colour, a vertical line where the change took effect, and the mean
    weekly count of each window as a labelled dashed line across it."""
    if not weeks:
        return empty(chart_id, "before-after", title, description, "No weeks to show yet.")
    means = [m for m in (before_mean, after_mean) if m is not None]
    ticks = nice_ticks(max([w.count for w in weeks] + means))
    frame = Frame(left=56, top=40, width=WIDTH - 56 - 14, height=height - 40 - 50)
    slot = frame.width / len(weeks)
    xs = [frame.left + slot * (i + 0.5) for i in range(len(weeks))]
    scale = frame.height / (ticks[-1] or 1)
    left_out = f"{chart_id}-left-out"
    body = [
        f"<defs>{hatch(left_out, '#6c757d')}</defs>",
        y_axis(frame, ticks, format_count, y_label),
        x_axis(frame, xs, [w.label for w in weeks], x_label, height - 6),
        _week_bars(weeks, xs, slot, frame, scale, left_out),
        _change_line(frame, frame.left + slot * change_index, change_label),
        _phase_labels(weeks, xs),
    ]
    for phase, mean, colour in (
        ("before", before_mean, PALETTE[0]),
        ("after", after_mean, PALETTE[2]),
    ):
        body.append(_mean_line(weeks, xs, slot, frame, scale, phase, mean, colour))
    entries = [
        legend_swatch("Before", PALETTE[0]),
        legend_swatch("Left out (guard and lag weeks)", f"url(#{left_out})"),
        legend_swatch("After", PALETTE[2]),
    ]
    markup, used = legend_block(entries, height + 14)
    body.append(markup)
    return svg_root(chart_id, "before-after", height + used + 4, title, description, body)


def _week_bars(weeks, xs, slot, frame: Frame, scale, left_out) -> str:
    fills = {"before": PALETTE[0], "after": PALETTE[2]}
    parts = ['<g class="bars">']
    for x, week in zip(xs, weeks, strict=True):
        h = week.count * scale
        if week.days == 0:
            parts.append(
                f'<g class="bar {week.phase} no-data" data-label={quoteattr(week.label)}>'
                f"<title>{escape(f'Week of {week.label}: no data (before the log starts)')}</title>"
                f'<rect x="{num(x - slot / 2)}" y="{num(frame.top)}" width="{num(slot)}" '
                f'height="{num(frame.height)}" fill="#f1f3f5"/></g>'
            )
            continue
        partial = f" ({week.days} days of data)" if week.days < 7 else ""
        tip = f"Week of {week.label}: {week.count:,}{partial}, {PHASE_LABELS[week.phase].lower()}"
        parts.append(
            f'<g class="bar {week.phase}" data-label={quoteattr(week.label)} '
            f'data-value="{week.count}"><title>{escape(tip)}</title>'
            f'<rect x="{num(x - slot * 0.4)}" y="{num(frame.bottom - h)}" '
            f'width="{num(max(1.0, slot * 0.8))}" height="{num(h)}" '
            f'fill="{fills.get(week.phase, f"url(#{left_out})")}"/></g>'
        )
    parts.append("</g>")
    return "".join(parts)


def _change_line(frame: Frame, x: float, label: str) -> str:
    anchor = "end" if x > frame.left + frame.width * 0.6 else "start"
    dx = -4 if anchor == "end" else 4
    return (
        f'<g class="change"><line x1="{num(x)}" x2="{num(x)}" y1="2" '
        f'y2="{num(frame.bottom)}" stroke="{TEXT}" stroke-width="2"/>'
        + text(x + dx, 12, label, anchor=anchor, size=12, weight="600")
        + "</g>"
    )


def _phase_labels(weeks, xs) -> str:
    """ "Before" and "After" written over the middle of their weeks."""
    parts = ['<g class="phases">']
    for phase in ("before", "after"):
        at = [x for x, w in zip(xs, weeks, strict=True) if w.phase == phase]
        if at:
            middle = (at[0] + at[-1]) / 2
            parts.append(
                text(middle, 30, PHASE_LABELS[phase], anchor="middle", size=12, fill=MUTED)
            )
    parts.append("</g>")
    return "".join(parts)


def _mean_line(weeks, xs, slot, frame: Frame, scale, phase, mean, colour) -> str:
    at = [x for x, w in zip(xs, weeks, strict=True) if w.phase == phase]
    if mean is None or not at:
        return ""
    y = frame.bottom - mean * scale
    x1, x2 = at[0] - slot / 2, at[-1] + slot / 2
    label = f"{format_count(round(mean, 1))} a week"
    label_y = y - 7 if y - 7 > frame.top + 10 else y + 16
    middle, half = (x1 + x2) / 2, text_width(label, 12) / 2 + 4
    return (
        f'<g class="mean {phase}" data-value="{mean:.4f}">'
        f'<line x1="{num(x1)}" x2="{num(x2)}" y1="{num(y)}" y2="{num(y)}" stroke="#ffffff" '
        'stroke-width="5"/>'
        f'<line x1="{num(x1)}" x2="{num(x2)}" y1="{num(y)}" y2="{num(y)}" stroke="{TEXT}" '
        'stroke-width="2.5" stroke-dasharray="6 3"/>'
        f'<rect x="{num(middle - half)}" y="{num(label_y - 12)}" width="{num(2 * half)}" '
        f'height="16" rx="3" fill="#ffffff" stroke="{colour}" stroke-width="1.5"/>'
        + text(middle, label_y, label, anchor="middle", size=12, weight="600")
        + "</g>"
    )
