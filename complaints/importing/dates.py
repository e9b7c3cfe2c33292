"""Reading the dates in a company export: ISO, UK day-first and (on request) US
month-first, with or without times, and settling a file's day/month order from its values.
Pure: no Django."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field

from complaints.importing.mapping import normalise

DMY, MDY, ISO = "dmy", "mdy", "iso"
DATE_FORMATS = {
    "": "Work it out from the file",
    DMY: "Day first (UK): 25/08/2017",
    MDY: "Month first (US): 08/25/2017",
    ISO: "ISO only: 2017-08-25",
}
_DATE_FORMAT_ALIASES = {
    "auto": "",
    "": "",
    "dmy": DMY,
    "uk": DMY,
    "day first": DMY,
    "dd mm yyyy": DMY,
    "d m y": DMY,
    "mdy": MDY,
    "us": MDY,
    "month first": MDY,
    "mm dd yyyy": MDY,
    "m d y": MDY,
    "iso": ISO,
    "yyyy mm dd": ISO,
    "y m d": ISO,
}


def date_format_from(text: str) -> str | None:
    """The canonical date format for what a user typed ("uk", "dd/mm/yyyy"...), or None."""
    return _DATE_FORMAT_ALIASES.get(normalise(text))


_ISO = re.compile(r"\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,6})?)?(?:Z|[+-]\d\d:?\d\d)?)?")
_YMD_SLASH = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_NUMERIC = re.compile(
    r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})"
    r"(?:[ T,]+(\d{1,2}):(\d\d)(?::(\d\d))?\s*([AaPp][Mm])?)?"
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
_NAMED_DAY_FIRST = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[ -]([A-Za-z]{3,9})\.?,?[ -](\d{4})")
_NAMED_MONTH_FIRST = re.compile(r"([A-Za-z]{3,9})\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})")

# What a date's shape says about the file's order of day and month.
SHAPE_ISO = "iso"  # unambiguous: ISO, year first or a month name
SHAPE_DAY_FIRST = "day_first"  # 25/08/2017: only day-first reads it
SHAPE_MONTH_FIRST = "month_first"  # 08/25/2017: only month-first reads it
SHAPE_EITHER = "either"  # 03/04/2017: both read it, differently
SHAPE_INVALID = "invalid"


class DateError(ValueError):
    pass


def date_shape(text: str) -> str:
    """Classify a date's text by which orders can read it (see SHAPE_*)."""
    text = text.strip()
    if _ISO.fullmatch(text) or _YMD_SLASH.fullmatch(text):
        return SHAPE_ISO
    match = _NUMERIC.fullmatch(text)
    if not match:
        try:
            _parse_named(text)
        except DateError:
            return SHAPE_INVALID
        return SHAPE_ISO
    return _shape_of(int(match.group(1)), int(match.group(2)))


def parse_date(text: str, order: str) -> datetime.datetime:
    """A naive datetime (or an aware one when the text gives an offset). ISO and
    year-first dates are always read; numeric day/month dates in `order` (DMY or MDY);
    `order` ISO reads nothing else. Raises DateError with the reason."""
    text = text.strip()
    if _ISO.fullmatch(text):
        try:
            return datetime.datetime.fromisoformat(text)
        except ValueError:
            raise DateError(f"“{text}” is not a real date") from None
    match = _YMD_SLASH.fullmatch(text)
    if match:
        return _build(int(match.group(1)), int(match.group(2)), int(match.group(3)), text)
    if order == ISO:
        raise DateError(f"“{text}” is not an ISO date like 2017-08-25")
    match = _NUMERIC.fullmatch(text)
    if match:
        return _parse_numeric(match, order, text)
    return _parse_named(text)


