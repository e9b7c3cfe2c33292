"""Writes of the engine's results. Each is an upsert keyed by a unique constraint, run inside
the caller's transaction while it holds the centre's analysis lock."""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Centre
from analytics.engine.counts import CountMatrix
from analytics.engine.effectiveness import Effect, ProfileWeek
from analytics.engine.grouping import ProblemGroup
from analytics.engine.pareto import ParetoRow
from analytics.engine.service import SatisfactionWeekRow, ServiceWeekRow
from analytics.engine.surveillance import benjamini_hochberg
from analytics.models import (
    AnalysisRun,
    AnalysisSettings,
    CandidateIncident,
    Effectiveness,
    ParetoTable,
    RecurringCandidate,
    SatisfactionWeek,
    SeriesCount,
    ServiceWeek,
    Signal,
)
from complaints.models import PreventiveAction

SIGNAL_FIELDS = (
    "period_end",
    "observed",
    "expected",
    "threshold",
    "score",
    "p_value",
    "q_value",
    "method",
    "baseline_start",
    "baseline_end",
    "active",
)


def centre_lock(*, centre: Centre) -> AnalysisSettings:
    """Take the centre's analysis lock (its settings row) until the transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("centre_lock must run inside a transaction")
    AnalysisSettings.objects.get_or_create(centre=centre)
    return AnalysisSettings.objects.select_for_update().get(centre=centre)


def counts_replace(*, centre: Centre, daily: CountMatrix, weekly: CountMatrix) -> int:
    """Replace all of a centre's stored counts with the matrices' non-zero cells."""
    SeriesCount.objects.filter(centre=centre).delete()
    rows = _count_rows(daily) + _count_rows(weekly)
    _insert_counts(centre.pk, rows)
    return len(rows)


def counts_replace_all_empty(*, centre: Centre) -> None:
    SeriesCount.objects.filter(centre=centre).delete()


def counts_replace_day(
    *, centre: Centre, day: datetime.date, counts: dict, weekly_dimensions: Sequence[str]
) -> int:
    """Replace one local day's counts (``counts`` maps (dimension, key) to a count), then
    re-total its week for the weekly dimensions from the stored days."""
    SeriesCount.objects.filter(centre=centre, granularity="day", day=day).delete()
    rows = [("day", d, k, day, n) for (d, k), n in counts.items() if n > 0]
    monday = day - datetime.timedelta(days=day.weekday())
    week = SeriesCount.objects.filter(
        centre=centre,
        granularity="day",
        dimension__in=weekly_dimensions,
        day__gte=monday,
        day__lt=monday + datetime.timedelta(days=7),
    ).exclude(day=day)
    totals: dict[tuple[str, str], int] = {}
    for dimension, key, n in week.values_list("dimension", "key", "count"):
        totals[(dimension, key)] = totals.get((dimension, key), 0) + n
    for (dimension, key), n in counts.items():
        if dimension in weekly_dimensions:
            totals[(dimension, key)] = totals.get((dimension, key), 0) + n
    SeriesCount.objects.filter(centre=centre, granularity="week", day=monday).delete()
    rows += [("week", d, k, monday, n) for (d, k), n in totals.items() if n > 0]
    _insert_counts(centre.pk, rows)
    return len(rows)


def _count_rows(matrix: CountMatrix) -> list[tuple]:
    series, period = np.nonzero(matrix.counts)
    days = matrix.periods.astype("datetime64[D]").astype(object)
    return [
        (
            matrix.granularity,
            matrix.dimensions[s],
            matrix.keys[s],
            days[p],
            int(matrix.counts[s, p]),
        )
        for s, p in zip(series.tolist(), period.tolist(), strict=True)
    ]


def _insert_counts(centre_id: int, rows: Sequence[tuple]) -> None:
    """(granularity, dimension, key, day, count) rows; COPY on PostgreSQL when many."""
    if connection.vendor == "postgresql" and len(rows) > 1000:
        frame = pd.DataFrame(rows, columns=["granularity", "dimension", "key", "day", "count"])
        frame.insert(0, "centre_id", centre_id)
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, header=False)
        buffer.seek(0)
        table = SeriesCount._meta.db_table
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {table} (centre_id, granularity, dimension, key, day, count) "
                "FROM STDIN WITH (FORMAT csv)",
                buffer,
            )
        return
    SeriesCount.objects.bulk_create(
        [
            SeriesCount(centre_id=centre_id, granularity=g, dimension=d, key=k, day=day, count=n)
            for g, d, k, day, n in rows
        ],
        batch_size=2000,
    )


def signals_store(
    *,
    centre: Centre,
    run: AnalysisRun,
    tested: pd.DataFrame,
    periods: Iterable[tuple[str, datetime.date]] | None = None,
) -> dict:
    """Upsert the alarms among the tested (series, period) rows and retire stored signals
    that no longer fire. ``periods`` limits the retiring to the (granularity, period_start)
    pairs that were re-tested (incremental update); None retires across the whole centre."""
    alarms = tested[tested["alarm"]] if not tested.empty else tested
    objects = [_signal(centre, run, row) for row in alarms.itertuples(index=False)]
    Signal.objects.bulk_create(
        objects,
        update_conflicts=True,
        unique_fields=["centre", "dimension", "key", "granularity", "period_start"],
        update_fields=[*SIGNAL_FIELDS, "updated_at"],
        batch_size=1000,
    )
    firing = {(s.dimension, s.key, s.granularity, s.period_start) for s in objects}
    stale = Signal.objects.filter(centre=centre, active=True)
    if periods is not None:
        periods = list(periods)
        if not periods:
            return {"signals": len(objects), "retired": 0}
        stale = stale.filter(
            granularity__in={g for g, _ in periods}, period_start__in={p for _, p in periods}
        )
    retire = [
        pk
        for pk, *key in stale.values_list("pk", "dimension", "key", "granularity", "period_start")
        if tuple(key) not in firing
    ]
    Signal.objects.filter(pk__in=retire).update(active=False, updated_at=timezone.now())
    return {"signals": len(objects), "retired": len(retire)}


def _signal(centre: Centre, run: AnalysisRun, row) -> Signal:
    return Signal(
        centre=centre,
        dimension=row.dimension,
        key=row.key,
        granularity=row.granularity,
        period_start=row.period_start,
        period_end=row.period_end,
        observed=int(row.observed),
        expected=float(row.expected),
        threshold=float(row.threshold),
        score=_finite(row.score),
        p_value=_finite(row.p_value),
        q_value=None if pd.isna(row.q_value) else float(row.q_value),
        method=row.method,
        baseline_start=_date_or_none(row.baseline_start),
        baseline_end=_date_or_none(row.baseline_end),
        active=True,
        first_run=run,
    )


def _finite(value) -> float:
    value = float(value)
    if np.isnan(value):
        return 0.0
    return float(np.clip(value, -1e12, 1e12))


def _date_or_none(value) -> datetime.date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


CANDIDATE_FIELDS = (
    "size",
    "first_at",
    "last_at",
    "shared_words",
    "cohesion",
    "category",
    "product",
)


def candidates_store(
    *,
    centre: Centre,
    matched: Sequence[tuple[int | None, ProblemGroup]],
    members: Mapping[int, Iterable[int]],
) -> dict:
    """Create the new candidates and update the matched ones whose group changed (members,
    dates, words); ``members`` holds each matched candidate's stored problem ids. A
    dismissed or confirmed candidate keeps its status: a dismissed group is never proposed
    again, whatever joins it."""
    existing = RecurringCandidate.objects.in_bulk([cid for cid, _ in matched if cid is not None])
    created, updated, unchanged = [], [], 0
    for cid, group in matched:
        candidate = existing.get(cid) if cid is not None else None
        if candidate is None:
            candidate = RecurringCandidate(centre=centre)
            _apply_group(candidate, group)
            created.append((candidate, group))
            continue
        before = [getattr(candidate, f) for f in CANDIDATE_FIELDS]
        _apply_group(candidate, group)
        same_members = set(members.get(cid, ())) == set(group.problem_ids)
        if same_members and before == [getattr(candidate, f) for f in CANDIDATE_FIELDS]:
            unchanged += 1
            continue
        updated.append((candidate, group))
    RecurringCandidate.objects.bulk_create([c for c, _ in created], batch_size=1000)
    _candidates_update([c for c, _ in updated])
    changed = _incidents_sync(created + updated, members)
    return {
        "candidates_new": len(created),
        "candidates_updated": len(updated),
        "candidates_unchanged": unchanged,
        **changed,
    }


def _candidates_update(candidates: Sequence[RecurringCandidate]) -> None:
    """Write the changed candidates' fields: one ``UPDATE … FROM (VALUES …)`` per 1,000 on
    PostgreSQL (Django's bulk_update builds a CASE per field and row, which takes tens of
    seconds for the thousands a changed grouping rule can touch)."""
    if connection.vendor != "postgresql":
        RecurringCandidate.objects.bulk_update(
            candidates, [*CANDIDATE_FIELDS, "updated_at"], batch_size=500
        )
        return
    from psycopg2.extras import execute_values

    table = RecurringCandidate._meta.db_table
    rows = [
        (
            c.pk,
            c.size,
            c.first_at,
            c.last_at,
            json.dumps(c.shared_words),
            c.cohesion,
            c.category,
            c.product,
            c.updated_at,
        )
        for c in candidates
    ]
    with connection.cursor() as cursor:
        execute_values(
            cursor.cursor,
            f"UPDATE {table} AS t SET size = v.size, first_at = v.first_at, "  # noqa: S608 - own table
            "last_at = v.last_at, shared_words = v.shared_words::jsonb, cohesion = v.cohesion, "
            "category = v.category, product = v.product, updated_at = v.updated_at "
            "FROM (VALUES %s) AS v(id, size, first_at, last_at, shared_words, cohesion, "
            "category, product, updated_at) WHERE t.id = v.id",
            rows,
            template="(%s, %s, %s::timestamptz, %s::timestamptz, %s, %s::float8, %s, %s, "
            "%s::timestamptz)",
            page_size=1000,
        )


def candidate_join(
    *, centre: Centre, problem: dict, neighbours: Sequence[int]
) -> RecurringCandidate | None:
    """Add a problem to the candidate that holds most of its similar neighbours (ties: the
    older candidate), widening its dates; None when no candidate holds any of them."""
    if not neighbours:
        return None
    holders = CandidateIncident.objects.filter(
        candidate__centre=centre, problem_id__in=neighbours
    ).values_list("candidate_id", flat=True)
    if not holders:
        return None
    tally: dict[int, int] = {}
    for cid in holders:
        tally[cid] = tally.get(cid, 0) + 1
    best = min(tally, key=lambda cid: (-tally[cid], cid))
    candidate = RecurringCandidate.objects.select_for_update().get(pk=best)
    _, added = CandidateIncident.objects.get_or_create(
        candidate=candidate, problem_id=problem["id"]
    )
    if added:
        candidate.size += 1
        candidate.first_at = min(candidate.first_at, problem["received_at"])
        candidate.last_at = max(candidate.last_at, problem["received_at"])
        candidate.save(update_fields=["size", "first_at", "last_at", "updated_at"])
    return candidate


def _apply_group(candidate: RecurringCandidate, group: ProblemGroup) -> None:
    candidate.category = group.category
    candidate.product = group.product
    candidate.size = len(group.problem_ids)
    candidate.first_at = group.first_at
    candidate.last_at = group.last_at
    candidate.shared_words = list(group.shared_words)
    candidate.cohesion = float(group.cohesion)
    candidate.updated_at = timezone.now()


def _incidents_sync(
    pairs: Sequence[tuple[RecurringCandidate, ProblemGroup]], members: Mapping[int, Iterable[int]]
) -> dict:
    add, remove = [], {}
    for candidate, group in pairs:
        wanted, have = set(group.problem_ids), set(members.get(candidate.pk, ()))
        add.extend(
            CandidateIncident(candidate_id=candidate.pk, problem_id=p)
            for p in sorted(wanted - have)
        )
        if have - wanted:
            remove[candidate.pk] = sorted(have - wanted)
    _incidents_insert(add)
    for cid, pids in remove.items():
        CandidateIncident.objects.filter(candidate_id=cid, problem_id__in=pids).delete()
    return {
        "incidents_added": len(add),
        "incidents_removed": sum(len(p) for p in remove.values()),
    }


def _incidents_insert(links: Sequence[CandidateIncident]) -> None:
    """New candidate–problem links. None of them exists yet (the caller holds the centre's
    lock and added only links it did not find), so PostgreSQL takes them by COPY."""
    if connection.vendor != "postgresql" or len(links) < 5000:
        CandidateIncident.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)
        return
    buffer = io.StringIO("".join(f"{link.candidate_id},{link.problem_id}\n" for link in links))
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {CandidateIncident._meta.db_table} (candidate_id, problem_id) "
            "FROM STDIN WITH (FORMAT csv)",
            buffer,
        )


def run_progress(*, run: AnalysisRun, percent: int, step: str) -> None:
    """Record how far a running pass has got. Committed at once when called outside a
    transaction (as the full pass does before its writes), so the manager's page sees it."""
    AnalysisRun.objects.filter(pk=run.pk, status=AnalysisRun.Status.RUNNING).update(
        progress=percent, step=step, heartbeat_at=timezone.now()
    )


