"""The problem log's filters, sorting and search."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

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


# --- Widgets ------------------------------------------------------------------------------------
# The filter panel is on every view of the log. Django renders each widget, and each <option>
# of a select, through a template include; these widgets write the same HTML as Django's
# templates (django/forms/widgets/input.html, select.html, select_option.html, attrs.html;
# tests/complaints/test_log_rendering.py compares them) without the template engine, which
# takes the panel from about 3.5 ms to well under 1 ms per page.


def _attrs_html(attrs: dict) -> str:
    """attrs.html: ` name="value"` for each attribute, a bare ` name` for True, none for
    False."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class _PlainInputMixin:
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        html = f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        if widget["value"] is not None:
            html += f' value="{conditional_escape(widget["value"])}"'
        return mark_safe(html + _attrs_html(widget["attrs"]) + ">")  # noqa: S308 - escaped above


class PlainTextInput(_PlainInputMixin, forms.TextInput):
    pass


class PlainDateInput(_PlainInputMixin, forms.DateInput):
    pass


class PlainCheckboxInput(_PlainInputMixin, forms.CheckboxInput):
    pass


class PlainSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [
            f'<select name="{conditional_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>'
        ]
        for group_name, group_choices, _ in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            parts.extend(
                f'\n  <option value="{conditional_escape(option["value"])}"'
                f"{_attrs_html(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                for option in group_choices
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


# What a model choice field says about a learner who is not on the list.
_INVALID_LEARNER = forms.ModelChoiceField.default_error_messages["invalid_choice"]


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class ProblemFilter(django_filters.FilterSet):
    # Bounded: each word of a search is a condition, and fifty thousand of them made a query
    # SQLite refuses ("Expression tree is too large") after seconds of building it.
    q = django_filters.CharFilter(
        label="Search", method="filter_search", widget=PlainTextInput, max_length=200
    )
    # No DISTINCT (django-filter's default for multiple choices): status is a column, not a
    # join, and DISTINCT stops PostgreSQL reading the first page straight off an index.
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, widget=forms.SelectMultiple(attrs={"size": 4}), distinct=False
    )
    open_only = django_filters.BooleanFilter(
        label="Open only", method="filter_open_only", widget=PlainCheckboxInput
    )
    category = django_filters.ChoiceFilter(
        choices=Category.choices,
        empty_label="Any type",
        label="Type of problem",
        widget=PlainSelect,
    )
    product = django_filters.CharFilter(
        label="Product or service", field_name="product", widget=PlainTextInput, max_length=120
    )
    channel = django_filters.ChoiceFilter(
        choices=Channel.choices, empty_label="Any channel", widget=PlainSelect
    )
    identified_by = django_filters.ChoiceFilter(
        choices=IdentifiedBy.choices,
        empty_label="Anyone",
        label="Identified by",
        widget=PlainSelect,
    )
    received_from = django_filters.DateFilter(
        label="Received from",
        method="filter_received_from",
        widget=PlainDateInput(attrs={"type": "date"}),
    )
    received_to = django_filters.DateFilter(
        label="Received to",
        method="filter_received_to",
        widget=PlainDateInput(attrs={"type": "date"}),
    )
    overdue = django_filters.BooleanFilter(
        label="Overdue only",
        method="filter_overdue",
        widget=PlainCheckboxInput,
    )
    # The learners' choices come from the list the view already read (see __init__): a
    # model choice field would read them again for the select, again for the chip above
    # the results, and once more to check the chosen one.
    learner = django_filters.ChoiceFilter(
        choices=[],
        empty_label="All learners",
        label="Learner",
        widget=PlainSelect,
        error_messages={"invalid_choice": _INVALID_LEARNER},
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES,
        method="filter_sort",
        empty_label=None,
        label="Sort by",
        widget=PlainSelect,
    )

    class Meta:
        model = Problem
        fields: list[str] = []

    def __init__(self, *args, learners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if learners is None or len(learners) <= 1:
            del self.filters["learner"]
        else:
            self.filters["learner"].extra["choices"] = [
                (str(user.pk), user.display_name) for user in learners
            ]
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
        if value >= datetime.date.max:  # the calendar's last day: nothing comes after it
            return queryset
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
