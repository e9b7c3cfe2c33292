"""A real Celery worker consuming from Redis. Runs wherever CELERY_BROKER_URL is set (CI
sets it); with CI set and no broker, the test fails rather than skip."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from config.tasks import ping

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.broker


@pytest.fixture
def broker_url():
    url = os.environ.get("CELERY_BROKER_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI is set but CELERY_BROKER_URL is not: the broker tests must run in CI.")
        pytest.skip("no CELERY_BROKER_URL: jobs run in-process here")
    return url


@pytest.fixture
def worker(broker_url, transactional_db):
    """A worker process on its own queue, pointed at the test database."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = dict(os.environ)
    if db["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
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
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield queue
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_a_real_worker_consumes_a_task_from_redis_and_reaches_the_database(worker):
    result = ping.apply_async(queue=worker)
    answer = result.get(timeout=60)
    assert answer["pong"] is True
    assert answer["database"] == connection.vendor
