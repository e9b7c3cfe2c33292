"""What every background job's row shares: a heartbeat, so a job whose message never reached
a worker, or whose worker died, is noticed and sent again (config.jobs)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone


class JobHeartbeat(models.Model):
    """A job's row (an import, an analysis run, a PDF export) that a worker picks up by id.

    ``heartbeat_at`` moves on whenever the job is sent to the job service or takes a step.
    Empty while the job is waiting to be sent because the job service (the broker) did not
    answer. The sweeper (config.tasks.jobs_sweep) sends again every job in flight whose
    heartbeat is empty or older than CASEBOOK_JOB_STALE_SECONDS. Each model says which of its
    rows are in flight with ``is_active``."""

    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the job was last sent to a worker or took a step; empty while the "
        "job service could not be reached.",
    )

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        raise NotImplementedError

    @property
    def waiting_for_job_service(self) -> bool:
        """In flight, but never handed to the job service: it did not answer."""
        return self.is_active and self.heartbeat_at is None

    @property
    def stalled(self) -> bool:
        """In flight, with no sign of life for longer than a step ever takes: its message was
        lost or its worker died, and the sweeper will send it again."""
        if not self.is_active or self.heartbeat_at is None:
            return False
        silent = datetime.timedelta(seconds=settings.CASEBOOK_JOB_STALE_SECONDS)
        return self.heartbeat_at < timezone.now() - silent
