"""What Casebook's background jobs share: which errors are worth a retry, and a task base
that retries only those, then records on the job's own row that it gave up."""

from __future__ import annotations

from celery.contrib.django.task import DjangoTask
from django.db import InterfaceError, OperationalError

# The database went away (a restart, a dropped connection): worth trying again later.
TRANSIENT = (OperationalError, InterfaceError)


class DatabaseRetryTask(DjangoTask):
    """Acknowledged late (a job whose worker died is delivered again) and retried, with
    back-off, only when the database went away. When the retries run out, or anything else
    fails, ``give_up`` records it on the job's row, so its page says so instead of showing
    the job running for ever. Every task on this base takes its row's id first."""

    autoretry_for = TRANSIENT
    retry_backoff = True
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 5
    acks_late = True

    def give_up(self, object_id: int, exc: BaseException) -> None:
        """Record on the job's row that it will not finish; each app says how."""
        raise NotImplementedError

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        if args:
            self.give_up(args[0], exc)
