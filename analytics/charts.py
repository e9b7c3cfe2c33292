"""Accessible SVG charts for the manager's dashboard and its PDF export.

Pure: plain data in, an SVG string out; no Django, no pandas. The same string is inlined in
the page (no script, so it works offline and under a strict Content Security Policy) and
embedded in the PDF. Each chart:

- is sized by its ``viewBox`` only, so it scales to the width it is given, down to a phone;
- is an ``img`` to assistive technology, named by its ``<title>`` and summarised by its
  ``<desc>``; the page puts the data table beside it for the numbers;
- styles itself with presentation attributes (no classes it depends on, no external CSS);
- uses colours with at least 3:1 contrast on white (text 4.5:1), and never colour alone:
  series differ in dash pattern and marker shape too, spikes are rings, the parts of a
  before/after chart are labelled and patterned.

Marks carry ``data-*`` attributes (``data-value``, ``data-label``) so tests can read the
values back with ``xml.etree``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

WIDTH = 480
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
TEXT = "#212529"  # 15:1 on white
MUTED = "#495057"  # 8:1
GRID = "#dee2e6"  # decorative only
SPIKE = "#b00020"  # 7.4:1
# Each at least 4.5:1 on white, told apart by dash pattern and marker as well as hue.
PALETTE = ("#0b5cad", "#b5400e", "#1a7a45", "#6f3fa0", "#7a5600", "#3d4a56")
DASHES = ("", "7 3", "2 3", "9 3 2 3", "4 4", "1 3")
MARKERS = ("circle", "square", "diamond", "triangle", "cross", "triangle-down")
FONT_SIZE = 13
CHAR_WIDTH = 0.56  # average glyph width / font size, for laying out labels


@dataclass(frozen=True)
class Series:
    """A line: one value per x label (None for a gap); ``marks`` are the indices of the
    values the analysis flagged (drawn as rings)."""

    name: str
    values: Sequence[float | None]
    marks: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Week:
    """A bar of the before/after chart: ``phase`` is before, guard, lag or after."""

    label: str
    count: int
    phase: str
    days: int = 7


@dataclass(frozen=True)
class _Frame:
    """The plot area inside the viewBox."""

    left: float
    top: float
    width: float
    height: float

    @property
    def bottom(self) -> float:
        return self.top + self.height

    @property
    def right(self) -> float:
        return self.left + self.width


# --- formatting -----------------------------------------------------------------------------


def format_count(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def format_percent(value: float) -> str:
    return f"{value:.0f}%"


def format_score(value: float) -> str:
    return f"{value:.1f}"


def _num(value: float) -> str:
    """A coordinate, short."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def text_width(text: str, size: float = FONT_SIZE) -> float:
    return len(text) * size * CHAR_WIDTH


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """0 and round steps (1, 2, 2.5 or 5 × 10ⁿ) up to at least ``top``."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if top <= 5 and step < 1:
        step = 1.0  # counts: no half problems on the axis
    steps = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(steps + 1)]


def wrap(text: str, max_chars: int, max_lines: int = 3) -> list[str]:
    """Words into lines of at most ``max_chars`` (a last line cut short with an ellipsis)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= max_chars:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(1, max_chars - 1)] + "…"
    return lines or [""]


# --- building blocks ---------------------------------------------------------------------------


def _svg(chart_id: str, kind: str, height: float, title: str, description: str, body: list[str]):
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_num(height)}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}" '
        f'class="cb-chart" data-chart="{kind}" font-family="{FONT}" font-size="{FONT_SIZE}" '
        f'fill="{TEXT}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def _text(x, y, content: str, *, anchor="start", size=None, fill=None, weight=None, extra=""):
    attrs = [f'x="{_num(x)}"', f'y="{_num(y)}"']
    if anchor != "start":
        attrs.append(f'text-anchor="{anchor}"')
    if size:
        attrs.append(f'font-size="{size}"')
    if fill:
        attrs.append(f'fill="{fill}"')
    if weight:
        attrs.append(f'font-weight="{weight}"')
    return f"<text {' '.join(attrs)}{extra}>{escape(content)}</text>"


