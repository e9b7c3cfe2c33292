"""Form fields shared by the problem log's and the portfolio's forms."""

from __future__ import annotations

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
