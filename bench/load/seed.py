"""The load scenario's people and their existing logs, added to the demo centre.

Runs inside Django (``bench.load.run`` sets it up) after ``manage.py seed_demo``: the demo
centre gains LEARNERS learners, each with their own account, an enrolment on the unit and a
few months of generated problems with action timelines, and MANAGERS managers, so the log
pages and the dashboard show realistic content. Everyone shares one password (the same
hash is copied, as Argon2 on 60 accounts would take seconds for nothing).
"""

from __future__ import annotations

import datetime

from bench.load.scenario import PASSWORD, learner_username, manager_username

LEARNERS = 60
MANAGERS = 3
# About 3,500 problems over half a year for the load learners, beside the demo's 2,200.
HISTORY_DAYS = 180
HISTORY_PER_DAY = 20.0
HISTORY_SEED = 8


def load_people_seed(*, centre_slug: str = "demo") -> dict:
    """Create the load learners (enrolled, with history) and managers; return counts."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Centre, Role, User
    from accounts.services import membership_grant
    from analytics.generator import GeneratorConfig, generate_log
    from analytics.models import AnalysisRun
    from analytics.services import analysis_run_execute
    from analytics.services.generated import generated_log_store
    from portfolio.models import Enrolment, Unit

    centre = Centre.objects.get(slug=centre_slug)
    unit = Unit.objects.get()
    assessor = User.objects.get(username="assessor")
    verifier = User.objects.get(username="verifier")
    password = make_password(PASSWORD)
    today = timezone.localdate()
    with transaction.atomic():
        learners = []
        for i in range(1, LEARNERS + 1):
            learner = User.objects.create(
                username=learner_username(i),
                first_name="Load",
                last_name=f"Learner {i:03d}",
                password=password,
            )
            membership_grant(user=learner, centre=centre, role=Role.LEARNER)
            Enrolment.objects.create(
                centre=centre,
                learner=learner,
                unit=unit,
                assessor=assessor,
                verifier=verifier,
                started_on=today - datetime.timedelta(days=HISTORY_DAYS),
            )
            learners.append(learner)
        for i in range(1, MANAGERS + 1):
            manager = User.objects.create(
                username=manager_username(i),
                first_name="Load",
                last_name=f"Manager {i}",
                password=password,
            )
            membership_grant(user=manager, centre=centre, role=Role.MANAGER)
        log = generate_log(
            GeneratorConfig(
                start=today - datetime.timedelta(days=HISTORY_DAYS - 1),
                days=HISTORY_DAYS,
                mean_per_day=HISTORY_PER_DAY,
                seed=HISTORY_SEED,
                n_learners=LEARNERS,
            )
        )
        stored = generated_log_store(centre=centre, learners=learners, log=log)
    # The dashboard shows the engine's findings over the whole log, as after a nightly pass.
    run = AnalysisRun.objects.create(centre=centre, trigger=AnalysisRun.Trigger.COMMAND)
    analysis_run_execute(run_id=run.pk)
    return {
        "learners": LEARNERS,
        "managers": MANAGERS,
        "problems": stored.problems,
        "actions": stored.actions,
    }
