"""Reads for the analytics engine: the one place where the ORM meets pandas, and the stored
results as pages and commands show them."""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Centre, Role, User
from accounts.selectors import user_centre_ids
from analytics.models import (
    AnalysisRun,
    CandidateIncident,
    Effectiveness,
    RecurringCandidate,
    SeriesCount,
    Signal,
)
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


def _frame_by_copy(queryset: QuerySet, columns: Sequence[str]) -> pd.DataFrame:
    selected = [
        f"(extract(epoch from {c}) * 1000000)::bigint" if c in TIMES else c for c in columns
    ]
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
    for column in TIMES:
        if column in frame:
            # Integers (or floats, where some are empty) of epoch microseconds.
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


def signal_problem_ids(*, signal: Signal) -> list[int]:
    """The problems counted in a signal's series and period."""
    start, end = local_day_bounds(signal.period_start, signal.period_end)
    return list(
        Problem.objects.filter(
            centre_id=signal.centre_id,
            received_at__gte=start,
            received_at__lt=end,
            **{signal.dimension: signal.key},
        )
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)
    )


def active_signals(*, centre: Centre) -> QuerySet[Signal]:
    return Signal.objects.filter(centre=centre, active=True).order_by(
        "-period_start", "granularity", "-score"
    )


def open_candidates(*, centre: Centre) -> QuerySet[RecurringCandidate]:
    return RecurringCandidate.objects.filter(
        centre=centre, status=RecurringCandidate.Status.PROPOSED
    ).order_by("-last_at", "-pk")


def recent_runs(*, centre_ids: Sequence[int], limit: int = 50) -> QuerySet[AnalysisRun]:
    return AnalysisRun.objects.filter(centre_id__in=centre_ids).select_related(
        "centre", "requested_by"
    )[:limit]


def signals_for_output(*, centre: Centre, since: datetime.date | None = None) -> list[dict]:
    """The centre's active signals and open repeated-problem candidates, one dict each, in
    the documented JSON shape of ``manage.py detect_trends --json``."""
    signals = active_signals(centre=centre).order_by("period_start", "dimension", "key")
    if since is not None:
        signals = signals.filter(period_end__gte=since)
    out = [
        {
            "kind": "spike",
            "dimension": s.dimension,
            "key": s.key,
            "granularity": s.granularity,
            "period_start": s.period_start.isoformat(),
            "period_end": s.period_end.isoformat(),
            "observed": s.observed,
            "expected": round(s.expected, 3),
            "threshold": round(s.threshold, 3),
            "score": round(s.score, 3),
            "p_value": s.p_value,
            "q_value": s.q_value,
            "method": s.method,
            "problem_ids": signal_problem_ids(signal=s),
        }
        for s in signals
    ]
    candidates = open_candidates(centre=centre).order_by("first_at", "pk")
    if since is not None:
        candidates = candidates.filter(last_at__date__gte=since)
    for c in candidates.prefetch_related("incidents"):
        out.append(
            {
                "kind": "recurring",
                "dimension": "category_product",
                "key": f"{c.category}|{c.product}",
                "granularity": None,
                "period_start": timezone.localdate(c.first_at).isoformat(),
                "period_end": timezone.localdate(c.last_at).isoformat(),
                "observed": c.size,
                "expected": None,
                "threshold": None,
                "score": round(c.cohesion, 3),
                "p_value": None,
                "q_value": None,
                "method": "tfidf_cosine_blocked",
                "shared_words": c.shared_words,
                "problem_ids": sorted(p.pk for p in c.incidents.all()),
            }
        )
    return out


def run_in_progress(*, centre: Centre) -> AnalysisRun | None:
    """A queued or running full pass of the centre, if one was asked for in the last hour
    (an older one's worker died; the next request starts afresh)."""
    recent = timezone.now() - datetime.timedelta(hours=1)
    return (
        AnalysisRun.objects.filter(
            centre=centre,
            scope=AnalysisRun.Scope.FULL,
            status__in=[AnalysisRun.Status.QUEUED, AnalysisRun.Status.RUNNING],
            created_at__gte=recent,
        )
        .order_by("-created_at")
        .first()
    )


