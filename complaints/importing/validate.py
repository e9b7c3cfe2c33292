"""One row of a company export → the clean values of a problem, or the reasons it cannot be
one. Pure: no Django, no database (references already in the log are checked by the
service, a chunk at a time).

Clean values are complete: unmapped and blank fields already hold their defaults. Dates
are ISO text of the wall-clock time in the centre's time zone ("2017-08-25 14:05:00"),
which sorts in time order: a million rows are checked without a datetime each.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from complaints import privacy
from complaints.importing import dates
from complaints.importing import mapping as m
from complaints.importing.reader import column_letter

# Statuses whose problem is finished, so it must say when.
FINISHED_STATUSES = {"resolved", "closed"}
# Distinct category values remembered for the mapping page; a file with more is not using
# the column as a category.
MAX_CATEGORY_VALUES = 200
CHOICE_FIELDS = ("channel", "identified_by", "customer_kind", "severity", "status")
# As complaints.forms.fields.EARLIEST_DAY, as ISO text: the analysis counts weeks from the
# log's earliest problem, and a year-1 date stopped it.
EARLIEST_DAY = "1900-01-01"


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str


@dataclass(frozen=True)
class Vocabulary:
    """The model's choices and the import's defaults, passed in so this module needs no
    Django."""

    channel: m.Choices
    identified_by: m.Choices
    customer_kind: m.Choices
    severity: m.Choices
    status: m.Choices
    category: m.Choices
    unclassified: str
    defaults: dict[str, str] = field(default_factory=dict)


class RowValidator:
    """Validates rows against one mapping. Keeps what it learns across rows: the first row
    of each external reference (a repeat is an error), the category values seen and the
    shapes of the dates (to settle day/month order)."""

    def __init__(
        self,
        *,
        headers: list[str],
        mapping: dict[str, str],
        date_order: str,
        categories: dict[str, str],
        vocabulary: Vocabulary,
        tz: ZoneInfo,
        now: datetime.datetime,
    ) -> None:
        self.headers = headers
        self.columns = {name: headers.index(h) for name, h in mapping.items() if h in headers}
        self.categories = categories
        self.vocabulary = vocabulary
        self.latest = (now.astimezone(tz) + datetime.timedelta(days=1)).strftime(
            "%Y-%m-%d %H:%M:%S"
        )
        self.first_row_of_ref: dict[str, int] = {}
        self.category_values: Counter = Counter()  # by category_key
        self._category_spelling: dict[str, str] = {}  # category_key → first spelling seen
        self.dates = dates.DateEvidence()
        self._reader = dates.DateReader(date_order, tz)
        self._category_seen: dict[str, tuple[str, str]] = {}
        self._flags_seen: dict[str, list] = {}
        self._choice_fields = [
            (name, self.columns[name], getattr(vocabulary, name))
            for name in CHOICE_FIELDS
            if name in self.columns
        ]
        # Unmapped choices take the import's defaults; an unmapped status is worked out
        # from the resolved date (see _status).
        self._defaults = {
            name: vocabulary.defaults[name]
            for name in CHOICE_FIELDS
            if name not in self.columns and name in vocabulary.defaults
        }

    def header(self, name: str) -> str:
        return self.headers[self.columns[name]]

    def check(self, number: int, cells: list[str]) -> tuple[dict | None, list[RowError]]:
        """(clean values, []) for a good row, (None, errors) for a bad one."""
        errors: list[RowError] = []
        width = len(self.headers)
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            errors.append(
                RowError(
                    number,
                    f"Column {column_letter(width)}",
                    f"the row has {len(cells)} values but the header has {width} columns "
                    "(a comma inside a value that is not quoted?)",
                )
            )
        elif len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        clean = dict(self._defaults)
        self._dates(number, cells, clean, errors)
        self._texts(number, cells, clean, errors)
        for name, index, choices in self._choice_fields:
            text = cells[index].strip()
            if text:
                value = choices.parse(text)
                if value is None:
                    errors.append(RowError(number, self.headers[index], _not_one_of(text, choices)))
                clean[name] = value
            else:
                clean[name] = self.vocabulary.defaults.get(name)
        self._category(cells, clean)
        self._status(number, clean, errors)
        return (None, errors) if errors else (clean, errors)

    def _dates(self, number: int, cells: list[str], clean: dict, errors: list) -> None:
        received = self._date(number, "received_at", cells, errors)
        index = self.columns.get("received_at")
        if received is None and index is not None and not cells[index].strip():
            errors.append(
                RowError(
                    number,
                    self.headers[index],
                    "is blank: every problem needs the date it was received",
                )
            )
        resolved = self._date(number, "resolved_at", cells, errors)
        if received is not None and received > self.latest:
            errors.append(RowError(number, self.header("received_at"), "is in the future"))
        if received is not None and resolved is not None and resolved < received:
            errors.append(
                RowError(
                    number,
                    self.header("resolved_at"),
                    "is before the date the problem was received",
                )
            )
        clean["received_at"] = received
        clean["resolved_at"] = resolved

    def _date(self, number: int, name: str, cells: list[str], errors: list) -> str | None:
        index = self.columns.get(name)
        if index is None:
            return None
        text = cells[index].strip()
        if not text:
            return None
        value, shape, reason = self._reader.read(text)
        self.dates.note(shape, text)
        if not value:
            errors.append(
                RowError(number, self.headers[index], reason or f"“{text}” is not a date")
            )
            return None
        if value < EARLIEST_DAY:
            errors.append(
                RowError(
                    number,
                    self.headers[index],
                    f"is in the year {int(value[:4])}: check the year (dates from "
                    f"{EARLIEST_DAY[:4]} on)",
                )
            )
            return None
        return value

    def _texts(self, number: int, cells: list[str], clean: dict, errors: list) -> None:
        for name in ("external_ref", "customer_ref", "product", "description"):
            index = self.columns.get(name)
            text = cells[index].strip() if index is not None else ""
            limit = m.MAX_LENGTHS.get(name)
            if limit and len(text) > limit:
                errors.append(
                    RowError(
                        number,
                        self.headers[index],
                        f"is {len(text)} characters long; at most {limit} fit",
                    )
                )
            clean[name] = text
        customer_ref = clean["customer_ref"]
        if privacy.may_contain_personal_data(customer_ref):
            found = privacy.find_personal_data(customer_ref)
            if found:
                # The value itself is not repeated: it is the personal data.
                errors.append(
                    RowError(
                        number,
                        self.header("customer_ref"),
                        f"looks like {_article(found[0].kind)}: use a pseudonymous customer "
                        "reference, never a customer's contact details",
                    )
                )
        ref = clean["external_ref"]
        if ref:
            first = self.first_row_of_ref.setdefault(ref, number)
            if first != number:
                errors.append(
                    RowError(
                        number,
                        self.header("external_ref"),
                        f"“{ref}” is also in row {first}: each reference may appear once",
                    )
                )
        clean["product"] = clean["product"] or m.DEFAULT_PRODUCT
        clean["description"] = description = clean["description"] or m.DEFAULT_DESCRIPTION
        clean["personal_data_flags"] = self._flags(description)

    def _flags(self, description: str) -> list:
        """As a typed problem gets: privacy.flags_for over its free text (here, only the
        description has any)."""
        flags = self._flags_seen.get(description)
        if flags is None:
            found = privacy.may_contain_personal_data(description)
            flags = privacy.flags_for({"description": description}) if found else []
            if len(self._flags_seen) < 10_000:
                self._flags_seen[description] = flags
        return flags

    def _category(self, cells: list[str], clean: dict) -> None:
        index = self.columns.get("category")
        text = cells[index].strip() if index is not None else ""
        if not text:
            clean["category"] = self.vocabulary.unclassified
            return
        seen = self._category_seen.get(text)
        if seen is None:
            key = m.category_key(text)
            category = (
                self.categories.get(key)
                or self.vocabulary.category.parse(text)
                or self.vocabulary.unclassified
            )
            seen = (key, category)
            if len(self._category_seen) < 10_000:
                self._category_seen[text] = seen
        key, clean["category"] = seen
        if key in self.category_values or len(self.category_values) < MAX_CATEGORY_VALUES:
            self.category_values[key] += 1
            self._category_spelling.setdefault(key, text)

    def category_counts(self) -> dict[str, int]:
        """Each category value as the file first spells it → its rows, most rows first."""
        return {
            self._category_spelling[key]: rows for key, rows in self.category_values.most_common()
        }

    def _status(self, number: int, clean: dict, errors: list[RowError]) -> None:
        status = clean.get("status")  # None when not in the file, blank or not understood
        resolved = clean["resolved_at"]
        if status is None:
            clean["status"] = "resolved" if resolved else "new"
            return
        if status in FINISHED_STATUSES and resolved is None:
            if "resolved_at" not in self.columns:
                errors.append(
                    RowError(
                        number,
                        self.header("status"),
                        f"the status is {status} but no column holds the resolved date",
                    )
                )
            elif not any(e.column == self.header("resolved_at") for e in errors):
                errors.append(
                    RowError(
                        number,
                        self.header("resolved_at"),
                        f"is blank, but the status is {status}: give the date it was resolved",
                    )
                )
        elif status not in FINISHED_STATUSES and resolved is not None:
            errors.append(
                RowError(
                    number,
                    self.header("status"),
                    f"is {status.replace('_', ' ')} (still open) but the row has a resolved date",
                )
            )


def _not_one_of(text: str, choices: m.Choices) -> str:
    return f"“{_short(text)}” is not a {choices.name.replace('_', ' ')} Casebook knows: use " + (
        ", ".join(choices.labels)
    )


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _article(kind: str) -> str:
    return ("an " if kind[0] in "aeiou" else "a ") + kind
