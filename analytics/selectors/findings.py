"""The engine's findings as the Analysis page and ``detect_trends`` show them: spikes, open
candidates, runs."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Centre
from analytics.models import AnalysisRun, Effectiveness, RecurringCandidate, Signal
from analytics.selectors.candidates import candidates_with_learners
from analytics.selectors.frames import local_day_bounds
from complaints.models import Problem


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


def run_queued(*, centre: Centre) -> AnalysisRun | None:
    """A full pass of the centre queued and not yet started (so it will read everything
    logged until it starts), if one was asked for in the last hour."""
    recent = timezone.now() - datetime.timedelta(hours=1)
    return (
        AnalysisRun.objects.filter(
            centre=centre,
            scope=AnalysisRun.Scope.FULL,
            status=AnalysisRun.Status.QUEUED,
            created_at__gte=recent,
        )
        .order_by("-created_at")
        .first()
    )
