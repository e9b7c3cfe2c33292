"""Bars: plain (a distribution), and the Pareto of categories or root causes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape, quoteattr  # writes (escapes) XML; parses none

from analytics.charts.svg import (
    GRID,
    MUTED,
    PALETTE,
    TEXT,
    WIDTH,
    Frame,
    empty,
    format_count,
    format_percent,
    hatch,
    legend_block,
    legend_line,
    legend_swatch,
    marker,
    nice_ticks,
    num,
    svg_root,
    text,
    x_axis,
    y_axis,
)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[float],
    x_label: str,
    y_label: str,
    y_format: Callable[[float], str] = format_count,
    height: float = 220,
) -> str:
    """Vertical bars with their values written above them."""
    if not labels or not any(values):
        return empty(chart_id, "bar", title, description, "No data for this period.")
    ticks = nice_ticks(max(values))
    frame = Frame(left=56, top=18, width=WIDTH - 56 - 14, height=height - 18 - 50)
    slot = frame.width / len(labels)
    xs = [frame.left + slot * (i + 0.5) for i in range(len(labels))]
    scale = frame.height / (ticks[-1] or 1)
    body = [
        y_axis(frame, ticks, y_format, y_label),
        x_axis(frame, xs, labels, x_label, height - 6),
    ]
    body.append('<g class="bars">')
    for x, label, value in zip(xs, labels, values, strict=True):
        h = value * scale
        body.append(
            f'<g class="bar" data-label={quoteattr(label)} data-value="{value:g}">'
            f"<title>{escape(f'{label}: {y_format(value)}')}</title>"
            f'<rect x="{num(x - slot * 0.3)}" y="{num(frame.bottom - h)}" '
            f'width="{num(slot * 0.6)}" height="{num(h)}" fill="{PALETTE[0]}"/>'
            + text(x, frame.bottom - h - 4, y_format(value), anchor="middle", size=12)
            + "</g>"
        )
    body.append("</g>")
    return svg_root(chart_id, "bar", height, title, description, body)


def pareto_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    counts: Sequence[int],
    cutoff: float = 0.8,
    axis_label: str = "Share of the problems with one recorded",
) -> str:
    """Horizontal bars, largest first, each as long as its share of the total, with the
    cumulative share as a line on the same 0–100 % axis and the cut-off dashed. The "vital
    few" (bars up to the one that takes the share past ``cutoff``) are solid, the rest
    hatched. Labels sit above their bars, so long names fit on a phone."""
    total = sum(counts)
    if not labels or total <= 0:
        return empty(chart_id, "pareto", title, description, "Nothing recorded for this period.")
    order = sorted(range(len(labels)), key=lambda i: (-counts[i], labels[i]))
    labels, counts = [labels[i] for i in order], [counts[i] for i in order]
    row = 38
    frame = Frame(left=12, top=34, width=WIDTH - 12 - 22, height=row * len(labels))
    hatch_id = f"{chart_id}-rest"
    cumulative, rows = 0, []
    for label, count in zip(labels, counts, strict=True):
        vital = cumulative / total < cutoff
        cumulative += count
        rows.append((label, count, count / total, cumulative / total, vital))
    body = [
        f"<defs>{hatch(hatch_id, PALETTE[0])}</defs>",
        _share_axis(frame, cutoff, axis_label),
        _pareto_rows(rows, frame, row, hatch_id),
        _pareto_line(rows, frame, row),
    ]
    entries = [
        legend_swatch(f"Vital few (up to {format_percent(100 * cutoff)})", PALETTE[0]),
        legend_swatch("The rest", f"url(#{hatch_id})"),
        legend_line(1, "Cumulative share"),
    ]
    markup, used = legend_block(entries, frame.bottom + 22)
    body.append(markup)
    return svg_root(chart_id, "pareto", frame.bottom + 22 + used - 4, title, description, body)


def _share_axis(frame: Frame, cutoff: float, label: str) -> str:
    parts = ['<g class="axis-x">', text(frame.left, 12, label, fill=MUTED)]
    for share in (0, 0.25, 0.5, 0.75, 1.0):
        x = frame.left + frame.width * share
        anchor = "start" if share == 0 else "end" if share == 1 else "middle"
        parts.append(text(x, 28, format_percent(100 * share), anchor=anchor, fill=MUTED, size=12))
        parts.append(
            f'<line x1="{num(x)}" x2="{num(x)}" y1="{num(frame.top)}" '
            f'y2="{num(frame.bottom)}" stroke="{GRID}" stroke-width="1"/>'
        )
    x = frame.left + frame.width * cutoff
    parts.append(
        f'<line class="cutoff" x1="{num(x)}" x2="{num(x)}" y1="{num(frame.top)}" '
        f'y2="{num(frame.bottom)}" stroke="{TEXT}" stroke-width="1.2" stroke-dasharray="5 4"/>'
    )
    parts.append("</g>")
    return "".join(parts)


def _pareto_rows(rows, frame: Frame, row: float, hatch_id: str) -> str:
    parts = ['<g class="bars">']
    for i, (label, count, share, cumulative, vital) in enumerate(rows):
        top = frame.top + i * row
        fill = PALETTE[0] if vital else f"url(#{hatch_id})"
        figures = f"{count:,} · {format_percent(100 * share)}"
        tip = f"{label}: {figures} ({format_percent(100 * cumulative)} cumulative)"
        parts.append(
            f'<g class="bar{" vital" if vital else ""}" data-label={quoteattr(label)} '
            f'data-value="{count}"><title>{escape(tip)}</title>'
            + f'<text x="{num(frame.left)}" y="{num(top + 15)}" font-size="12">'
            f'{escape(label)} <tspan font-weight="600">{escape(figures)}</tspan></text>'
            + f'<rect x="{num(frame.left)}" y="{num(top + 20)}" '
            f'width="{num(max(1.0, frame.width * share))}" height="13" fill="{fill}" '
            f'stroke="{PALETTE[0]}" stroke-width="1"/></g>'
        )
    parts.append("</g>")
    return "".join(parts)


def _pareto_line(rows, frame: Frame, row: float) -> str:
    colour = PALETTE[1]
    points = [
        (frame.left + frame.width * cumulative, frame.top + i * row + 26.5)
        for i, (_, _, _, cumulative, _) in enumerate(rows)
    ]
    path = "".join(f"{'M' if i == 0 else 'L'}{num(x)} {num(y)}" for i, (x, y) in enumerate(points))
    parts = [
        '<g class="cumulative">',
        f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2.5" '
        'stroke-dasharray="7 3"/>',
    ]
    for (x, y), (label, _, _, cumulative, _) in zip(points, rows, strict=True):
        parts.append(
            f'<g class="point" data-label={quoteattr(label)} data-value="{cumulative:.4f}">'
            f"<title>{escape(f'{label}: {format_percent(100 * cumulative)} cumulative')}</title>"
            + marker("square", x, y, colour, 3.6)
            + "</g>"
        )
    parts.append("</g>")
    return "".join(parts)
