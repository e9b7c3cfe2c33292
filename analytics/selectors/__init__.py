"""Reads for the analytics engine, by sub-domain: ``frames`` (the ORM meets pandas, for the
engine's passes only), ``findings`` (the Analysis page and ``detect_trends``), ``candidates``
(the queue of suggested repeated problems) and ``dashboard`` (the manager's dashboard: stored
results only, no pandas)."""

from analytics.selectors.candidates import (
    candidate_for_learner,
    candidate_for_manager,
    candidates_for_learner,
    candidates_with_learners,
)
from analytics.selectors.findings import (
    active_signals,
    centre_findings,
    open_candidates,
    recent_runs,
    run_in_progress,
    run_queued,
    signal_problem_ids,
    signals_for_output,
)
from analytics.selectors.frames import (
    CATEGORICAL,
    FRAME_COLUMNS,
    TIMES,
    local_day_bounds,
    problem_frame,
    satisfaction_frame,
    series_counts,
    series_days,
)

__all__ = [
    "CATEGORICAL",
    "FRAME_COLUMNS",
    "TIMES",
    "active_signals",
    "candidate_for_learner",
    "candidate_for_manager",
    "candidates_for_learner",
    "candidates_with_learners",
    "centre_findings",
    "local_day_bounds",
    "open_candidates",
    "problem_frame",
    "recent_runs",
    "run_in_progress",
    "run_queued",
    "satisfaction_frame",
    "series_counts",
    "series_days",
    "signal_problem_ids",
    "signals_for_output",
]
