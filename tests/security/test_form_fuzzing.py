"""Every form, fuzzed through its view (issue 8, item 4): hostile values in every field
(huge, control characters, NUL bytes, unicode edge cases, wrong types, out-of-range numbers
and dates, invalid choices), fields left out or sent twice, and extra fields, posted by the
persona the form is for. Never a 500; a refused submission writes nothing anywhere and says
what is wrong beside the field; a NUL byte is never taken in.
"""

from __future__ import annotations

import importlib
import inspect

import pytest
from django import forms
from hypothesis import given, settings

from tests.security.conftest import example_isolated, examples
from tests.security.judging import (
    cookies_kept,
    nul_accepted,
    outcome_of,
    refusal_problems,
    row_counts,
    rows_of,
    send,
    stored_problems,
)
from tests.security.strategies import Submission, Value, submissions
from tests.security.targets import TARGETS, Target

FORM_MODULES = (
    "complaints.forms.log",
    "complaints.forms.preventive",
    "complaints.importing.forms",
    "portfolio.forms",
    "analytics.forms",
    "analytics.views",
    "accounts.forms",
)
# Bases that are never submitted on their own.
NOT_SUBMITTED = {"complaints.forms.log.FiveWhysForm"}


def test_every_form_class_has_a_target():
    declared = {name for target in TARGETS for name in target.forms}
    found = set()
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, forms.BaseForm) and obj.__module__ == module_name:
                found.add(f"{module_name}.{name}")
    assert found - NOT_SUBMITTED - declared == set()


def _valid(target: Target, world) -> Submission:
    return Submission(
        tuple((name, Value(v)) for name, good in target.valid(world).items() for v in good)
    )


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_the_valid_submission_is_accepted(target, world, clients):
    """The fuzzer starts from these: each must be a submission the form takes."""
    with example_isolated():
        response = send(clients[target.persona], target, world, _valid(target, world))
        outcome = outcome_of(target, response)
    assert outcome.accepted, (outcome.status, outcome.errors, _form_errors(target, response))


def _form_errors(target, response):
    form = response.context.get(target.form) if response.context and target.form else None
    return form.errors if form is not None else None


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_hostile_submissions_never_crash_and_a_refusal_writes_nothing(target, world, clients):
    client = clients[target.persona]
    watched = target.watch(world)

    @settings(max_examples=examples(25))
    @given(submission=submissions(target.valid(world), choices=target.choices(world)))
    def attempt(submission: Submission) -> None:
        with example_isolated(), cookies_kept(client):
            before, rows_before = row_counts(), rows_of(watched)
            try:
                response = send(client, target, world, submission)
            except Exception as exc:  # the test client re-raises what the view raised
                raise AssertionError(
                    f"{target.name} raised {type(exc).__name__}: {exc}\n{submission.describe()}"
                ) from exc
            outcome = outcome_of(target, response)
            problems = []
            if outcome.status >= 500:
                problems.append(f"answered {outcome.status}")
            if outcome.accepted:
                problems += nul_accepted(target, world, submission)
                after = row_counts()
                changed = {table for table in before if after[table] != before[table]}
                problems += stored_problems(changed, watched)
            else:
                after = row_counts()
                problems += [
                    f"refused ({outcome.status}) but {table} went from {before[table]} to "
                    f"{after[table]} rows"
                    for table in before
                    if after[table] != before[table]
                ]
                if rows_of(watched) != rows_before:
                    problems.append(f"refused ({outcome.status}) but a watched row changed")
                problems += refusal_problems(target, response, outcome)
            assert not problems, f"{target.name}: {problems}\n{submission.describe()}"

    attempt()