def effectiveness_store(
    *, action: PreventiveAction, effect: Effect, weekly: Sequence[ProfileWeek] = ()
) -> Effectiveness:
    test = effect.test
    values = {
        "computed_at": timezone.now(),
        "before_start": effect.windows.before_start,
        "before_end": effect.windows.before_end,
        "after_start": effect.windows.after_start,
        "after_end": effect.windows.after_end,
        "count_before": test.count_before if test else None,
        "count_after": test.count_after if test else None,
        "exposure_before": test.exposure_before if test else None,
        "exposure_after": test.exposure_after if test else None,
        "adjusted_for_volume": effect.adjusted_for_volume,
        "rate_ratio": _finite_or_none(test.rate_ratio) if test else None,
        "ci_low": _finite_or_none(test.ci_low) if test else None,
        "ci_high": _finite_or_none(test.ci_high) if test else None,
        "p_value": test.p_value if test else None,
        "dispersion": test.dispersion if test else 1.0,
        "verdict": effect.verdict,
        "summary": effect.summary,
        "weekly": [
            {"start": w.start.isoformat(), "days": w.days, "count": w.count, "phase": w.phase}
            for w in weekly
        ],
    }
    result, _ = Effectiveness.objects.update_or_create(action=action, defaults=values)
    return result