def _parse_numeric(match: re.Match, order: str, text: str) -> datetime.datetime:
    first, second, year_text = int(match.group(1)), int(match.group(2)), match.group(3)
    day, month = (second, first) if order == MDY else (first, second)
    year = int(year_text)
    if len(year_text) == 2:
        year += 2000 if year < 70 else 1900  # the spreadsheet convention for two digits
    hour, minute, second_ = (int(g) if g else 0 for g in match.group(4, 5, 6))
    meridiem = (match.group(7) or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            raise DateError(f"“{text}” has an impossible time")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if month > 12:
        reading = "month-first (US)" if order == MDY else "day-first (UK)"
        raise DateError(f"“{text}” is not a date when read {reading}")
    return _build(year, month, day, text, hour, minute, second_)


def _parse_named(text: str) -> datetime.datetime:
    match = _NAMED_DAY_FIRST.fullmatch(text)
    if match:
        day, month_name, year = match.groups()
    else:
        match = _NAMED_MONTH_FIRST.fullmatch(text)
        if not match:
            raise DateError(f"“{text}” is not a date")
        month_name, day, year = match.groups()
    month = _MONTHS.get(month_name.casefold())
    if month is None:
        raise DateError(f"“{text}” is not a date")
    return _build(int(year), month, int(day), text)


def _build(year, month, day, text, hour=0, minute=0, second=0) -> datetime.datetime:
    try:
        return datetime.datetime(year, month, day, hour, minute, second)  # noqa: DTZ001
    except ValueError:
        raise DateError(f"“{text}” is not a real date") from None


@dataclass
class DateEvidence:
    """What the file's dates say about day/month order, with an example of each shape."""

    counts: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def add(self, text: str) -> None:
        self.note(date_shape(text), text)

    def note(self, shape: str, text: str) -> None:
        self.counts[shape] += 1
        if shape not in self.examples:
            self.examples[shape] = text.strip()

    def has_numeric(self) -> bool:
        """Whether any date was written with numbers for both day and month."""
        return any(self.counts[s] for s in (SHAPE_DAY_FIRST, SHAPE_MONTH_FIRST, SHAPE_EITHER))

    def order(self) -> str | None:
        """DMY or MDY when the dates settle it (or do not need it); None when only the user
        can say (every numeric date reads both ways, or the file mixes both orders)."""
        day_first = self.counts[SHAPE_DAY_FIRST]
        month_first = self.counts[SHAPE_MONTH_FIRST]
        if day_first and month_first:
            return None
        if day_first:
            return DMY
        if month_first:
            return MDY
        if self.counts[SHAPE_EITHER]:
            return None
        return DMY  # only unambiguous dates: any order reads them the same

    def question(self) -> str:
        """Why the user must choose, with examples from the file."""
        if self.counts[SHAPE_DAY_FIRST] and self.counts[SHAPE_MONTH_FIRST]:
            return (
                f"The dates mix day-first (“{self.examples[SHAPE_DAY_FIRST]}”) and "
                f"month-first (“{self.examples[SHAPE_MONTH_FIRST]}”) orders. Choose the "
                "order most of the file uses; rows in the other order will be listed as "
                "problems."
            )
        example = self.examples.get(SHAPE_EITHER, "03/04/2017")
        return (
            f"Dates like “{example}” could be day-first (UK) or month-first (US), and "
            "nothing in the file settles it. Choose the date format."
        )


# --- Reading a column of dates fast ---------------------------------------------------------------

_TIME = re.compile(r"[T ](\d\d):(\d\d)(?::(\d\d))?")
_NO_DAY = ("", "", "")


class DateReader:
    """Reads dates into wall-clock ISO text in the file's time zone, "YYYY-MM-DD HH:MM:SS",
    which sorts in time order, so a million rows are compared without building a datetime
    each. The common fixed-width forms (ISO, dd/mm/yyyy, with or without hh:mm[:ss]) are
    read from their slices with the day part remembered; anything else goes through
    parse_date. A date with an explicit offset is converted to the file's time zone."""

    def __init__(self, order: str, tz: datetime.tzinfo) -> None:
        self.order = order
        self.tz = tz
        self._days: dict[str, tuple[str, str, str]] = {}
        self._times: dict[str, str] = {}

    def read(self, text: str) -> tuple[str, str, str]:
        """(ISO wall time or "", the date's shape, the reason it is not a date or "")."""
        if len(text) >= 10:
            day = self._days.get(text[:10])
            if day is None:
                day = self._day(text[:10])
                if len(self._days) < 100_000:
                    self._days[text[:10]] = day
            if day[0]:
                if len(text) == 10:
                    return day[0] + " 00:00:00", day[1], ""
                time = self._times.get(text[10:])
                if time is None:
                    time = self._time(text[10:])
                    if len(self._times) < 100_000:
                        self._times[text[10:]] = time
                if time:
                    return f"{day[0]} {time}", day[1], ""
        return self._general(text)

    def _day(self, text: str) -> tuple[str, str, str]:
        """A 10-character date: 2017-08-25 or 2017/08/25, or 25/08/2017 with "/", "." or
        "-". Anything else, or an impossible date, is left to the general parser (which
        says why)."""
        if text[4] in "-/" and text[7] == text[4]:
            digits = text[:4] + text[5:7] + text[8:]
            year, first, second, shape = text[:4], text[5:7], text[8:], SHAPE_ISO
        elif text[2] in "/.-" and text[5] == text[2] and self.order != ISO:
            digits = text[:2] + text[3:5] + text[6:]
            year, first, second, shape = text[6:], text[:2], text[3:5], ""
        else:
            return _NO_DAY
        if not (digits.isascii() and digits.isdigit()):
            return _NO_DAY
        year, first, second = int(year), int(first), int(second)
        if shape == SHAPE_ISO:
            month, day = first, second
        else:
            shape = _shape_of(first, second)
            day, month = (second, first) if self.order == MDY else (first, second)
        try:
            return datetime.date(year, month, day).isoformat(), shape, ""
        except ValueError:
            return _NO_DAY

    @staticmethod
    def _time(text: str) -> str:
        match = _TIME.fullmatch(text)
        if not match:
            return ""
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
        if hour > 23 or minute > 59 or second > 59:
            return ""
        return f"{hour:02d}:{minute:02d}:{second:02d}"

    def _general(self, text: str) -> tuple[str, str, str]:
        shape = date_shape(text)
        try:
            value = parse_date(text, self.order)
        except DateError as exc:
            return "", shape, str(exc)
        if value.tzinfo is not None:
            try:
                value = value.astimezone(self.tz).replace(tzinfo=None)
            except OverflowError:  # 1 Jan 0001 at +14:00 is before the calendar starts
                return "", shape, f"“{text}” is outside the calendar in this time zone"
        return value.isoformat(sep=" ", timespec="seconds"), shape, ""


def _shape_of(first: int, second: int) -> str:
    if first == second or (first > 12 and second > 12):
        return SHAPE_ISO if first == second and first <= 12 else SHAPE_INVALID
    if first > 12:
        return SHAPE_DAY_FIRST
    if second > 12:
        return SHAPE_MONTH_FIRST
    return SHAPE_EITHER
