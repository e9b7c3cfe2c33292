"""What the analytics engine stores: its runs, the daily counts it keeps up to date, and its
results (spike signals, repeated-problem candidates, effectiveness, Pareto tables).

Every result is keyed by a unique constraint and upserted, so a re-run or a duplicated task
delivery updates what is there instead of adding a second copy.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from analytics.engine.effectiveness import EffectSettings
from complaints.models import Category, Channel, IdentifiedBy
from config.models import JobHeartbeat


class AnalysisSettings(models.Model):
    """A centre's engine settings. Its row is also the lock that serialises the centre's
    analysis writes (two runs for one centre never interleave)."""

    centre = models.OneToOneField(
        "accounts.Centre", on_delete=models.CASCADE, related_name="analysis_settings"
    )
    group_window_days = models.PositiveSmallIntegerField(
        default=90, help_text="Repeated problems: incidents within this many days of each other."
    )
    group_horizon_days = models.PositiveSmallIntegerField(
        default=365,
        help_text="The full pass re-groups this much of the log, back from its latest problem; "
        "older candidates stay as they are.",
    )
    effect_before_weeks = models.PositiveSmallIntegerField(
        default=26, help_text="Preventive actions: weeks of data before the change."
    )
    effect_guard_weeks = models.PositiveSmallIntegerField(
        default=4,
        help_text="Weeks just before the change left out (the spike that prompted it).",
    )
    effect_lag_weeks = models.PositiveSmallIntegerField(
        default=2, help_text="Weeks just after the change left out (time for it to bite)."
    )
    effect_after_weeks = models.PositiveSmallIntegerField(
        default=26, help_text="Longest stretch of data after the change."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Analysis settings for {self.centre}"

    @property
    def effect_settings(self) -> EffectSettings:
        return EffectSettings(
            before_weeks=self.effect_before_weeks,
            guard_weeks=self.effect_guard_weeks,
            lag_weeks=self.effect_lag_weeks,
            after_weeks=self.effect_after_weeks,
        )


class AnalysisRun(JobHeartbeat):
    """One pass of the engine over a centre's log, as a manager sees it."""

    class Trigger(models.TextChoices):
        NIGHTLY = "nightly", "Nightly schedule"
        MANUAL = "manual", "Started by a manager"
        IMPORT = "import", "After an import"
        PROBLEM = "problem", "A problem was logged or changed"
        COMMAND = "command", "Command line"
        DEMO = "demo", "Demo data"
        API = "api", "Started through the API"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed"

    class Scope(models.TextChoices):
        FULL = "full", "Full pass"
        INCREMENTAL = "incremental", "Incremental update"

    centre = models.ForeignKey(
        "accounts.Centre", on_delete=models.CASCADE, related_name="analysis_runs"
    )
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    scope = models.CharField(max_length=20, choices=Scope.choices, default=Scope.FULL)
    problem_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The problem an incremental update was for."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField(
        default=0, help_text="Per cent done, while a full pass runs."
    )
    step = models.CharField(max_length=80, blank=True, help_text="What the run is doing now.")
    counts = models.JSONField(default=dict, blank=True, help_text="What the run found or wrote.")
    timings = models.JSONField(default=dict, blank=True, help_text="Seconds per step.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["centre", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} for {self.centre} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def progress_step(self) -> int:
        """Per cent done, to the nearest 5 (the progress bar's width classes)."""
        return min(100, max(0, 5 * round(self.progress / 5)))

    @property
    def duration_text(self) -> str:
        """How long it took, in words: "850 ms", "12.4 s", "3 min 5 s"."""
        if self.duration_ms is None:
            return ""
        if self.duration_ms < 1000:
            return f"{self.duration_ms} ms"
        seconds = self.duration_ms / 1000
        if seconds < 60:
            return f"{seconds:.1f} s"
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes} min {rest} s"


