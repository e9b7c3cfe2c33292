"""Writes of the analytics engine: runs (request, claim, execute) and the passes behind them."""

from analytics.services.candidates import candidate_confirm, candidate_dismiss
from analytics.services.runs import (
    analysis_incremental,
    analysis_request,
    analysis_request_nightly,
    analysis_run_claim,
    analysis_run_execute,
    analysis_run_fail,
    analysis_runs_resend_stale,
)

__all__ = [
    "candidate_confirm",
    "candidate_dismiss",
    "analysis_incremental",
    "analysis_request",
    "analysis_request_nightly",
    "analysis_run_claim",
    "analysis_run_execute",
    "analysis_run_fail",
    "analysis_runs_resend_stale",
]
