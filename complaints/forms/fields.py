"""Form fields shared by the problem log's and the portfolio's forms."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError

# The largest id a database integer holds (SQLite's INTEGER, PostgreSQL's bigint).
MAX_ID = 2**63 - 1


class ModelIdsField(forms.ModelMultipleChoiceField):
    """A multiple choice of rows by id that refuses an id no database integer holds: on
    SQLite, "9223372036854775808" in the IN query overflows and fails the whole request
    instead of being "not a valid value"."""

    def _check_values(self, value):
        try:
            ids = list(value)
        except TypeError:
            return super()._check_values(value)  # refused there as "not a list"
        for pk in ids:
            try:
                number = int(str(pk))
            except ValueError:
                continue  # not a number: the base class refuses it as not a valid value
            if not -MAX_ID <= number <= MAX_ID:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


# The earliest day a date typed into the log or the portfolio may be. The analysis of a
# centre's log counts weeks from its earliest problem: one received in year 1 stopped it
# (pandas' timestamps start in 1677) and one from 1900 made it take a minute.
EARLIEST_DAY = datetime.date(1900, 1, 1)


def not_before_earliest_day(value: datetime.date | datetime.datetime) -> None:
    day = value.date() if isinstance(value, datetime.datetime) else value
    if day < EARLIEST_DAY:
        raise ValidationError(
            f"Check the year: {day.year} is before {EARLIEST_DAY.year}.", code="too_early"
        )


class EarliestDateMixin:
    """Every date and time on the form no earlier than EARLIEST_DAY."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField | forms.DateTimeField):
                field.validators.append(not_before_earliest_day)
