"""The load scenario (bench/load, `make load`) posts what the real forms accept and reads the
real pages, so a change to a form or a template breaks this test rather than the benchmark.
Locust itself is not run here (it monkey-patches the process with gevent)."""

from __future__ import annotations

import datetime
import random
import re
from pathlib import Path

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bench.load import scenario
from bench.load.figures import figures, percentile
from complaints import services
from complaints.filters import ProblemFilter
from complaints.forms import ActionForm, ProblemForm
from complaints.models import Action, IdentifiedBy, Problem
from tests.complaints.factories import ProblemFactory

ROOT = Path(__file__).resolve().parents[2]
SEEDS = range(40)

CHOICES = {
    "identified_by": scenario.IDENTIFIED_BY,
    "customer_kind": scenario.CUSTOMER_KINDS,
    "channel": scenario.CHANNELS,
    "category": scenario.CATEGORIES,
    "severity": scenario.SEVERITIES,
    "root_cause_category": scenario.ROOT_CAUSES,
}


def test_every_choice_the_load_makes_is_offered_by_the_problem_form():
    form = ProblemForm(centres=None)
    for name, values in CHOICES.items():
        offered = {str(value) for value, _ in form.fields[name].choices}
        assert set(values) <= offered, name


def test_the_problems_the_load_logs_pass_the_form_and_the_service(centre, learner):
    now = timezone.now()
    for seed in SEEDS:
        data = scenario.problem_form_data(
            rng=random.Random(seed), reference=f"LOAD-T-{seed:03d}", now=now
        )
        form = ProblemForm(data, centres=[centre])
        assert form.is_valid(), (seed, form.errors)
        problem = services.problem_create(centre=centre, learner=learner, **form.service_fields())
        assert problem.customer_ref == f"LOAD-T-{seed:03d}"
    assert Problem.objects.filter(customer_ref__startswith="LOAD-T-").count() == len(SEEDS)


@pytest.mark.parametrize("kind", [*scenario.ACTION_KINDS, "solved_before_aware"])
def test_every_action_the_load_adds_passes_the_form_and_the_service(kind, centre, learner):
    problem = ProblemFactory(
        centre=centre,
        learner=learner,
        identified_by=IdentifiedBy.LEARNER,
        received_at=timezone.now() - datetime.timedelta(hours=3),
    )
    form = ActionForm(scenario.action_form_data(kind=kind, now=timezone.now()))
    assert form.is_valid(), form.errors
    services.action_add(problem=problem, by=learner, **form.cleaned_data)
    assert Action.objects.get(problem=problem).kind == kind


def test_the_load_never_says_a_problem_the_customer_reported_was_solved_before_they_knew():
    rng = random.Random(1)
    kinds = {
        scenario.action_kind_for(rng=rng, identified_by=who) for who in ["customer", None] * 200
    }
    assert "solved_before_aware" not in kinds


def test_every_view_of_the_log_the_load_asks_for_is_a_valid_filter(client, learner, db):
    client.force_login(learner)
    today = timezone.localdate()
    for seed in SEEDS:
        _kind, params = scenario.log_query(rng=random.Random(seed), today=today)
        query = QueryDict(mutable=True)
        for name, value in params.items():
            query.setlist(name, value if isinstance(value, list) else [value])
        log = ProblemFilter(query, queryset=Problem.objects.all())
        assert log.form.is_valid(), (params, log.form.errors)
        assert client.get(reverse("complaints:problem-list"), query).status_code == 200


def test_the_load_logs_in_logs_a_problem_and_adds_an_action_through_the_pages(learner):
    learner.set_password(scenario.PASSWORD)
    learner.save()
    browser = Client(enforce_csrf_checks=True)
    login = browser.get(reverse("login")).content.decode()
    answer = browser.post(
        reverse("login"),
        {
            "csrfmiddlewaretoken": scenario.csrf_token(login),
            "username": learner.username,
            "password": scenario.PASSWORD,
        },
    )
    assert answer.status_code == 302

    form = browser.get(reverse("complaints:problem-create")).content.decode()
    assert scenario.form_errors(form) is None
    data = scenario.problem_form_data(rng=random.Random(7), reference="LOAD-T", now=timezone.now())
    answer = browser.post(
        reverse("complaints:problem-create"),
        {**data, "csrfmiddlewaretoken": scenario.csrf_token(form)},
    )
    pk = scenario.created_problem_id(answer["Location"])
    assert Problem.objects.get(customer_ref="LOAD-T").pk == pk

    page = browser.get(reverse("complaints:problem-detail", args=[pk])).content.decode()
    answer = browser.post(
        reverse("complaints:action-create", args=[pk]),
        {
            **scenario.action_form_data(kind="responded", now=timezone.now()),
            "csrfmiddlewaretoken": scenario.csrf_token(page),
        },
    )
    assert answer.status_code == 302
    assert answer["Location"] == f"/log/problems/{pk}/"
    log = browser.get(reverse("complaints:problem-list")).content.decode()
    assert pk in scenario.problem_ids(log)


def test_the_load_reads_the_errors_of_a_form_shown_again(client, learner):
    client.force_login(learner)
    data = scenario.problem_form_data(rng=random.Random(3), reference="LOAD-T", now=timezone.now())
    answer = client.post(reverse("complaints:problem-create"), {**data, "received_at": ""})
    assert answer.status_code == 200
    assert "When was it received or spotted?" in scenario.form_errors(answer.content.decode())


def test_the_figures_are_nearest_rank_percentiles_per_request_and_overall():
    assert percentile([5, 1, 3, 2, 4], 0.5) == 3
    assert percentile(list(range(1, 101)), 0.95) == 95
    samples = [(0.5, "log", 900.0, None)] + [
        (20.0 + i, "log", 10.0 * i, None) for i in range(1, 21)
    ]
    samples.append((30.0, "problem", 50.0, "500"))
    whole, later = figures(samples), figures(samples, since=10)
    assert whole["overall"]["requests"] == 22
    assert whole["overall"]["failures"] == 1
    assert [row["name"] for row in whole["rows"]] == ["log", "problem"]
    assert later["rows"][0]["p95"] == 190.0
    assert later["rows"][0]["p50"] == 100.0


def test_make_load_runs_the_load_scenario():
    makefile = (ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.M).group(1).split()
    assert "load" in phony
    recipe = re.search(r"^load:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "-m bench.load.run" in recipe
    assert (ROOT / "bench" / "load" / "locustfile.py").is_file()
