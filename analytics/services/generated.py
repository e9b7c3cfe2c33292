"""Store a generated log (``analytics.generator``) as a centre's problems, their action
timelines and its preventive actions: for the demo centre, the tests and the benchmarks."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pandas as pd
from django.db import transaction
from django.utils import timezone

from accounts.models import Centre, User
from analytics.generator import GeneratedLog
from complaints.models import Action, PreventiveAction, Problem
from complaints.services import problems_bulk_create

# How long before a generated preventive action took effect its authority approved it.
GENERATED_DECISION_LEAD_DAYS = 14

CHUNK = 5000


@dataclass(frozen=True)
class StoredLog:
    problems: int
    actions: int
    preventive_actions: int


@transaction.atomic
def generated_log_store(
    *, centre: Centre, learners: list[User], log: GeneratedLog, rows: pd.DataFrame | None = None
) -> StoredLog:
    """Write the log's problems (``rows``, default all up to now) and their actions, spread
    over ``learners`` by the generator's learner index, and one PreventiveAction per injected
    action. All or nothing."""
    now = timezone.now()
    frame = log.problems if rows is None else rows
    frame = frame[frame["received_at"] <= now]
    timeline = log.actions[log.actions["taken_at"] <= now]
    timeline = timeline[timeline["row_id"].isin(frame["row_id"])]
    learner_of = dict(zip(frame["row_id"], frame["learner_index"] % len(learners), strict=True))
    actions_by_row: dict[int, list[Action]] = {}
    for row in timeline.itertuples(index=False):
        actions_by_row.setdefault(row.row_id, []).append(
            _action_from_row(row, learners[learner_of[row.row_id]])
        )
    problems = actions = 0
    for start in range(0, len(frame), CHUNK):
        chunk = frame.iloc[start : start + CHUNK]
        batch, timelines = [], []
        for row in chunk.itertuples(index=False):
            steps = actions_by_row.get(row.row_id, [])
            batch.append(
                _problem_from_row(row, learners[learner_of[row.row_id]], first=_first(steps))
            )
            timelines.append(steps)
        problems += len(problems_bulk_create(centre=centre, problems=batch, actions=timelines))
        actions += sum(len(t) for t in timelines)
    first_day = timezone.localdate(frame["received_at"].min()) if len(frame) else None
    preventive = [
        PreventiveAction(
            centre=centre,
            learner=learners[a.action_id % len(learners)],
            title=a.description,
            description=(
                f"{a.description}, to cut {a.category.replace('_', ' ')} problems with {a.product}."
            ),
            category=a.category,
            product=a.product,
            # Negotiated with the appropriate authority (3.1) a fortnight before it took
            # effect, and monitored (3.4), as a learner records it.
            proposal=f"{a.description}.",
            authority="Customer services manager",
            decision=PreventiveAction.Decision.APPROVED,
            decision_on=a.implemented_on - datetime.timedelta(days=GENERATED_DECISION_LEAD_DAYS),
            agreed="Go ahead as proposed.",
            implemented_on=a.implemented_on,
            monitoring_plan=(
                "Watch the weekly count of these problems for six months; Casebook measures it."
            ),
        )
        for a in log.preventive_actions
        if first_day is not None and first_day <= a.implemented_on <= timezone.localdate()
    ]
    PreventiveAction.objects.bulk_create(preventive)
    return StoredLog(problems, actions, len(preventive))


def _first(actions: list[Action]) -> datetime.datetime | None:
    return min((a.taken_at for a in actions if a.kind != "note"), default=None)


def _when(value) -> datetime.datetime | None:
    return None if pd.isna(value) else value.to_pydatetime()


def _problem_from_row(row, learner: User, *, first: datetime.datetime | None) -> Problem:
    resolved = _when(row.resolved_at)
    return Problem(
        learner=learner,
        received_at=_when(row.received_at),
        identified_by=row.identified_by,
        customer_kind=row.customer_kind,
        customer_ref=row.customer_ref,
        channel=row.channel,
        product=row.product,
        category=row.category,
        severity=row.severity,
        customer_expectation=row.customer_expectation,
        description=row.description,
        within_authority=bool(row.within_authority),
        status=row.status,
        root_cause_category=row.root_cause_category,
        acknowledged_at=first if row.status != "new" else None,
        resolved_at=resolved,
        closed_at=resolved + datetime.timedelta(days=2)
        if resolved and row.status == "closed"
        else None,
    )


def _action_from_row(row, learner: User) -> Action:
    return Action(
        kind=row.kind,
        taken_at=_when(row.taken_at),
        taken_by=learner,
        description=row.description,
        with_whom=row.with_whom or "",
        satisfaction_score=None if pd.isna(row.satisfaction_score) else int(row.satisfaction_score),
        customer_words=row.customer_words or "",
    )