class SeriesCount(models.Model):
    """Problems received in one series (e.g. product = "Smart meters") on one local day, or
    in the week starting that Monday. The engine's source for spikes and before/after tests;
    kept up to date incrementally."""

    centre = models.ForeignKey("accounts.Centre", on_delete=models.CASCADE, db_index=False)
    granularity = models.CharField(max_length=10, default="day")
    dimension = models.CharField(max_length=30)
    key = models.CharField(max_length=200)
    day = models.DateField()
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "granularity", "dimension", "key", "day"],
                name="series_count_unique_period",
            )
        ]
        indexes = [models.Index(fields=["centre", "granularity", "day"])]

    def __str__(self) -> str:
        return f"{self.dimension}={self.key} on {self.day}: {self.count}"


DIMENSION_LABELS = {
    "category": "Type of problem",
    "product": "Product or service",
    "channel": "Channel",
    "identified_by": "Identified by",
    "category_product": "Type and product",
}
METHOD_LABELS = {
    "same_weekday_nb": "Same weekday, previous 8 weeks",
    "ears_c2": "EARS C2 (short history)",
    "ears_c3": "EARS C3 (short history)",
    "farrington_flexible": "Improved Farrington (seasonal)",
}
KEY_CHOICES = {
    "category": dict(Category.choices),
    "channel": dict(Channel.choices),
    "identified_by": dict(IdentifiedBy.choices),
}


class Signal(models.Model):
    """A spike: a series' count in one period above what its history predicts."""

    class Granularity(models.TextChoices):
        DAY = "day", "Day"
        WEEK = "week", "Week"

    centre = models.ForeignKey("accounts.Centre", on_delete=models.CASCADE, related_name="signals")
    dimension = models.CharField(max_length=30)
    key = models.CharField(max_length=200)
    granularity = models.CharField(max_length=10, choices=Granularity.choices)
    period_start = models.DateField()
    period_end = models.DateField(help_text="Inclusive.")
    observed = models.PositiveIntegerField()
    expected = models.FloatField()
    threshold = models.FloatField(help_text="The count above which the period is unusual.")
    score = models.FloatField()
    p_value = models.FloatField()
    q_value = models.FloatField(null=True, blank=True, help_text="Benjamini–Hochberg adjusted.")
    method = models.CharField(max_length=40)
    baseline_start = models.DateField(null=True, blank=True)
    baseline_end = models.DateField(null=True, blank=True)
    active = models.BooleanField(
        default=True, help_text="False once a later pass no longer finds it (data changed)."
    )
    first_run = models.ForeignKey(
        AnalysisRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "dimension", "key", "granularity", "period_start"],
                name="signal_unique_series_period",
            )
        ]
        indexes = [models.Index(fields=["centre", "active", "-period_start"])]
        ordering = ["-period_start", "-score"]

    def __str__(self) -> str:
        return f"{self.dimension}={self.key}, {self.granularity} of {self.period_start}"

    @property
    def dimension_label(self) -> str:
        return DIMENSION_LABELS.get(self.dimension, self.dimension)

    @property
    def key_label(self) -> str:
        return KEY_CHOICES.get(self.dimension, {}).get(self.key, self.key)

    @property
    def method_label(self) -> str:
        return METHOD_LABELS.get(self.method, self.method)


