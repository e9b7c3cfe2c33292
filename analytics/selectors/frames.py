"""The one place where the ORM meets pandas: a centre's problems, satisfaction scores and
stored counts as DataFrames, for the engine's passes (never for a page)."""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from analytics.models import SeriesCount
from complaints.models import Action, Problem

# Everything any step of a full pass reads. Text is the bulk of the bytes; a caller that does
# not group leaves "description" out.
FRAME_COLUMNS = (
    "id",
    "received_at",
    "category",
    "product",
    "channel",
    "identified_by",
    "root_cause_category",
    "learner_id",
    "description",
)
CATEGORICAL = (
    "category",
    "product",
    "channel",
    "identified_by",
    "root_cause_category",
    "status",
)
# Instants, read as UTC datetimes (NaT where unset).
TIMES = ("received_at", "acknowledged_at", "first_response_due", "resolved_at", "resolution_due")


def problem_frame(
    *,
    centre_id: int,
    columns: Sequence[str] = FRAME_COLUMNS,
    received_from: datetime.datetime | None = None,
    received_before: datetime.datetime | None = None,
    category: str | None = None,
    product: str | None = None,
) -> pd.DataFrame:
    """A centre's problems as a DataFrame: ``received_at`` as UTC datetimes, the choice
    columns as categoricals, only the columns asked for.

    On PostgreSQL the rows stream through ``COPY … TO STDOUT`` (times as epoch microseconds,
    so pandas reads integers, not timestamp strings); elsewhere through ``values_list``.
    """
    queryset = Problem.objects.filter(centre_id=centre_id)
    if received_from is not None:
        queryset = queryset.filter(received_at__gte=received_from)
    if received_before is not None:
        queryset = queryset.filter(received_at__lt=received_before)
    if category is not None:
        queryset = queryset.filter(category=category)
    if product is not None:
        queryset = queryset.filter(product=product)
    if connection.vendor == "postgresql":
        frame = _frame_by_copy(queryset, columns)
    else:
        frame = pd.DataFrame.from_records(
            list(queryset.order_by().values_list(*columns)), columns=list(columns)
        )
        for column in TIMES:
            if column in frame:
                frame[column] = pd.to_datetime(frame[column], utc=True)
    return _typed(frame, columns)


def _select(column: str, columns: Sequence[str]) -> str:
    """The SQL for a column of the COPY. Instants as integers: ``received_at`` in epoch
    microseconds, the others (when ``received_at`` is read too) in whole seconds after it,
    which PostgreSQL writes and pandas parses in half the time (the full pass reads four of
    them for a million problems; a second is precision enough for a service-level target)."""
    if column == "received_at" or (column in TIMES and "received_at" not in columns):
        return f"(extract(epoch from {column}) * 1000000)::bigint"
    if column in TIMES:
        return f"extract(epoch from {column} - received_at)::bigint"
    return column


def _frame_by_copy(queryset: QuerySet, columns: Sequence[str]) -> pd.DataFrame:
    selected = [_select(c, columns) for c in columns]
    inner = queryset.order_by().values_list("id")
    sql, params = inner.query.sql_with_params()
    where = sql[sql.index(" FROM ") :]
    with connection.cursor() as cursor:
        query = cursor.mogrify(f"SELECT {', '.join(selected)}{where}", params).decode()
        buffer = io.BytesIO()
        cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", buffer)
    buffer.seek(0)
    frame = pd.read_csv(
        buffer,
        names=list(columns),
        header=None,
        keep_default_na=False,
        na_values={c: [""] for c in ("learner_id", *TIMES) if c in columns},
        dtype={c: "string" for c in ("description",) if c in columns},
    )
    # Integers, or floats where some are empty (NaT after conversion).
    if "received_at" in frame:
        frame["received_at"] = pd.to_datetime(frame["received_at"], unit="us", utc=True)
    for column in TIMES[1:]:
        if column in frame and "received_at" in frame:
            frame[column] = frame["received_at"] + pd.to_timedelta(frame[column], unit="s")
        elif column in frame:
            frame[column] = pd.to_datetime(frame[column], unit="us", utc=True)
    return frame


def _typed(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    for column in columns:
        if column in CATEGORICAL:
            frame[column] = frame[column].fillna("").astype(str).astype("category")
        elif column == "description":
            frame[column] = frame[column].fillna("").astype(str)
        elif column in ("id", "learner_id"):
            frame[column] = frame[column].astype(np.int64)
    if frame.empty:
        for column in TIMES:
            if column in frame:
                frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def satisfaction_frame(*, centre_id: int) -> pd.DataFrame:
    """Every satisfaction score the centre's customers gave: ``taken_at`` (UTC), ``score``
    and the problem's ``category``."""
    rows = Action.objects.filter(
        problem__centre_id=centre_id, satisfaction_score__isnull=False
    ).values_list("taken_at", "satisfaction_score", "problem__category")
    frame = pd.DataFrame.from_records(
        list(rows.order_by()), columns=["taken_at", "score", "category"]
    )
    frame["taken_at"] = pd.to_datetime(frame["taken_at"], utc=True)
    return frame


def local_day_bounds(
    first: datetime.date, last: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """Aware datetimes for local midnight on ``first`` and after ``last`` (inclusive)."""
    tz = timezone.get_default_timezone()
    start = datetime.datetime.combine(first, datetime.time(), tzinfo=tz)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time(), tzinfo=tz)
    return start, end


def series_days(
    *, centre_id: int, dimension: str, key: str | None = None, since: datetime.date | None = None
) -> pd.DataFrame:
    """Daily counts of one series (or all keys of a dimension) from the stored counts."""
    queryset = SeriesCount.objects.filter(
        centre_id=centre_id, granularity="day", dimension=dimension
    )
    if key is not None:
        queryset = queryset.filter(key=key)
    if since is not None:
        queryset = queryset.filter(day__gte=since)
    return pd.DataFrame.from_records(
        list(queryset.values_list("key", "day", "count")), columns=["key", "day", "count"]
    )


def series_counts(
    *,
    centre_id: int,
    granularity: str,
    dimensions: Sequence[str],
    since: datetime.date | None = None,
) -> pd.DataFrame:
    """Stored counts (dimension, key, period, count) of every series of the dimensions, per
    day or per week (``period`` is the week's Monday), in one query."""
    queryset = SeriesCount.objects.filter(
        centre_id=centre_id, granularity=granularity, dimension__in=dimensions
    )
    if since is not None:
        queryset = queryset.filter(day__gte=since)
    rows = queryset.values_list("dimension", "key", "day", "count")
    return pd.DataFrame.from_records(list(rows), columns=["dimension", "key", "period", "count"])
