"""Data tables: one definition shown beside a chart on the page and exported as CSV.

Pure (no Django): a ``Table`` holds typed cells; ``display`` formats them for people, ``csv_rows``
writes them for spreadsheets: dates as ISO dates, numbers as numbers, and text that a
spreadsheet would run as a formula (starting with ``= + - @``, a tab or a carriage return)
prefixed with an apostrophe (OWASP's advice on CSV injection).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

Cell = str | int | float | datetime.date | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

TEXT, COUNT, PERCENT, DECIMAL, DATE = "text", "count", "percent", "decimal", "date"


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = TEXT

    @property
    def numeric(self) -> bool:
        return self.kind in (COUNT, PERCENT, DECIMAL)


@dataclass(frozen=True)
class Table:
    """``slug`` names it in the export URL; ``caption`` says what it holds."""

    slug: str
    caption: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Cell]]
    note: str = ""
    row_headers: bool = True  # the first column names the row
    highlight: Sequence[bool] = field(default_factory=tuple)  # rows to emphasise (spikes)

    def display(self) -> list[list[str]]:
        return [
            [display(c, col.kind) for c, col in zip(row, self.columns, strict=True)]
            for row in self.rows
        ]

    def csv_rows(self) -> Iterator[list[str | int | float]]:
        yield [csv_safe(c.label) for c in self.columns]
        for row in self.rows:
            yield [csv_value(c, col.kind) for c, col in zip(row, self.columns, strict=True)]


def display(value: Cell, kind: str) -> str:
    if value is None:
        return "–"
    if kind == DATE and isinstance(value, datetime.date):
        return f"{value.day} {value:%b %Y}"
    if kind == COUNT:
        return f"{value:,}"
    if kind == PERCENT:
        return f"{value:.1f}%"
    if kind == DECIMAL:
        return f"{value:,.2f}"
    return str(value)


def csv_value(value: Cell, kind: str) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if kind == PERCENT:
        return round(float(value), 1)
    if kind == DECIMAL:
        return round(float(value), 3)
    if isinstance(value, int | float):
        return value
    return csv_safe(str(value))


def csv_safe(text: str) -> str:
    """Text a spreadsheet will show as text, never run as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None
