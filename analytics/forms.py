"""The dashboard's filters: a centre (for a manager of several), a period in whole weeks, and
a dimension with, optionally, one of its values."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from accounts.models import Centre
from analytics.selectors.dashboard import DIMENSIONS, DashboardFilters

DEFAULT_WEEKS = 26
MAX_WEEKS = 5 * 53
# The dates a period may start or end on: whole weeks and the default period are counted
# from them, which near the calendar's ends (1 Jan 0001, 31 Dec 9999) overflows.
FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(2099, 12, 31)
DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
DIMENSION_CHOICES = [
    ("category", "Type of problem"),
    ("product", "Product or service"),
    ("channel", "Channel"),
]


def monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last ``DEFAULT_WEEKS`` whole or running weeks up to today."""
    end = monday(today) + datetime.timedelta(days=6)
    return end - datetime.timedelta(weeks=DEFAULT_WEEKS) + datetime.timedelta(days=1), end


class DashboardFilterForm(forms.Form):
    centre = forms.ChoiceField(label="Centre", required=False)
    start = forms.DateField(label="From", required=False, widget=DATE_INPUT)
    end = forms.DateField(label="To", required=False, widget=DATE_INPUT)
    dimension = forms.ChoiceField(label="Show by", choices=DIMENSION_CHOICES, required=False)
    value = forms.ChoiceField(label="Only", required=False)

    def __init__(self, *args, centres: list[Centre], values: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.centres = centres
        self.fields["centre"].choices = [(c.slug, c.name) for c in centres]
        self.fields["value"].choices = [("", "All of them")] + [
            (group, [(f"{dimension}:{key}", label) for key, label in options])
            for dimension, (group, options) in zip(DIMENSIONS, values, strict=True)
        ]
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs.setdefault("id", f"filter-{name}")

    def clean_start(self):
        return self._in_range(self.cleaned_data.get("start"))

    def clean_end(self):
        return self._in_range(self.cleaned_data.get("end"))

    def _in_range(self, day: datetime.date | None) -> datetime.date | None:
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(f"Choose a date from {FIRST_DAY.year} to {LAST_DAY.year}.")
        return day

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError("The period must end after it starts.")
        if start and end and (end - start).days > 7 * MAX_WEEKS:
            raise forms.ValidationError("Choose a period of at most five years.")
        if data.get("value"):
            dimension, _, _ = data["value"].partition(":")
            data["dimension"] = dimension  # the value decides what is shown
        return data

    def filters(self, *, centre: Centre, today: datetime.date | None = None) -> DashboardFilters:
        """What to show: the cleaned choices, whole weeks, defaults for what is missing or
        wrong (the errors are shown beside the form)."""
        default_start, default_end = default_period(today or timezone.localdate())
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        start = data.get("start") or default_start
        end = data.get("end") or max(default_end, start)
        if end < start:  # only the end was given, before the default start
            start = end - datetime.timedelta(weeks=DEFAULT_WEEKS) + datetime.timedelta(days=1)
        dimension = data.get("dimension") or "category"
        value = data.get("value", "").partition(":")[2]
        return DashboardFilters(
            centre=centre,
            start=monday(start),
            end=monday(end) + datetime.timedelta(days=6),
            dimension=dimension,
            value=value,
        )