def _y_axis(frame: _Frame, ticks: list[float], fmt: Callable[[float], str], label: str):
    top = ticks[-1] or 1
    parts = ['<g class="axis-y">']
    for tick in ticks:
        y = frame.bottom - frame.height * tick / top
        parts.append(
            f'<line x1="{_num(frame.left)}" x2="{_num(frame.right)}" y1="{_num(y)}" '
            f'y2="{_num(y)}" stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(frame.left - 6, y + 4, fmt(tick), anchor="end", fill=MUTED))
    parts.append(
        _text(
            0,
            0,
            label,
            anchor="middle",
            fill=MUTED,
            extra=f' transform="translate(14 {_num(frame.top + frame.height / 2)}) rotate(-90)"',
        )
    )
    parts.append("</g>")
    return "".join(parts)


def _x_axis(frame: _Frame, positions: list[float], labels: Sequence[str], label: str, height):
    """Tick labels spaced so they never overlap, the axis line, and the axis title."""
    widest = max((text_width(t) for t in labels), default=0) + 10
    every = max(1, math.ceil(widest / max(1.0, frame.width / max(1, len(labels)))))
    parts = [
        '<g class="axis-x">',
        f'<line x1="{_num(frame.left)}" x2="{_num(frame.right)}" y1="{_num(frame.bottom)}" '
        f'y2="{_num(frame.bottom)}" stroke="{MUTED}" stroke-width="1"/>',
    ]
    for i in range(0, len(labels), every):
        x = positions[i]
        parts.append(
            f'<line x1="{_num(x)}" x2="{_num(x)}" y1="{_num(frame.bottom)}" '
            f'y2="{_num(frame.bottom + 4)}" stroke="{MUTED}"/>'
        )
        parts.append(_text(x, frame.bottom + 18, labels[i], anchor="middle", fill=MUTED))
    parts.append(_text(frame.left + frame.width / 2, height, label, anchor="middle", fill=MUTED))
    parts.append("</g>")
    return "".join(parts)


def _marker(shape: str, x: float, y: float, colour: str, size: float = 4.0) -> str:
    if shape == "circle":
        return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(size)}" fill="{colour}"/>'
    if shape == "square":
        s = size * 0.9
        return (
            f'<rect x="{_num(x - s)}" y="{_num(y - s)}" width="{_num(2 * s)}" '
            f'height="{_num(2 * s)}" fill="{colour}"/>'
        )
    if shape == "cross":
        s = size
        return (
            f'<path d="M{_num(x - s)} {_num(y - s)}L{_num(x + s)} {_num(y + s)}'
            f'M{_num(x - s)} {_num(y + s)}L{_num(x + s)} {_num(y - s)}" stroke="{colour}" '
            'stroke-width="2.2"/>'
        )
    s = size * 1.25
    points = {
        "diamond": [(x, y - s), (x + s, y), (x, y + s), (x - s, y)],
        "triangle": [(x, y - s), (x + s, y + s * 0.8), (x - s, y + s * 0.8)],
        "triangle-down": [(x, y + s), (x + s, y - s * 0.8), (x - s, y - s * 0.8)],
    }[shape]
    coords = " ".join(f"{_num(px)},{_num(py)}" for px, py in points)
    return f'<polygon points="{coords}" fill="{colour}"/>'


def _ring(x: float, y: float) -> str:
    return (
        f'<circle cx="{_num(x)}" cy="{_num(y)}" r="8" fill="none" stroke="{SPIKE}" '
        'stroke-width="2.5"/>'
    )


def _legend(items: list[str], widths: list[float], top: float) -> tuple[str, float]:
    """Legend entries (each already drawn at its own origin) flowed into rows; returns the
    markup and the height used."""
    x, y, row_height, parts = 0.0, top, 20.0, ['<g class="legend">']
    for item, width in zip(items, widths, strict=True):
        if x and x + width > WIDTH - 8:
            x, y = 0.0, y + row_height
        parts.append(f'<g transform="translate({_num(x + 8)} {_num(y)})">{item}</g>')
        x += width + 16
    parts.append("</g>")
    return "".join(parts), y - top + row_height


def _legend_line(index: int, name: str) -> tuple[str, float]:
    colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    item = (
        f'<g class="legend-item" data-label={quoteattr(name)}>'
        f'<line x1="0" x2="26" y1="0" y2="0" stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
        + _marker(MARKERS[index % len(MARKERS)], 13, 0, colour)
        + _text(32, 4, name)
        + "</g>"
    )
    return item, 32 + text_width(name)


def _legend_ring(label: str) -> tuple[str, float]:
    item = (
        f'<g class="legend-item" data-label={quoteattr(label)}>{_ring(10, 0)}'
        + _text(24, 4, label)
        + "</g>"
    )
    return item, 24 + text_width(label)


