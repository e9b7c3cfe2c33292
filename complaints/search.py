"""Text search over the problem log: PostgreSQL full-text search when on PostgreSQL (a
stored, GIN-indexed tsvector column, migration 0002), a plain substring match on SQLite."""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

# A stored tsvector column maintained by PostgreSQL (migration 0002), GIN-indexed.
SEARCH_MATCH_SQL = (
    '"complaints_problem"."search_document" @@ websearch_to_tsquery(\'english\'::regconfig, %s)'
)

_REFERENCE = re.compile(r"^\s*(?:[A-Za-z0-9-]+-)?0*(\d{1,9})\s*$")


def problems_search(queryset: QuerySet, text: str) -> QuerySet:
    """Problems matching the words typed, or the problem with that reference number."""
    text = text.strip()
    if not text:
        return queryset
    # A reference is one token; only then is it worth OR-ing into the query (an OR beside
    # the full-text match can stop PostgreSQL using the search index).
    by_reference = Q(pk__in=[])
    if " " not in text:
        by_reference = Q(external_ref=text)
        match = _REFERENCE.match(text)
        if match and "-" in text:
            by_reference |= Q(number=int(match.group(1)))
    if connection.vendor == "postgresql":
        words = RawSQL(  # noqa: S611 - constant SQL; the typed text is a bound parameter
            SEARCH_MATCH_SQL,
            (text,),
            output_field=BooleanField(),
        )
        return queryset.filter(Q(words) | by_reference)
    words = Q()
    for word in text.split():
        words &= (
            Q(description__icontains=word)
            | Q(customer_expectation__icontains=word)
            | Q(product__icontains=word)
        )
    return queryset.filter(words | by_reference)
