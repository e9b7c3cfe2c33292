"""What Casebook's background jobs share: which errors are worth a retry, a task base that
retries only those, then records on the job's own row that it gave up, and sending a job to
the job service (the Celery broker) so that a broker that does not answer loses nothing.

The database, not the broker, is the record of which jobs are waiting: a job is a row before
it is a message. When the broker is down (or restarts and forgets its queues, or a worker is
killed holding a message), the row stays queued or running, and the sweeper sends it again.
Every task is safe to run twice, so sending again is always safe."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

from celery import Task
from celery.contrib.django.task import DjangoTask
from django.conf import settings
from django.db import InterfaceError, OperationalError, models, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError

from config.models import JobHeartbeat

logger = logging.getLogger(__name__)

# The database went away (a restart, a dropped connection): worth trying again later.
TRANSIENT = (OperationalError, InterfaceError)
# The broker could not be reached: kombu raises this once Celery's own publish retries are
# spent (connection refused, reset, timed out).
BROKER_UNREACHABLE = (BrokerOperationalError,)
# A sweep sends at most this many jobs of each kind; the next sweep sends the rest.
SWEEP_BATCH = 500


class DatabaseRetryTask(DjangoTask):
    """Acknowledged late (a job whose worker died is delivered again) and retried, with
    back-off, only when the database went away. When the retries run out, or anything else
    fails, ``give_up`` records it on the job's row, so its page says so instead of showing
    the job running for ever. Every task on this base takes its row's id first."""

    autoretry_for = TRANSIENT
    retry_backoff = True
    retry_backoff_max = 300
    retry_jitter = True
    # Eight tries with jittered back-off (up to 1, 2, 4 ... 128 s) ride out a database restart
    # of a minute or two; five could all fall within a few seconds of an outage.
    max_retries = 8
    acks_late = True

    def give_up(self, object_id: int, exc: BaseException) -> None:
        """Record on the job's row that it will not finish; each app says how."""
        raise NotImplementedError

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        if args:
            self.give_up(args[0], exc)


# --- Sending jobs ------------------------------------------------------------------------------


def task_send(task: Task, *args) -> bool:
    """Hand a task to the job service. False, logged, when the broker cannot be reached; never
    raises for that. Without a broker (eager) the task runs here, raising what it raises."""
    try:
        task.delay(*args)
    except BROKER_UNREACHABLE as exc:
        logger.warning("%s%r not sent: the job service did not answer (%s)", task.name, args, exc)
        return False
    return True


def job_send(task: Task, job: JobHeartbeat) -> bool:
    """Send a job's task (it takes the row's id). When the broker cannot be reached the row
    stays as it is, in flight, with its heartbeat emptied: its page says it is waiting for
    the job service, and the sweeper sends it once the service answers."""
    if task_send(task, job.pk):
        return True
    type(job)._default_manager.filter(pk=job.pk).update(heartbeat_at=None)
    job.heartbeat_at = None
    return False


def job_enqueue(task: Task, job: JobHeartbeat) -> None:
    """Send a job's task once the caller's transaction commits (job_send): the worker never
    looks for a row that is not there yet, and a broker that does not answer fails nothing."""
    transaction.on_commit(lambda: job_send(task, job))


# --- Sending again what went missing -----------------------------------------------------------


def stale_before() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=settings.CASEBOOK_JOB_STALE_SECONDS)


def jobs_resend_stale(
    in_flight: models.QuerySet, *, task_for: Callable[[JobHeartbeat], Task]
) -> int:
    """Send again each job of ``in_flight`` (a queryset of rows queued or running) that was
    never sent or has shown no sign of life for CASEBOOK_JOB_STALE_SECONDS; how many were sent.
    Without a broker (eager) there is nothing to send again: jobs ran where they were asked
    for."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return 0
    silent = Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale_before())

    def send(job: JobHeartbeat) -> bool:
        if not job_send(task_for(job), job):
            return False
        logger.info("%s %s was silent: sent again", type(job).__name__, job.pk)
        return True

    return rows_resend(in_flight.filter(silent), mark="heartbeat_at", send=send)


def rows_resend(
    waiting: models.QuerySet, *, mark: str, send: Callable[[models.Model], bool]
) -> int:
    """The sweep's loop, for any kind of row waiting to be sent: up to SWEEP_BATCH of
    ``waiting``, oldest first, each claimed by moving its ``mark`` field to now (so two
    sweeps at once send it once; a row that left ``waiting`` meanwhile, by taking a step or
    another sweep's claim, is skipped), then ``send``. The first send the broker refuses ends
    the sweep (``send`` puts its row back as it was): the rest wait for the next one. How
    many were sent."""
    sent = 0
    for row in waiting.order_by("pk")[:SWEEP_BATCH]:
        if not waiting.filter(pk=row.pk).update(**{mark: timezone.now()}):
            continue
        if not send(row):
            break
        sent += 1
    return sent
