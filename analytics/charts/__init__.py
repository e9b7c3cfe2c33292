"""Accessible SVG charts for the manager's dashboard and its PDF export.

Pure: plain data in, an SVG string out; no Django, no pandas. The same string is inlined in
the page (no script, so it works offline and under a strict Content Security Policy) and
embedded in the PDF. Each chart:

- is sized by its ``viewBox`` only, so it scales to the width it is given, down to a phone;
- is an ``img`` to assistive technology, named by its ``<title>`` and summarised by its
  ``<desc>``; the page puts the data table beside it for the numbers;
- styles itself with presentation attributes (no classes it depends on, no external CSS);
- uses colours with at least 4.5:1 contrast on white, and never colour alone:
  series differ in dash pattern and marker shape too, spikes are rings, the parts of a
  before/after chart are labelled and patterned.

Marks carry ``data-*`` attributes (``data-value``, ``data-label``) so tests can read the
values back with ``xml.etree``.
"""

from analytics.charts.bars import bar_chart, pareto_chart
from analytics.charts.before_after import Week, before_after_chart
from analytics.charts.lines import Series, line_chart
from analytics.charts.svg import (
    MARKERS,
    MUTED,
    PALETTE,
    SPIKE,
    TEXT,
    format_count,
    format_percent,
    format_score,
    nice_ticks,
    wrap,
)

__all__ = [
    "MARKERS",
    "MUTED",
    "PALETTE",
    "SPIKE",
    "TEXT",
    "Series",
    "Week",
    "bar_chart",
    "before_after_chart",
    "format_count",
    "format_percent",
    "format_score",
    "line_chart",
    "nice_ticks",
    "pareto_chart",
    "wrap",
]
