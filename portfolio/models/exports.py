"""PDF exports made in the background: the full portfolio (or any printable part of an
enrolment's records) rendered by a Celery job with a progress bar, then kept in private
storage for the people who may print those records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from config.models import JobHeartbeat


class PortfolioExport(JobHeartbeat):
    """One request for a PDF, from the click to the stored file (or the reason it failed).
    The file lives under a random name in private storage (services.exports) and is only
    ever streamed by a view that checks who is asking."""

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being prepared"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    enrolment = models.ForeignKey(
        "portfolio.Enrolment", on_delete=models.CASCADE, related_name="exports"
    )
    # A key of services.printing.PARTS; not choices, so a new printable part needs no migration.
    part = models.CharField(max_length=30)
    title = models.CharField(max_length=300, help_text="What the PDF is, in words.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    percent = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=200, blank=True, help_text="What the job is doing now.")
    stored_name = models.CharField(max_length=64, blank=True, editable=False)
    filename = models.CharField(max_length=200, blank=True, help_text="The download's name.")
    size = models.PositiveBigIntegerField(null=True, blank=True, help_text="Bytes.")
    sha256 = models.CharField(max_length=64, blank=True)
    is_draft = models.BooleanField(
        default=False, help_text="Marked DRAFT: not every signature was in place and valid."
    )
    error = models.TextField(blank=True, help_text="Why it failed, in words for the reader.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A double click (or two tabs) starts one job: the second request finds this one.
            models.UniqueConstraint(
                fields=["enrolment", "part", "requested_by"],
                condition=models.Q(state__in=["queued", "running"]),
                name="portfolio_export_one_active_per_requester",
            )
        ]
        indexes = [
            models.Index(fields=["enrolment", "-created_at"], name="portfolio_export_recent")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("portfolio:export-detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def is_done(self) -> bool:
        return self.state == self.State.DONE

    @property
    def progress_step(self) -> int:
        """Per cent done, to the nearest 5 (the progress bar's width classes)."""
        return min(100, max(0, 5 * round(self.percent / 5)))