def _legend_swatch(label: str, fill: str) -> tuple[str, float]:
    item = (
        f'<g class="legend-item" data-label={quoteattr(label)}>'
        f'<rect x="0" y="-6" width="14" height="12" fill="{fill}" stroke="{MUTED}" '
        'stroke-width="0.5"/>' + _text(20, 4, label) + "</g>"
    )
    return item, 20 + text_width(label)


def _hatch(pattern_id: str, colour: str) -> str:
    return (
        f'<pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{colour}" stroke-width="3"/></pattern>'
    )


def _empty(chart_id: str, kind: str, title: str, description: str, message: str) -> str:
    body = [_text(WIDTH / 2, 60, message, anchor="middle", fill=MUTED)]
    return _svg(chart_id, kind, 100, title, description, body)


# --- charts --------------------------------------------------------------------------------------


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
    point_labels: Sequence[str] | None = None,
    mark_label: str = "Spike found by the analysis",
    height: float = 260,
) -> str:
    """Lines over time, one per series, with the flagged points ringed and a legend below.
    ``point_labels`` (default ``x_labels``) name each point in its tooltip."""
    values = [v for s in series for v in s.values if v is not None]
    if not x_labels or not values:
        return _empty(chart_id, "line", title, description, "No data for this period.")
    ticks = nice_ticks(y_max if y_max is not None else max(values))
    frame = _Frame(left=56, top=12, width=WIDTH - 56 - 14, height=height - 12 - 50)
    n = len(x_labels)
    xs = [frame.left + (frame.width * (i + 0.5) / n) for i in range(n)]
    scale = frame.height / (ticks[-1] or 1)
    names = point_labels or x_labels
    body = [
        _y_axis(frame, ticks, y_format, y_label),
        _x_axis(frame, xs, x_labels, x_label, height - 6),
    ]
    marked = False
    for index, line in enumerate(series):
        body.append(_series(index, line, xs, frame.bottom, scale, names, y_format))
        marked = marked or bool(line.marks)
    legend = [_legend_line(i, s.name) for i, s in enumerate(series)]
    if marked:
        legend.append(_legend_ring(mark_label))
    markup, used = _legend([m for m, _ in legend], [w for _, w in legend], height + 14)
    body.append(markup)
    return _svg(chart_id, "line", height + used + 4, title, description, body)


def _series(index, line: Series, xs, bottom, scale, names, fmt) -> str:
    colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
    shape = MARKERS[index % len(MARKERS)]
    parts = [f'<g class="series" data-series={quoteattr(line.name)}>']
    path, pen_down = [], False
    for x, value in zip(xs, line.values, strict=True):
        if value is None:
            pen_down = False
            continue
        path.append(f"{'L' if pen_down else 'M'}{_num(x)} {_num(bottom - value * scale)}")
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
            + _marker(shape, x, y, colour, 3.2)
            + (_ring(x, y) if spike else "")
            + "</g>"
        )
    parts.append("</g>")
    return "".join(parts)


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
        return _empty(chart_id, "bar", title, description, "No data for this period.")
    ticks = nice_ticks(max(values))
    frame = _Frame(left=56, top=18, width=WIDTH - 56 - 14, height=height - 18 - 50)
    slot = frame.width / len(labels)
    xs = [frame.left + slot * (i + 0.5) for i in range(len(labels))]
    scale = frame.height / (ticks[-1] or 1)
    body = [
        _y_axis(frame, ticks, y_format, y_label),
        _x_axis(frame, xs, labels, x_label, height - 6),
    ]
    body.append('<g class="bars">')
    for x, label, value in zip(xs, labels, values, strict=True):
        h = value * scale
        body.append(
            f'<g class="bar" data-label={quoteattr(label)} data-value="{value:g}">'
            f"<title>{escape(f'{label}: {y_format(value)}')}</title>"
            f'<rect x="{_num(x - slot * 0.3)}" y="{_num(frame.bottom - h)}" '
            f'width="{_num(slot * 0.6)}" height="{_num(h)}" fill="{PALETTE[0]}"/>'
            + _text(x, frame.bottom - h - 4, y_format(value), anchor="middle", size=12)
            + "</g>"
        )
    body.append("</g>")
    return _svg(chart_id, "bar", height, title, description, body)


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
        return _empty(chart_id, "pareto", title, description, "Nothing recorded for this period.")
    order = sorted(range(len(labels)), key=lambda i: (-counts[i], labels[i]))
    labels, counts = [labels[i] for i in order], [counts[i] for i in order]
    row = 38
    frame = _Frame(left=12, top=34, width=WIDTH - 12 - 22, height=row * len(labels))
    hatch_id = f"{chart_id}-rest"
    cumulative, rows = 0, []
    for label, count in zip(labels, counts, strict=True):
        vital = cumulative / total < cutoff
        cumulative += count
        rows.append((label, count, count / total, cumulative / total, vital))
    body = [
        f"<defs>{_hatch(hatch_id, PALETTE[0])}</defs>",
        _share_axis(frame, cutoff, axis_label),
        _pareto_rows(rows, frame, row, hatch_id),
        _pareto_line(rows, frame, row),
    ]
    legend = [
        _legend_swatch(f"Vital few (up to {format_percent(100 * cutoff)})", PALETTE[0]),
        _legend_swatch("The rest", f"url(#{hatch_id})"),
        _legend_line(1, "Cumulative share"),
    ]
    markup, used = _legend([m for m, _ in legend], [w for _, w in legend], frame.bottom + 22)
    body.append(markup)
    return _svg(chart_id, "pareto", frame.bottom + 22 + used - 4, title, description, body)