def effectiveness_adjust_q(*, centre: Centre) -> None:
    """Benjamini–Hochberg across the centre's tested actions (their one-sided p-values)."""
    results = list(
        Effectiveness.objects.filter(action__centre=centre, p_value__isnull=False).only(
            "pk", "p_value"
        )
    )
    if not results:
        return
    q = benjamini_hochberg(np.array([r.p_value for r in results], dtype=float))
    for result, value in zip(results, q, strict=True):
        result.q_value = float(value)
    Effectiveness.objects.bulk_update(results, ["q_value"])


def _finite_or_none(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def pareto_store(
    *, centre: Centre, dimension: str, window_days: int, rows: Sequence[ParetoRow]
) -> None:
    ParetoTable.objects.update_or_create(
        centre=centre,
        dimension=dimension,
        window_days=window_days,
        defaults={
            "rows": [
                {
                    "value": r.value,
                    "count": r.count,
                    "share": round(r.share, 6),
                    "cumulative_share": round(r.cumulative_share, 6),
                    "vital_few": r.vital_few,
                }
                for r in rows
            ],
            "computed_at": timezone.now(),
        },
    )


def service_weeks_replace(*, centre: Centre, rows: Sequence[ServiceWeekRow]) -> int:
    """Replace the centre's weekly service levels (a few hundred rows a year)."""
    ServiceWeek.objects.filter(centre=centre).delete()
    ServiceWeek.objects.bulk_create(
        [
            ServiceWeek(
                centre=centre,
                week=r.week,
                category=r.category,
                received=r.received,
                response_measured=r.response_measured,
                response_on_time=r.response_on_time,
                resolution_measured=r.resolution_measured,
                resolution_on_time=r.resolution_on_time,
            )
            for r in rows
        ],
        batch_size=1000,
    )
    return len(rows)


def satisfaction_weeks_replace(*, centre: Centre, rows: Sequence[SatisfactionWeekRow]) -> int:
    """Replace the centre's weekly satisfaction scores."""
    SatisfactionWeek.objects.filter(centre=centre).delete()
    SatisfactionWeek.objects.bulk_create(
        [
            SatisfactionWeek(
                centre=centre,
                week=r.week,
                category=r.category,
                scores=list(r.scores),
                count=r.count,
                total=sum(score * n for score, n in enumerate(r.scores, start=1)),
            )
            for r in rows
        ],
        batch_size=1000,
    )
    return len(rows)
