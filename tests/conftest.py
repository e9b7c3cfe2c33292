"""Personas for every role, at the centre under test and at another centre.

Every feature gets an access test: its owner, the people who may read it, and outsiders.
"""

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import Role
from tests.accounts.factories import CentreFactory, member
from tests.complaints.factories import ProblemFactory
from tests.portfolio.factories import EnrolmentFactory

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, and before it is dropped, an end to any session still
    on it: a Celery worker or live server thread stopped a moment earlier can leave one, and
    PostgreSQL refuses to drop a database someone is connected to."""
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests create hundreds of users. The production hasher is
    checked in tests/accounts/test_passwords.py."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def centre(db):
    return CentreFactory(name="Harbour Energy", slug="harbour")


@pytest.fixture
def other_centre(db):
    return CentreFactory(name="Elsewhere Telecom", slug="elsewhere")


@pytest.fixture
def learner(centre):
    return member(centre=centre, role=Role.LEARNER, username="lena")


@pytest.fixture
def assessor(centre):
    return member(centre=centre, role=Role.ASSESSOR, username="asa")


@pytest.fixture
def verifier(centre):
    return member(centre=centre, role=Role.VERIFIER, username="ivy")


@pytest.fixture
def manager(centre):
    return member(centre=centre, role=Role.MANAGER, username="max")


@pytest.fixture
def centre_admin(centre):
    return member(centre=centre, role=Role.CENTRE_ADMIN, username="ada")


@pytest.fixture
def enrolment(centre, learner, assessor, verifier):
    return EnrolmentFactory(centre=centre, learner=learner, assessor=assessor, verifier=verifier)


@pytest.fixture
def other_learner(centre):
    """A learner at the same centre with a different assessor."""
    return member(centre=centre, role=Role.LEARNER, username="olly")


@pytest.fixture
def other_centre_learner(other_centre):
    return member(centre=other_centre, role=Role.LEARNER, username="xavier")


@pytest.fixture
def other_centre_assessor(other_centre):
    return member(centre=other_centre, role=Role.ASSESSOR, username="xena")


@pytest.fixture
def other_centre_manager(other_centre):
    return member(centre=other_centre, role=Role.MANAGER, username="xander")


@pytest.fixture
def problem(enrolment):
    return ProblemFactory(centre=enrolment.centre, learner=enrolment.learner)


def pytest_report_header(config):
    """Say which real services this run uses, so CI output shows PostgreSQL and Redis."""
    import os

    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = os.environ.get("CELERY_BROKER_URL")
    jobs = f"a real Celery worker on {broker}" if broker else "in-process (eager) Celery"
    return [f"casebook: database {engine}, jobs {jobs}"]


@pytest.fixture
def eager_jobs():
    """Run queued jobs here and now even where a broker is configured (CI), for tests that
    follow a job's effect rather than its delivery (tests/analytics/test_worker_killed.py
    and tests/config/test_celery_broker.py cover real delivery)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def broker_url():
    url = os.environ.get("CELERY_BROKER_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI is set but CELERY_BROKER_URL is not: the broker tests must run in CI.")
        pytest.skip("no CELERY_BROKER_URL: jobs run in-process here")
    return url


@dataclass
class Worker:
    queue: str
    process: subprocess.Popen


@pytest.fixture
def worker(broker_url, transactional_db):
    """A real Celery worker process on its own queue, pointed at the test database."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = dict(os.environ)
    # Jobs the worker itself queues (a full pass queued by an import job) come back to it.
    env["CELERY_TASK_DEFAULT_QUEUE"] = queue
    if db["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    # The worker's own log, kept for a failing test to be read (test-results/ is ignored).
    (ROOT / "test-results").mkdir(exist_ok=True)
    log = open(ROOT / "test-results" / f"worker-{queue}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "info",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield Worker(queue=queue, process=process)
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    log.close()