def _share_axis(frame: _Frame, cutoff: float, label: str) -> str:
    parts = ['<g class="axis-x">', _text(frame.left, 12, label, fill=MUTED)]
    for share in (0, 0.25, 0.5, 0.75, 1.0):
        x = frame.left + frame.width * share
        anchor = "start" if share == 0 else "end" if share == 1 else "middle"
        parts.append(_text(x, 28, format_percent(100 * share), anchor=anchor, fill=MUTED, size=12))
        parts.append(
            f'<line x1="{_num(x)}" x2="{_num(x)}" y1="{_num(frame.top)}" '
            f'y2="{_num(frame.bottom)}" stroke="{GRID}" stroke-width="1"/>'
        )
    x = frame.left + frame.width * cutoff
    parts.append(
        f'<line class="cutoff" x1="{_num(x)}" x2="{_num(x)}" y1="{_num(frame.top)}" '
        f'y2="{_num(frame.bottom)}" stroke="{TEXT}" stroke-width="1.2" stroke-dasharray="5 4"/>'
    )
    parts.append("</g>")
    return "".join(parts)


def _pareto_rows(rows, frame: _Frame, row: float, hatch_id: str) -> str:
    parts = ['<g class="bars">']
    for i, (label, count, share, cumulative, vital) in enumerate(rows):
        top = frame.top + i * row
        fill = PALETTE[0] if vital else f"url(#{hatch_id})"
        figures = f"{count:,} · {format_percent(100 * share)}"
        tip = f"{label}: {figures} ({format_percent(100 * cumulative)} cumulative)"
        parts.append(
            f'<g class="bar{" vital" if vital else ""}" data-label={quoteattr(label)} '
            f'data-value="{count}"><title>{escape(tip)}</title>'
            + f'<text x="{_num(frame.left)}" y="{_num(top + 15)}" font-size="12">'
            f'{escape(label)} <tspan font-weight="600">{escape(figures)}</tspan></text>'
            + f'<rect x="{_num(frame.left)}" y="{_num(top + 20)}" '
            f'width="{_num(max(1.0, frame.width * share))}" height="13" fill="{fill}" '
            f'stroke="{PALETTE[0]}" stroke-width="1"/></g>'
        )
    parts.append("</g>")
    return "".join(parts)


