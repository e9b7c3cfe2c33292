"""Lines over time, with the analysis's spikes ringed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr  # writes (escapes) XML; parses none

from analytics.charts.svg import (
    DASHES,
    MARKERS,
    PALETTE,
    WIDTH,
    Frame,
    empty,
    format_count,
    legend_block,
    legend_line,
    legend_ring,
    marker,
    nice_ticks,
    num,
    ring,
    svg_root,
    x_axis,
    y_axis,
)


@dataclass(frozen=True)
class Series:
    """A line: one value per x label (None for a gap); ``marks`` are the indices of the
    values the analysis flagged (drawn as rings)."""

    name: str
    values: Sequence[float | None]
    marks: frozenset[int] = field(default_factory=frozenset)


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    x_label: str,
    y_label: str,
    y_format: Callable[[float], str] = format_count,
    y_max: float | None = None,
    y_ticks: Sequence[float] | None = None,
    point_labels: Sequence[str] | None = None,
    mark_label: str = "Spike found by the analysis",
    height: float = 260,
) -> str:
    """Lines over time, one per series, with the flagged points ringed and a legend below.
    ``point_labels`` (default ``x_labels``) name each point in its tooltip; ``y_ticks``
    (from 0) replace the round steps up to the largest value or ``y_max``."""
    values = [v for s in series for v in s.values if v is not None]
    if not x_labels or not values:
        return empty(chart_id, "line", title, description, "No data for this period.")
    ticks = list(y_ticks) if y_ticks else nice_ticks(y_max if y_max is not None else max(values))
    frame = Frame(left=56, top=12, width=WIDTH - 56 - 14, height=height - 12 - 50)
    n = len(x_labels)
    xs = [frame.left + (frame.width * (i + 0.5) / n) for i in range(n)]
    scale = frame.height / (ticks[-1] or 1)
    names = point_labels or x_labels
    body = [
        y_axis(frame, ticks, y_format, y_label),
        x_axis(frame, xs, x_labels, x_label, height - 6),
    ]
    marked = False
    for index, line in enumerate(series):
        body.append(_series(index, line, xs, frame.bottom, scale, names, y_format))
        marked = marked or bool(line.marks)
    entries = [legend_line(i, s.name) for i, s in enumerate(series)]
    if marked:
        entries.append(legend_ring(mark_label))
    markup, used = legend_block(entries, height + 14)
    body.append(markup)
    return svg_root(chart_id, "line", height + used + 4, title, description, body)


def _series(index, line: Series, xs, bottom, scale, names, fmt) -> str:
    colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
    shape = MARKERS[index % len(MARKERS)]
    parts = [f'<g class="series" data-series={quoteattr(line.name)}>']
    path, pen_down = [], False
    for x, value in zip(xs, line.values, strict=True):
        if value is None:
            pen_down = False
            continue
        path.append(f"{'L' if pen_down else 'M'}{num(x)} {num(bottom - value * scale)}")
        pen_down = True
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    parts.append(
        f'<path d="{"".join(path)}" fill="none" stroke="{colour}" stroke-width="2.5" '
        f'stroke-linejoin="round"{dash_attr}/>'
    )
    for i, (x, value) in enumerate(zip(xs, line.values, strict=True)):
        if value is None:
            continue
        y = bottom - value * scale
        spike = i in line.marks
        tip = f"{line.name}, {names[i]}: {fmt(value)}" + (" (spike)" if spike else "")
        parts.append(
            f'<g class="point{" spike" if spike else ""}" data-label={quoteattr(names[i])} '
            f'data-value="{value:g}"><title>{escape(tip)}</title>'
            + marker(shape, x, y, colour, 3.2)
            + (ring(x, y) if spike else "")
            + "</g>"
        )
    parts.append("</g>")
    return "".join(parts)
