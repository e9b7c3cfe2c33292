"""Fixtures for the engine's database tests: a centre's log written from the generator, with
its ground truth at hand."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from analytics.generator import GeneratedLog, GeneratorConfig, generate_log
from analytics.models import AnalysisRun
from analytics.services import analysis_run_execute
from analytics.services.generated import generated_log_store


@dataclass
class StoredTruth:
    log: GeneratedLog
    problems: int


def store_generated(centre, learners, **overrides) -> StoredTruth:
    today = timezone.localdate()
    settings = {
        "start": today - datetime.timedelta(days=364),
        "days": 365,
        "mean_per_day": 10,
        "seed": 11,
        "n_learners": len(learners),
        "spikes": 2,
        "clusters": 3,
        "with_actions": False,
    }
    settings.update(overrides)
    log = generate_log(GeneratorConfig(**settings))
    stored = generated_log_store(centre=centre, learners=learners, log=log)
    return StoredTruth(log=log, problems=stored.problems)


def full_run(centre, trigger=AnalysisRun.Trigger.COMMAND) -> AnalysisRun:
    run = AnalysisRun.objects.create(centre=centre, trigger=trigger)
    return analysis_run_execute(run_id=run.pk)


@pytest.fixture
def generated(centre, learner, other_learner) -> StoredTruth:
    return store_generated(centre, [learner, other_learner])