def centre_findings(*, centre: Centre, weeks: int = 12, runs: int = 10) -> dict:
    """What a manager's analysis page shows for one centre: recent runs, the spikes of the
    last ``weeks`` weeks, open repeated-problem candidates, preventive-action results."""
    since = timezone.localdate() - datetime.timedelta(weeks=weeks)
    latest = (
        AnalysisRun.objects.filter(centre=centre, scope=AnalysisRun.Scope.FULL)
        .select_related("requested_by")
        .order_by("-created_at")[:runs]
    )
    return {
        "centre": centre,
        "runs": list(latest),
        "in_progress": run_in_progress(centre=centre),
        "weeks": weeks,
        "signals": list(active_signals(centre=centre).filter(period_end__gte=since)[:50]),
        "candidates": candidates_with_learners(list(open_candidates(centre=centre)[:20])),
        "candidate_count": open_candidates(centre=centre).count(),
        "effects": list(
            Effectiveness.objects.filter(action__centre=centre)
            .select_related("action", "action__learner")
            .order_by("-action__implemented_on")
        ),
    }


# --- The queue of suggested repeated problems ----------------------------------------------------


def candidates_for_learner(*, learner: User) -> list[RecurringCandidate]:
    """Proposed candidates holding any of the learner's own problems, newest first, each with
    ``mine``: only the learner's incidents in it (a candidate may span colleagues' logs,
    which the learner may not read)."""
    mine = Problem.objects.filter(learner=learner).order_by("received_at", "pk")
    return list(
        RecurringCandidate.objects.filter(
            status=RecurringCandidate.Status.PROPOSED,
            pk__in=CandidateIncident.objects.filter(problem__learner=learner).values(
                "candidate_id"
            ),
        )
        .prefetch_related(Prefetch("incidents", queryset=mine, to_attr="mine"))
        .order_by("-last_at", "-pk")
    )


def candidate_for_learner(*, learner: User, pk: int) -> RecurringCandidate:
    """A proposed candidate holding some of the learner's problems; 404 otherwise."""
    candidate = _learner_candidate(learner, pk).first()
    if candidate is None:
        raise Http404("No such suggestion for you.")
    return candidate


def _learner_candidate(learner: User, pk: int):
    return RecurringCandidate.objects.filter(
        pk=pk,
        status=RecurringCandidate.Status.PROPOSED,
        pk__in=CandidateIncident.objects.filter(problem__learner=learner).values("candidate_id"),
    ).prefetch_related(
        Prefetch(
            "incidents",
            queryset=Problem.objects.filter(learner=learner).order_by("received_at", "pk"),
            to_attr="mine",
        )
    )


def candidate_for_manager(*, user: User, pk: int) -> RecurringCandidate | None:
    """A proposed candidate of a centre the user manages, or None."""
    managed = user_centre_ids(user=user, role=Role.MANAGER)
    if not managed:
        return None
    return (
        RecurringCandidate.objects.filter(
            pk=pk, centre_id__in=managed, status=RecurringCandidate.Status.PROPOSED
        )
        .select_related("centre")
        .first()
    )


def candidates_with_learners(candidates: list[RecurringCandidate]) -> list[RecurringCandidate]:
    """Set ``learners`` on each candidate: (learner, incidents in their log) largest first,
    and ``confirmable``: those with the three incidents a repeated problem needs. One query."""
    rows = (
        CandidateIncident.objects.filter(candidate__in=candidates)
        .values("candidate_id", "problem__learner_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    users = User.objects.in_bulk({row["problem__learner_id"] for row in rows})
    by_candidate: dict[int, list[tuple[User, int]]] = {}
    for row in rows:
        user = users[row["problem__learner_id"]]
        by_candidate.setdefault(row["candidate_id"], []).append((user, row["n"]))
    for candidate in candidates:
        learners = sorted(
            by_candidate.get(candidate.pk, []), key=lambda pair: (-pair[1], pair[0].display_name)
        )
        candidate.learners = learners
        candidate.confirmable = [user for user, n in learners if n >= 3]
    return candidates