def _pareto_line(rows, frame: _Frame, row: float) -> str:
    colour = PALETTE[1]
    points = [
        (frame.left + frame.width * cumulative, frame.top + i * row + 26.5)
        for i, (_, _, _, cumulative, _) in enumerate(rows)
    ]
    path = "".join(
        f"{'M' if i == 0 else 'L'}{_num(x)} {_num(y)}" for i, (x, y) in enumerate(points)
    )
    parts = [
        '<g class="cumulative">',
        f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2.5" '
        'stroke-dasharray="7 3"/>',
    ]
    for (x, y), (label, _, _, cumulative, _) in zip(points, rows, strict=True):
        parts.append(
            f'<g class="point" data-label={quoteattr(label)} data-value="{cumulative:.4f}">'
            f"<title>{escape(f'{label}: {format_percent(100 * cumulative)} cumulative')}</title>"
            + _marker("square", x, y, colour, 3.6)
            + "</g>"
        )
    parts.append("</g>")
    return "".join(parts)


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
        return _empty(chart_id, "before-after", title, description, "No weeks to show yet.")
    means = [m for m in (before_mean, after_mean) if m is not None]
    ticks = nice_ticks(max([w.count for w in weeks] + means))
    frame = _Frame(left=56, top=40, width=WIDTH - 56 - 14, height=height - 40 - 50)
    slot = frame.width / len(weeks)
    xs = [frame.left + slot * (i + 0.5) for i in range(len(weeks))]
    scale = frame.height / (ticks[-1] or 1)
    left_out = f"{chart_id}-left-out"
    body = [
        f"<defs>{_hatch(left_out, '#6c757d')}</defs>",
        _y_axis(frame, ticks, format_count, y_label),
        _x_axis(frame, xs, [w.label for w in weeks], x_label, height - 6),
        _week_bars(weeks, xs, slot, frame, scale, left_out),
        _change_line(frame, frame.left + slot * change_index, change_label),
        _phase_labels(weeks, xs),
    ]
    for phase, mean, colour in (
        ("before", before_mean, PALETTE[0]),
        ("after", after_mean, PALETTE[2]),
    ):
        body.append(_mean_line(weeks, xs, slot, frame, scale, phase, mean, colour))
    legend = [
        _legend_swatch("Before", PALETTE[0]),
        _legend_swatch("Left out (guard and lag weeks)", f"url(#{left_out})"),
        _legend_swatch("After", PALETTE[2]),
    ]
    markup, used = _legend([m for m, _ in legend], [w for _, w in legend], height + 14)
    body.append(markup)
    return _svg(chart_id, "before-after", height + used + 4, title, description, body)


def _week_bars(weeks, xs, slot, frame: _Frame, scale, left_out) -> str:
    fills = {"before": PALETTE[0], "after": PALETTE[2]}
    parts = ['<g class="bars">']
    for x, week in zip(xs, weeks, strict=True):
        h = week.count * scale
        partial = f" (first {week.days} days)" if week.days < 7 else ""
        tip = f"Week of {week.label}: {week.count:,}{partial}, {PHASE_LABELS[week.phase].lower()}"
        parts.append(
            f'<g class="bar {week.phase}" data-label={quoteattr(week.label)} '
            f'data-value="{week.count}"><title>{escape(tip)}</title>'
            f'<rect x="{_num(x - slot * 0.4)}" y="{_num(frame.bottom - h)}" '
            f'width="{_num(max(1.0, slot * 0.8))}" height="{_num(h)}" '
            f'fill="{fills.get(week.phase, f"url(#{left_out})")}"/></g>'
        )
    parts.append("</g>")
    return "".join(parts)


def _change_line(frame: _Frame, x: float, label: str) -> str:
    anchor = "end" if x > frame.left + frame.width * 0.6 else "start"
    dx = -4 if anchor == "end" else 4
    return (
        f'<g class="change"><line x1="{_num(x)}" x2="{_num(x)}" y1="2" '
        f'y2="{_num(frame.bottom)}" stroke="{TEXT}" stroke-width="2"/>'
        + _text(x + dx, 12, label, anchor=anchor, size=12, weight="600")
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
                _text(middle, 30, PHASE_LABELS[phase], anchor="middle", size=12, fill=MUTED)
            )
    parts.append("</g>")
    return "".join(parts)


def _mean_line(weeks, xs, slot, frame: _Frame, scale, phase, mean, colour) -> str:
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
        f'<line x1="{_num(x1)}" x2="{_num(x2)}" y1="{_num(y)}" y2="{_num(y)}" stroke="#ffffff" '
        'stroke-width="5"/>'
        f'<line x1="{_num(x1)}" x2="{_num(x2)}" y1="{_num(y)}" y2="{_num(y)}" stroke="{TEXT}" '
        'stroke-width="2.5" stroke-dasharray="6 3"/>'
        f'<rect x="{_num(middle - half)}" y="{_num(label_y - 12)}" width="{_num(2 * half)}" '
        f'height="16" rx="3" fill="#ffffff" stroke="{colour}" stroke-width="1.5"/>'
        + _text(middle, label_y, label, anchor="middle", size=12, weight="600")
        + "</g>"
    )
