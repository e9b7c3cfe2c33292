"""A real Celery worker consuming from Redis. Runs wherever CELERY_BROKER_URL is set (CI
sets it); with CI set and no broker, the test fails rather than skip (see the `worker`
fixture in tests/conftest.py)."""

import pytest
from django.db import connection

from config.tasks import ping

pytestmark = pytest.mark.broker


def test_a_real_worker_consumes_a_task_from_redis_and_reaches_the_database(worker):
    result = ping.apply_async(queue=worker.queue)
    answer = result.get(timeout=60)
    assert answer["pong"] is True
    assert answer["database"] == connection.vendor
