"""The job service (the Celery broker) out of reach, for the tests of what people see then."""

from __future__ import annotations

import pytest
from kombu.exceptions import OperationalError as BrokerOperationalError

from accounts.tasks import notification_email_task
from analytics.tasks import analysis_run_task
from complaints.tasks import import_job_check_task, import_job_run_task
from portfolio.tasks import portfolio_export_task

JOB_TASKS = (
    import_job_check_task,
    import_job_run_task,
    analysis_run_task,
    portfolio_export_task,
    notification_email_task,
)


class Broker:
    """Stands in for the broker: down (every send raises what kombu raises when Redis refuses
    the connection) or up (a send runs the task here, as a worker would)."""

    def __init__(self, monkeypatch) -> None:
        self.sent: list[tuple[str, tuple]] = []
        self.up = False
        for task in JOB_TASKS:
            monkeypatch.setattr(task, "delay", self._sender(task))

    def _sender(self, task):
        def delay(*args):
            if not self.up:
                raise BrokerOperationalError(
                    "Error 111 connecting to 127.0.0.1:6379. Connection refused."
                )
            self.sent.append((task.name, args))
            return task.apply(args)

        return delay


@pytest.fixture
def broker(monkeypatch) -> Broker:
    """The broker, down until the test brings it back with ``broker.up = True``."""
    return Broker(monkeypatch)
