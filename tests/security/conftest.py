"""Hostile-input tests (issue 8, item 4): Hypothesis profiles, and one world per module.

Profiles (``HYPOTHESIS_PROFILE``):

- ``security`` (the default): enough examples to catch the classic holes on every run while
  the whole of tests/security stays near a minute on two cores.
- ``deep``: twenty times as many, for a longer run before a release
  (``HYPOTHESIS_PROFILE=deep pytest tests/security``).

Neither keeps an example database: a failure prints the example (and a ``@reproduce_failure``
blob) instead; Hypothesis's caches go under .hypothesis/.

The world (tests/security/world.py) is built once per module inside a transaction that is
rolled back when the module is done; each test runs in its own savepoint on top of it
(pytest-django), and each example in another (``example_isolated``), so every example
starts from the same world.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

from portfolio.standard import DEFAULT_UNIT_PATH, standard_load
from tests.security.world import World, build_world, plain

# Hypothesis keeps caches (and would keep its example database) in .hypothesis/ of the
# working directory: pinned to the repository's own, which git ignores. Not test-results/:
# pytest-playwright empties that folder when each xdist worker starts, under the feet of
# the other worker's examples.
set_hypothesis_home_dir(Path(__file__).resolve().parents[2] / ".hypothesis")

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "security")
# How many times the default's examples each profile runs.
SCALE = {"security": 1, "deep": 20}

_common = {
    "deadline": None,  # a request renders a page: its time varies with the machine
    "database": None,  # nothing written into the repository
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("security", **_common)
settings.register_profile("deep", **_common)
settings.load_profile(PROFILE if PROFILE in SCALE else "security")


def examples(n: int) -> int:
    """The number of examples a test runs: ``n`` by default, more in the deep profile."""
    return n * SCALE.get(PROFILE, 1)


@pytest.fixture(scope="module")
def world(request, django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """One centre with every persona and every object the forms act on, kept for the module
    and rolled back after it. A module's ``SAY`` (tests/security/world.py) writes its free
    text."""
    storage = tmp_path_factory.mktemp("private")
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PRIVATE_STORAGE_ROOT=storage, PASSWORD_HASHERS=hashers),
        _rolled_back(),
    ):
        say = getattr(request.module, "SAY", plain)
        yield build_world(standard_load(path=DEFAULT_UNIT_PATH), say=say)


@contextmanager
def _rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def clients(world, db) -> dict[str, Client]:
    """A logged-in client for each persona of the world, and an anonymous one."""
    found = {"anonymous": Client()}
    for name, user in world.people.items():
        found[name] = Client()
        found[name].force_login(user)
    return found


@contextmanager
def example_isolated() -> Iterator[None]:
    """Run one example in a savepoint rolled back after it, whatever it wrote."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