class RecurringCandidate(models.Model):
    """A repeated problem the engine proposes: similar incidents close together in time."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        CONFIRMED = "confirmed", "Confirmed"
        DISMISSED = "dismissed", "Dismissed"

    centre = models.ForeignKey(
        "accounts.Centre", on_delete=models.CASCADE, related_name="recurring_candidates"
    )
    category = models.CharField(max_length=30)
    product = models.CharField(max_length=120)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROPOSED)
    incidents = models.ManyToManyField(
        "complaints.Problem", through="CandidateIncident", related_name="recurring_candidates"
    )
    size = models.PositiveIntegerField(default=0)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    shared_words = models.JSONField(default=list, blank=True)
    cohesion = models.FloatField(default=0)
    dismissed_reason = models.TextField(blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    dismissed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-last_at", "-pk"]
        indexes = [models.Index(fields=["centre", "status", "-last_at"])]

    def __str__(self) -> str:
        words = ", ".join(self.shared_words[:3])
        return f"{self.product}: {words} ({self.size} incidents)"


class CandidateIncident(models.Model):
    candidate = models.ForeignKey(RecurringCandidate, on_delete=models.CASCADE)
    problem = models.ForeignKey("complaints.Problem", on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "problem"], name="candidate_incident_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Problem {self.problem_id} in candidate {self.candidate_id}"


class Effectiveness(models.Model):
    """The latest before/after measurement of a preventive action."""

    action = models.OneToOneField(
        "complaints.PreventiveAction", on_delete=models.CASCADE, related_name="effectiveness"
    )
    computed_at = models.DateTimeField()
    before_start = models.DateField()
    before_end = models.DateField(help_text="Exclusive.")
    after_start = models.DateField()
    after_end = models.DateField(help_text="Exclusive.")
    count_before = models.PositiveIntegerField(null=True, blank=True)
    count_after = models.PositiveIntegerField(null=True, blank=True)
    exposure_before = models.FloatField(null=True, blank=True)
    exposure_after = models.FloatField(null=True, blank=True)
    adjusted_for_volume = models.BooleanField(default=False)
    rate_ratio = models.FloatField(null=True, blank=True)
    ci_low = models.FloatField(null=True, blank=True)
    ci_high = models.FloatField(null=True, blank=True)
    p_value = models.FloatField(null=True, blank=True)
    q_value = models.FloatField(null=True, blank=True)
    dispersion = models.FloatField(default=1)
    verdict = models.CharField(max_length=20)
    summary = models.TextField()
    weekly = models.JSONField(
        default=list,
        blank=True,
        help_text="The target's weekly counts from the start of the before window: "
        "{start, days, count, phase} each (engine.effectiveness.weekly_profile).",
    )

    class Meta:
        verbose_name_plural = "effectiveness results"

    def __str__(self) -> str:
        return f"{self.action}: {self.summary}"


class ParetoTable(models.Model):
    """Counts by category or root cause, largest first, for one window."""

    centre = models.ForeignKey("accounts.Centre", on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=30)
    window_days = models.PositiveIntegerField(default=0, help_text="0: all time.")
    rows = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "dimension", "window_days"],
                name="pareto_unique_window",
            )
        ]

    def __str__(self) -> str:
        return f"Pareto of {self.dimension} for {self.centre}"


class ServiceWeek(models.Model):
    """First responses and resolutions within target, for the problems received in one local
    week, per type of problem (``category == ""``: all types). Written by the full pass."""

    centre = models.ForeignKey("accounts.Centre", on_delete=models.CASCADE, related_name="+")
    week = models.DateField(help_text="The Monday.")
    category = models.CharField(max_length=30, blank=True)
    received = models.PositiveIntegerField(default=0)
    response_measured = models.PositiveIntegerField(
        default=0, help_text="Answered, or past the first-response due time without."
    )
    response_on_time = models.PositiveIntegerField(default=0)
    resolution_measured = models.PositiveIntegerField(
        default=0, help_text="Resolved, or past the resolution due time without."
    )
    resolution_on_time = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "category", "week"], name="service_week_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Service levels for {self.category or 'all types'}, week of {self.week}"


class SatisfactionWeek(models.Model):
    """Satisfaction scores the customers gave in one local week, per type of problem
    (``category == ""``: all types). Written by the full pass."""

    centre = models.ForeignKey("accounts.Centre", on_delete=models.CASCADE, related_name="+")
    week = models.DateField(help_text="The Monday.")
    category = models.CharField(max_length=30, blank=True)
    scores = models.JSONField(default=list, help_text="How many gave 1, 2, 3, 4 and 5.")
    count = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0, help_text="Sum of the scores.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "category", "week"], name="satisfaction_week_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Satisfaction for {self.category or 'all types'}, week of {self.week}"
