"""The parts every chart is drawn with: sizes, colours, number formats, axes, markers,
legends and the root element (see the package's docstring for the rules they keep)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr  # writes (escapes) XML; parses none

WIDTH = 420
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
class Frame:
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


def num(value: float) -> str:
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


def svg_root(
    chart_id: str, kind: str, height: float, title: str, description: str, body: list[str]
):
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {num(height)}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}" '
        f'class="cb-chart" data-chart="{kind}" font-family="{FONT}" font-size="{FONT_SIZE}" '
        f'fill="{TEXT}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def text(x, y, content: str, *, anchor="start", size=None, fill=None, weight=None, extra=""):
    attrs = [f'x="{num(x)}"', f'y="{num(y)}"']
    if anchor != "start":
        attrs.append(f'text-anchor="{anchor}"')
    if size:
        attrs.append(f'font-size="{size}"')
    if fill:
        attrs.append(f'fill="{fill}"')
    if weight:
        attrs.append(f'font-weight="{weight}"')
    return f"<text {' '.join(attrs)}{extra}>{escape(content)}</text>"


def y_axis(frame: Frame, ticks: list[float], fmt: Callable[[float], str], label: str):
    top = ticks[-1] or 1
    parts = ['<g class="axis-y">']
    for tick in ticks:
        y = frame.bottom - frame.height * tick / top
        parts.append(
            f'<line x1="{num(frame.left)}" x2="{num(frame.right)}" y1="{num(y)}" '
            f'y2="{num(y)}" stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(text(frame.left - 6, y + 4, fmt(tick), anchor="end", fill=MUTED))
    parts.append(
        text(
            0,
            0,
            label,
            anchor="middle",
            fill=MUTED,
            extra=f' transform="translate(14 {num(frame.top + frame.height / 2)}) rotate(-90)"',
        )
    )
    parts.append("</g>")
    return "".join(parts)


def x_axis(frame: Frame, positions: list[float], labels: Sequence[str], label: str, height):
    """Tick labels spaced so they never overlap, the axis line, and the axis title."""
    widest = max((text_width(t) for t in labels), default=0) + 10
    every = max(1, math.ceil(widest / max(1.0, frame.width / max(1, len(labels)))))
    parts = [
        '<g class="axis-x">',
        f'<line x1="{num(frame.left)}" x2="{num(frame.right)}" y1="{num(frame.bottom)}" '
        f'y2="{num(frame.bottom)}" stroke="{MUTED}" stroke-width="1"/>',
    ]
    for i in range(0, len(labels), every):
        x = positions[i]
        parts.append(
            f'<line x1="{num(x)}" x2="{num(x)}" y1="{num(frame.bottom)}" '
            f'y2="{num(frame.bottom + 4)}" stroke="{MUTED}"/>'
        )
        half = text_width(labels[i]) / 2
        centre = min(max(x, half + 2), WIDTH - half - 2)  # the first and last stay inside
        parts.append(text(centre, frame.bottom + 18, labels[i], anchor="middle", fill=MUTED))
    parts.append(text(frame.left + frame.width / 2, height, label, anchor="middle", fill=MUTED))
    parts.append("</g>")
    return "".join(parts)


def marker(shape: str, x: float, y: float, colour: str, size: float = 4.0) -> str:
    if shape == "circle":
        return f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(size)}" fill="{colour}"/>'
    if shape == "square":
        s = size * 0.9
        return (
            f'<rect x="{num(x - s)}" y="{num(y - s)}" width="{num(2 * s)}" '
            f'height="{num(2 * s)}" fill="{colour}"/>'
        )
    if shape == "cross":
        s = size
        return (
            f'<path d="M{num(x - s)} {num(y - s)}L{num(x + s)} {num(y + s)}'
            f'M{num(x - s)} {num(y + s)}L{num(x + s)} {num(y - s)}" stroke="{colour}" '
            'stroke-width="2.2"/>'
        )
    s = size * 1.25
    points = {
        "diamond": [(x, y - s), (x + s, y), (x, y + s), (x - s, y)],
        "triangle": [(x, y - s), (x + s, y + s * 0.8), (x - s, y + s * 0.8)],
        "triangle-down": [(x, y + s), (x + s, y - s * 0.8), (x - s, y - s * 0.8)],
    }[shape]
    coords = " ".join(f"{num(px)},{num(py)}" for px, py in points)
    return f'<polygon points="{coords}" fill="{colour}"/>'


def ring(x: float, y: float) -> str:
    return (
        f'<circle cx="{num(x)}" cy="{num(y)}" r="8" fill="none" stroke="{SPIKE}" '
        'stroke-width="2.5"/>'
    )


def legend_block(entries: list[tuple[str, float]], top: float) -> tuple[str, float]:
    """Legend entries (markup drawn at its own origin, and its width) flowed into rows;
    returns the markup and the height used."""
    x, y, row_height, parts = 0.0, top, 20.0, ['<g class="legend">']
    for item, width in entries:
        if x and x + width > WIDTH - 8:
            x, y = 0.0, y + row_height
        parts.append(f'<g transform="translate({num(x + 8)} {num(y)})">{item}</g>')
        x += width + 16
    parts.append("</g>")
    return "".join(parts), y - top + row_height


def legend_line(index: int, name: str) -> tuple[str, float]:
    colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    item = (
        f'<g class="legend-item" data-label={quoteattr(name)}>'
        f'<line x1="0" x2="26" y1="0" y2="0" stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
        + marker(MARKERS[index % len(MARKERS)], 13, 0, colour)
        + text(32, 4, name)
        + "</g>"
    )
    return item, 32 + text_width(name)


def legend_ring(label: str) -> tuple[str, float]:
    item = (
        f'<g class="legend-item" data-label={quoteattr(label)}>{ring(10, 0)}'
        + text(24, 4, label)
        + "</g>"
    )
    return item, 24 + text_width(label)


def legend_swatch(label: str, fill: str) -> tuple[str, float]:
    item = (
        f'<g class="legend-item" data-label={quoteattr(label)}>'
        f'<rect x="0" y="-6" width="14" height="12" fill="{fill}" stroke="{MUTED}" '
        'stroke-width="0.5"/>' + text(20, 4, label) + "</g>"
    )
    return item, 20 + text_width(label)


def hatch(pattern_id: str, colour: str) -> str:
    return (
        f'<pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{colour}" stroke-width="3"/></pattern>'
    )


def empty(chart_id: str, kind: str, title: str, description: str, message: str) -> str:
    body = [text(WIDTH / 2, 60, message, anchor="middle", fill=MUTED)]
    return svg_root(chart_id, kind, 100, title, description, body)
