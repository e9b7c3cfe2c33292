"""The problem log's filters, sorting and search."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.utils import timezone

from accounts.models import User
from complaints.models import (
    OPEN_STATUSES,
    Category,
    Channel,
    IdentifiedBy,
    Problem,
    Status,
)
from complaints.search import problems_search

SORTS = {
    "newest": ("-received_at", "-id"),
    "oldest": ("received_at", "id"),
    "due": ("resolution_due", "id"),
    "reference": ("-number", "-id"),
    "status": ("status", "-received_at", "-id"),
    "product": ("product", "-received_at", "-id"),
}
SORT_CHOICES = [
    ("newest", "Newest first"),
    ("oldest", "Oldest first"),
    ("due", "Due soonest"),
    ("reference", "Reference"),
    ("status", "Status"),
    ("product", "Product or service"),
]


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class ProblemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="filter_search")
    # No DISTINCT (django-filter's default for multiple choices): status is a column, not a
    # join, and DISTINCT stops PostgreSQL reading the first page straight off an index.
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, widget=forms.SelectMultiple(attrs={"size": 4}), distinct=False
    )
    open_only = django_filters.BooleanFilter(
        label="Open only", method="filter_open_only", widget=forms.CheckboxInput
    )
    category = django_filters.ChoiceFilter(
        choices=Category.choices, empty_label="Any type", label="Type of problem"
    )
    product = django_filters.CharFilter(label="Product or service", field_name="product")
    channel = django_filters.ChoiceFilter(choices=Channel.choices, empty_label="Any channel")
    identified_by = django_filters.ChoiceFilter(
        choices=IdentifiedBy.choices, empty_label="Anyone", label="Identified by"
    )
    received_from = django_filters.DateFilter(
        label="Received from",
        method="filter_received_from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    received_to = django_filters.DateFilter(
        label="Received to",
        method="filter_received_to",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    overdue = django_filters.BooleanFilter(
        label="Overdue only",
        method="filter_overdue",
        widget=forms.CheckboxInput,
    )
    learner = django_filters.ModelChoiceFilter(
        queryset=User.objects.none(), empty_label="All learners", label="Learner"
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES, method="filter_sort", empty_label=None, label="Sort by"
    )

    class Meta:
        model = Problem
        fields: list[str] = []

    def __init__(self, *args, learners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if learners is None or len(learners) <= 1:
            del self.filters["learner"]
        else:
            self.filters["learner"].queryset = User.objects.filter(
                pk__in=[u.pk for u in learners]
            ).order_by("first_name", "last_name")
        # Bootstrap classes on the widgets themselves: the filter panel renders plain fields,
        # which on a million-row log page costs far less than a template pack per field.
        for name, form_field in self.form.fields.items():
            widget = form_field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            if name != "status":
                widget.attrs.setdefault("class", css)

    @property
    def qs(self):
        queryset = super().qs
        if not getattr(self.form, "cleaned_data", {}).get("sort"):
            queryset = queryset.order_by(*SORTS["newest"])
        return queryset

    def filter_search(self, queryset, name, value):
        return problems_search(queryset, value)

    def filter_received_from(self, queryset, name, value):
        return queryset.filter(received_at__gte=_start_of(value))

    def filter_received_to(self, queryset, name, value):
        return queryset.filter(received_at__lt=_start_of(value + datetime.timedelta(days=1)))

    def filter_open_only(self, queryset, name, value):
        return queryset.filter(status__in=OPEN_STATUSES) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        open_and_running = [s for s in OPEN_STATUSES if s != Status.AWAITING_CUSTOMER]
        return queryset.filter(status__in=open_and_running, resolution_due__lt=timezone.now())

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["newest"]))
