"""The demo centre that `make run` shows a newcomer: one person in each role and several
months of realistic problems. Each capability adds its part here, so every feature is
populated on a fresh start. Runs only in demo mode; safe to run again (it reuses what exists).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from accounts.models import Centre, Role, User
from accounts.services import membership_grant
from analytics.engine.grouping import GroupingSettings
from analytics.generator import GeneratorConfig, generate_log
from analytics.generator.story import InjectedStory, story_inject
from analytics.models import AnalysisRun, AnalysisSettings
from analytics.services import analysis_run_execute
from analytics.services.generated import StoredLog, generated_log_store
from complaints.models import Problem
from config.demo_portfolio import demo_portfolio
from portfolio.models import Enrolment, Unit
from portfolio.standard import DEFAULT_UNIT_PATH, standard_load

DEMO_CENTRE_SLUG = "demo"
DEMO_DAYS = 270
DEMO_PROBLEMS_PER_DAY = 8.0
DEMO_SEED = 2026
# The demo's story for elements 2 and 3: the demo learner's clearest repeated problem was
# dealt with by a change this long after its last incident, which cut that kind of problem
# to the first of these shares that leaves the repeated problem still found by the engine.
# Logging it as a preventive action from that day shows a measured effect (seed_demo prints
# the date; analytics.generator.story does the work).
DEMO_STORY_LAG = datetime.timedelta(days=28)
DEMO_STORY_KEEPS = (0.4, 0.5, 0.6)

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
    preventive_actions_created: int
    analysed: bool
    evidence_created: int
    story: InjectedStory | None = None


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
    stored, story = StoredLog(0, 0, 0), None
    if not Problem.objects.filter(centre=centre).exists():
        stored, story = _demo_problem_log(
            centre=centre,
            learners=[people[name] for name in DEMO_LEARNERS],
            today=today or timezone.localdate(),
            days=days,
        )
    evidence = demo_portfolio(
        learner=people["learner"], assessor=people["assessor"], verifier=people["verifier"]
    )
    analysed = False
    if stored.problems or not AnalysisRun.objects.filter(centre=centre).exists():
        # The dashboard shows the engine's findings from the first page view.
        transaction.on_commit(lambda: _demo_analysis(centre))
        analysed = True
    return DemoSummary(
        centre,
        created,
        stored.problems,
        stored.actions,
        stored.preventive_actions,
        analysed,
        evidence,
        story,
    )


def _demo_analysis(centre: Centre) -> None:
    run = AnalysisRun.objects.create(centre=centre, trigger=AnalysisRun.Trigger.DEMO)
    analysis_run_execute(run_id=run.pk)


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
) -> tuple[StoredLog, InjectedStory | None]:
    log = generate_log(
        GeneratorConfig(
            start=today - datetime.timedelta(days=days - 1),
            days=days,
            mean_per_day=DEMO_PROBLEMS_PER_DAY,
            seed=DEMO_SEED,
            n_learners=len(learners),
        )
    )
    log, story = story_inject(
        log,
        learner_index=0,
        n_learners=len(learners),
        lag=DEMO_STORY_LAG,
        keeps=DEMO_STORY_KEEPS,
        seed=DEMO_SEED,
        grouping=GroupingSettings(window_days=AnalysisSettings().group_window_days),
    )
    return generated_log_store(centre=centre, learners=learners, log=log), story


def demo_story_describe(story: InjectedStory) -> str:
    kind = story.category.replace("_", " ")
    return (
        f"the demo learner's suggested repeated problem ({story.product}, {kind}) was "
        f"dealt with by a change on {story.implemented_on:%-d %B %Y}: log it as a "
        "preventive action from that day to see its measured effect"
    )
