"""The log page's filters (complaints.filters.ProblemFilter) for the API, and its pages."""

from __future__ import annotations

import django_filters
from django_filters import rest_framework as drf_filters
from rest_framework.pagination import CursorPagination

from complaints.filters import SORT_CHOICES, SORTS, ProblemFilter

# Sorts on a column that is never empty: a cursor page needs a position to start after.
API_SORTS = ("newest", "oldest", "reference")


class ApiProblemFilter(ProblemFilter):
    """The page's filters with JSON-friendly values: open_only and overdue take true/false,
    learner takes a username, sort takes newest, oldest or reference."""

    open_only = drf_filters.BooleanFilter(label="Open only", method="filter_open_only")
    overdue = drf_filters.BooleanFilter(label="Overdue only", method="filter_overdue")
    learner = django_filters.CharFilter(field_name="learner__username", label="Learner username")
    sort = django_filters.ChoiceFilter(
        choices=[c for c in SORT_CHOICES if c[0] in API_SORTS],
        method="filter_sort",
        label="Sort by",
    )

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # The page's __init__ builds its learner choices and widgets: none of it applies.
        django_filters.FilterSet.__init__(
            self, data, queryset=queryset, request=request, prefix=prefix
        )


class ProblemCursorPagination(CursorPagination):
    """Pages that stay right while problems are added: each page carries a cursor to the
    next (and previous) one instead of a page number."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_ordering(self, request, queryset, view):
        sort = request.query_params.get("sort")
        return SORTS[sort] if sort in API_SORTS else SORTS["newest"]
