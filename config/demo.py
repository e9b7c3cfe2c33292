"""The demo centre that `make run` shows a newcomer: one person in each role and several
months of realistic problems. Each capability adds its part here, so every feature is
populated on a fresh start. Runs only in demo mode; safe to run again (it reuses what exists).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pandas as pd
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from accounts.models import Centre, Role, User
from accounts.services import membership_grant
from analytics.generator import GeneratorConfig, generate_log
from complaints.models import Action, Problem
from complaints.services import problems_bulk_create
from portfolio.models import Enrolment, Unit
from portfolio.standard import DEFAULT_UNIT_PATH, standard_load

DEMO_CENTRE_SLUG = "demo"
DEMO_DAYS = 270
DEMO_PROBLEMS_PER_DAY = 8.0
DEMO_SEED = 2026

# (username, first name, last name, role). The five named in the README come first.
DEMO_PEOPLE = [
    ("learner", "Priya", "Shah", Role.LEARNER),
    ("assessor", "Tom", "Okafor", Role.ASSESSOR),
    ("verifier", "Helen", "Ward", Role.VERIFIER),
    ("manager", "Marcus", "Bell", Role.MANAGER),
    ("centre-admin", "Dee", "Ellis", Role.CENTRE_ADMIN),
    ("amir", "Amir", "Haddad", Role.LEARNER),
    ("bea", "Bea", "Lindqvist", Role.LEARNER),
    ("cal", "Cal", "Morgan", Role.LEARNER),
]
DEMO_LEARNERS = [username for username, *_, role in DEMO_PEOPLE if role == Role.LEARNER]


@dataclass
class DemoSummary:
    centre: Centre
    users_created: int
    problems_created: int
    actions_created: int


@transaction.atomic
def demo_seed(*, today: datetime.date | None = None, days: int = DEMO_DAYS) -> DemoSummary:
    """Create (or reuse) the demo centre, its people, their enrolments and problem log."""
    if not settings.CASEBOOK_DEMO:
        raise ImproperlyConfigured(
            "Demo data is only created in demo mode (DJANGO_DEBUG or CASEBOOK_DEMO on)."
        )
    unit = standard_load(path=DEFAULT_UNIT_PATH)
    centre, _ = Centre.objects.get_or_create(
        slug=DEMO_CENTRE_SLUG, defaults={"name": "Demo Customer Services"}
    )
    people, created = _demo_people(centre=centre)
    _demo_enrolments(centre=centre, unit=unit, people=people)
    problems, actions = 0, 0
    if not Problem.objects.filter(centre=centre).exists():
        problems, actions = _demo_problem_log(
            centre=centre,
            learners=[people[name] for name in DEMO_LEARNERS],
            today=today or timezone.localdate(),
            days=days,
        )
    return DemoSummary(centre, created, problems, actions)


def _demo_people(*, centre: Centre) -> tuple[dict[str, User], int]:
    people, created = {}, 0
    for username, first, last, role in DEMO_PEOPLE:
        user, is_new = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@demo.casebook.invalid",
            },
        )
        if is_new:
            # The published demo password is set once; a demo user who changed it keeps theirs.
            user.set_password(settings.DEMO_PASSWORD)
            user.save(update_fields=["password"])
            created += 1
        membership_grant(user=user, centre=centre, role=role)
        people[username] = user
    return people, created


def _demo_enrolments(*, centre: Centre, unit: Unit, people: dict[str, User]) -> None:
    for username in DEMO_LEARNERS:
        Enrolment.objects.get_or_create(
            learner=people[username],
            unit=unit,
            defaults={
                "centre": centre,
                "assessor": people["assessor"],
                "verifier": people["verifier"],
                "started_on": timezone.localdate() - datetime.timedelta(days=DEMO_DAYS),
            },
        )


def _demo_problem_log(
    *, centre: Centre, learners: list[User], today: datetime.date, days: int
) -> tuple[int, int]:
    log = generate_log(
        GeneratorConfig(
            start=today - datetime.timedelta(days=days - 1),
            days=days,
            mean_per_day=DEMO_PROBLEMS_PER_DAY,
            seed=DEMO_SEED,
            n_learners=len(learners),
        )
    )
    now = timezone.now()
    frame = log.problems[log.problems["received_at"] <= now]
    timeline = log.actions[log.actions["taken_at"] <= now]
    learner_of = dict(zip(frame["row_id"], frame["learner_index"], strict=True))
    actions_by_row: dict[int, list[Action]] = {}
    for row in timeline.itertuples(index=False):
        if row.row_id in learner_of:
            actions_by_row.setdefault(row.row_id, []).append(
                _action_from_row(row, learners[learner_of[row.row_id]])
            )
    problems, timelines = [], []
    for row in frame.itertuples(index=False):
        actions = actions_by_row.get(row.row_id, [])
        problems.append(_problem_from_row(row, learners, first_response=_first_response(actions)))
        timelines.append(actions)
    problems_bulk_create(centre=centre, problems=problems, actions=timelines)
    return len(problems), sum(len(a) for a in timelines)


def _first_response(actions: list[Action]) -> datetime.datetime | None:
    return min((a.taken_at for a in actions if a.kind != "note"), default=None)


def _when(value) -> datetime.datetime | None:
    return None if pd.isna(value) else value.to_pydatetime()


def _problem_from_row(
    row, learners: list[User], *, first_response: datetime.datetime | None
) -> Problem:
    received = _when(row.received_at)
    resolved = _when(row.resolved_at)
    return Problem(
        learner=learners[row.learner_index],
        received_at=received,
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
        acknowledged_at=first_response if row.status != "new" else None,
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
