"""The problem log: customer service problems and the actions taken on each."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from config.models import JobHeartbeat


class Category(models.TextChoices):
    """The unit's three problem types (its range), plus other and unclassified (imports)."""

    EXPECTATIONS_GAP = "expectations_gap", "Customer expectations vs products or services"
    SYSTEM_FAILURE = "system_failure", "System or procedure failure"
    RESOURCE_OR_ERROR = "resource_or_error", "Shortage of resources or human error"
    OTHER = "other", "Other"
    UNCLASSIFIED = "unclassified", "Unclassified"


class IdentifiedBy(models.TextChoices):
    CUSTOMER = "customer", "The customer"
    LEARNER = "learner", "Me (the learner)"
    COLLEAGUE = "colleague", "A colleague"


class CustomerKind(models.TextChoices):
    EXTERNAL = "external", "External customer"
    INTERNAL = "internal", "Internal customer"


class Channel(models.TextChoices):
    PHONE = "phone", "Phone"
    EMAIL = "email", "E-mail"
    IN_PERSON = "in_person", "In person"
    WEB = "web", "Website or chat"
    SOCIAL = "social", "Social media"
    LETTER = "letter", "Letter"
    INTERNAL = "internal", "Internal system or report"
    OTHER = "other", "Other"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class Status(models.TextChoices):
    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    IN_PROGRESS = "in_progress", "In progress"
    AWAITING_CUSTOMER = "awaiting_customer", "Awaiting customer"
    ESCALATED = "escalated", "Escalated"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    REOPENED = "reopened", "Reopened"


OPEN_STATUSES = [
    Status.NEW,
    Status.ACKNOWLEDGED,
    Status.IN_PROGRESS,
    Status.AWAITING_CUSTOMER,
    Status.ESCALATED,
    Status.REOPENED,
]


class Fishbone(models.TextChoices):
    """Ishikawa cause categories (the service-industry "6 M" set)."""

    PEOPLE = "people", "People"
    PROCESS = "process", "Process or procedure"
    SYSTEMS = "systems", "Systems and equipment"
    MATERIALS = "materials", "Products and materials"
    ENVIRONMENT = "environment", "Environment"
    POLICY = "policy", "Policy and measurement"


class Problem(models.Model):
    """A customer service problem: a complaint, or a problem staff spotted first."""

    # The foreign keys carry no index of their own: every lookup by centre, learner or import
    # is served by a composite index below, and each index slows a million-row import.
    centre = models.ForeignKey(
        "accounts.Centre", on_delete=models.CASCADE, related_name="problems", db_index=False
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="problems",
        db_index=False,
    )
    number = models.PositiveIntegerField(help_text="Per-centre sequence behind the reference.")
    external_ref = models.CharField(
        max_length=100, blank=True, help_text="The reference in the company's own system."
    )
    received_at = models.DateTimeField(help_text="When the problem was received or spotted.")
    identified_by = models.CharField(max_length=20, choices=IdentifiedBy.choices)
    customer_kind = models.CharField(
        max_length=20, choices=CustomerKind.choices, default=CustomerKind.EXTERNAL
    )
    customer_ref = models.CharField(
        max_length=60, blank=True, help_text="A pseudonymous reference, never a name."
    )
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.PHONE)
    product = models.CharField(max_length=120, help_text="The product or service concerned.")
    category = models.CharField(max_length=30, choices=Category.choices)
    severity = models.CharField(max_length=20, choices=Severity.choices, default=Severity.MEDIUM)
    customer_expectation = models.TextField(blank=True)
    description = models.TextField()
    within_authority = models.BooleanField(null=True, blank=True)
    exception_what = models.TextField(blank=True)
    exception_authorised_by = models.CharField(max_length=120, blank=True)
    exception_authorised_at = models.DateTimeField(null=True, blank=True)
    root_cause_whys = models.JSONField(default=list, blank=True)
    root_cause_category = models.CharField(max_length=20, choices=Fishbone.choices, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Service-level clock. Due times are stored so "overdue" is an indexed comparison; the
    # resolution due time moves later by however long the problem waited on the customer.
    first_response_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    awaiting_since = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    import_job = models.ForeignKey(
        "ImportJob",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
        db_index=False,
    )
    import_row = models.PositiveIntegerField(null=True, blank=True)
    personal_data_flags = models.JSONField(
        default=list, blank=True, help_text="What looks like personal data in the free text."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["centre", "number"], name="problem_unique_number"),
            models.UniqueConstraint(
                fields=["centre", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="problem_unique_external_ref",
            ),
            # A re-delivered import task finds the rows it already wrote.
            models.UniqueConstraint(
                fields=["import_job", "import_row"],
                condition=models.Q(import_job__isnull=False),
                name="problem_unique_import_row",
            ),
        ]
        indexes = [
            models.Index(fields=["centre", "received_at"]),
            models.Index(fields=["centre", "status"]),
            models.Index(fields=["learner", "received_at"]),
            models.Index(fields=["centre", "category", "received_at"]),
            models.Index(fields=["centre", "resolution_due"]),
            models.Index(fields=["learner", "resolution_due"]),
        ]
        ordering = ["-received_at", "-number"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.product}"

    def get_absolute_url(self) -> str:
        return reverse("complaints:problem-detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"{self.centre.slug.upper()}-{self.number:05d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def clock_paused(self) -> bool:
        return self.status == Status.AWAITING_CUSTOMER

    def is_response_overdue(self, now) -> bool:
        return (
            self.acknowledged_at is None
            and self.first_response_due is not None
            and now > self.first_response_due
        )

    def is_resolution_overdue(self, now) -> bool:
        """Past its resolution target and still open; never while waiting on the customer."""
        return (
            self.is_open
            and not self.clock_paused
            and self.resolution_due is not None
            and now > self.resolution_due
        )


class ActionKind(models.TextChoices):
    """What an action shows, tagged with the element 1 outcome it evidences."""

    RESPONDED = "responded", "1.1 Responded positively"
    SOLVED_IN_AUTHORITY = "solved_in_authority", "1.2 Solved within own authority"
    WORKED_WITH_OTHERS = "worked_with_others", "1.3 Worked with others"
    KEPT_INFORMED = "kept_informed", "1.4 Kept the customer informed"
    SATISFACTION_CHECKED = "satisfaction_checked", "1.5 Checked customer satisfaction"
    SOLVED_BEFORE_AWARE = "solved_before_aware", "1.6 Solved before the customer knew"
    INFORMED_AUTHORITY = "informed_authority", "1.7 Informed authority and colleagues"
    NOTE = "note", "Note"


ACTION_OUTCOME = {
    ActionKind.RESPONDED: "1.1",
    ActionKind.SOLVED_IN_AUTHORITY: "1.2",
    ActionKind.WORKED_WITH_OTHERS: "1.3",
    ActionKind.KEPT_INFORMED: "1.4",
    ActionKind.SATISFACTION_CHECKED: "1.5",
    ActionKind.SOLVED_BEFORE_AWARE: "1.6",
    ActionKind.INFORMED_AUTHORITY: "1.7",
}


class Action(models.Model):
    """A step taken on a problem, in its timeline."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=30, choices=ActionKind.choices)
    taken_at = models.DateTimeField()
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="problem_actions"
    )
    description = models.TextField()
    with_whom = models.CharField(
        max_length=200, blank=True, help_text="Colleagues or authority involved (1.3, 1.7)."
    )
    satisfaction_score = models.PositiveSmallIntegerField(null=True, blank=True)
    customer_words = models.TextField(blank=True)
    personal_data_flags = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["taken_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction_score__isnull=True)
                | models.Q(satisfaction_score__gte=1, satisfaction_score__lte=5),
                name="action_satisfaction_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.problem_id}"

    @property
    def outcome_code(self) -> str | None:
        return ACTION_OUTCOME.get(self.kind)


class ServiceLevel(models.Model):
    """A centre's service-level targets, in hours from receipt. The clock stops while a
    problem is awaiting the customer."""

    centre = models.OneToOneField(
        "accounts.Centre", on_delete=models.CASCADE, related_name="service_level"
    )
    first_response_hours = models.PositiveIntegerField(default=24)
    resolution_hours = models.PositiveIntegerField(default=120)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return (
            f"{self.centre}: respond within {self.first_response_hours} h, "
            f"resolve within {self.resolution_hours} h"
        )


class CategoryMapping(models.Model):
    """How a centre's own category names (in an imported file) map onto the unit's problem
    types. `source_value` is stored case-folded and trimmed."""

    centre = models.ForeignKey(
        "accounts.Centre", on_delete=models.CASCADE, related_name="category_mappings"
    )
    source_value = models.CharField(max_length=200)
    category = models.CharField(max_length=30, choices=Category.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "source_value"], name="category_mapping_unique_value"
            )
        ]
        ordering = ["source_value"]

    def __str__(self) -> str:
        return f"{self.source_value} → {self.get_category_display()}"


class ImportJob(JobHeartbeat):
    """One upload of a company system's export, from preview to the last imported row."""

    class State(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        VALIDATED = "validated", "Checked"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel workbook"

    centre = models.ForeignKey("accounts.Centre", on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="imports_uploaded"
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="imports_received",
        help_text="Whose log the imported problems join.",
    )
    original_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=100, unique=True)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    file_format = models.CharField(max_length=10, choices=Format.choices)
    encoding = models.CharField(max_length=30, blank=True)
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True, help_text="Field name → column header.")
    date_format = models.CharField(max_length=30, blank=True)
    skip_invalid = models.BooleanField(default=False)
    state = models.CharField(max_length=20, choices=State.choices, default=State.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    imported_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(
        default=list, blank=True, help_text="Row problems: row, column, reason (first 1,000)."
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.original_name} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("complaints:import-detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        """Queued or running: a check or an import a worker has still to finish."""
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))


class PreventiveAction(models.Model):
    """A change to customer service systems or procedures to stop a problem recurring
    (element 3): negotiated with the appropriate authority (3.1), actioned (3.2), told to
    customers (3.3), monitored and adjusted (3.4); or a change the organisation brought in
    that the learner actioned (3.5).

    What the engine needs to measure it: the problems it targets (a problem type, optionally
    narrowed to one product) and the date the change took effect. The before/after result is
    stored by the analytics engine (``analytics.Effectiveness``). A change not implemented
    yet (awaiting the authority's decision, or refused) has no date and nothing to measure.
    """

    class Kind(models.TextChoices):
        OWN = "own", "A change I proposed"
        ORGANISATION = "organisation", "A change my organisation brought in, which I actioned"

    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        APPROVED_WITH_CHANGES = "approved_with_changes", "Approved with changes"
        REFUSED = "refused", "Refused"

    centre = models.ForeignKey(
        "accounts.Centre", on_delete=models.CASCADE, related_name="preventive_actions"
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="preventive_actions",
        help_text="Whose evidence this is.",
    )
    repeated_problem = models.ForeignKey(
        "RepeatedProblem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="preventive_actions",
        help_text="The repeated problem it addresses, if any.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OWN)
    title = models.CharField(max_length=200)
    # 3.1: the negotiation with the appropriate authority.
    proposal = models.TextField(blank=True, help_text="The change proposed to the authority.")
    authority = models.CharField(max_length=200, blank=True, help_text="Who decided: name or role.")
    decision = models.CharField(max_length=30, choices=Decision.choices, blank=True)
    decision_on = models.DateField(null=True, blank=True)
    agreed = models.TextField(
        blank=True, help_text="What the authority agreed, the changes they asked for, or why not."
    )
    # 3.2: what changed, and when.
    description = models.TextField(blank=True, help_text="What changed in systems or procedures.")
    category = models.CharField(
        max_length=30, choices=Category.choices, help_text="The type of problem it targets."
    )
    product = models.CharField(
        max_length=120, blank=True, help_text="The product or service it targets; blank for all."
    )
    implemented_on = models.DateField(
        null=True, blank=True, help_text="The day the change took effect."
    )
    # 3.4: how the learner will check it worked (the result is the engine's).
    monitoring_plan = models.TextField(blank=True)
    # 3.5: a change brought in by the organisation.
    organisation_change = models.TextField(
        blank=True, help_text="What the organisation introduced."
    )
    how_actioned = models.TextField(
        blank=True, help_text="How the learner actioned the organisation's change."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-implemented_on", "-pk"]
        indexes = [
            models.Index(fields=["centre", "implemented_on"]),
            models.Index(fields=["learner", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("complaints:prevent-detail", args=[self.pk])

    @property
    def target_label(self) -> str:
        label = self.get_category_display()
        return f"{label}: {self.product}" if self.product else label

    @property
    def target_words(self) -> str:
        """The problems it targets, in a sentence: "system or procedure failure problems with
        Broadband" (a product keeps its own capitals)."""
        words = f"{self.get_category_display().lower()} problems"
        return f"{words} with {self.product}" if self.product else words

    @property
    def is_approved(self) -> bool:
        return self.decision in (self.Decision.APPROVED, self.Decision.APPROVED_WITH_CHANGES)

    @property
    def is_implemented(self) -> bool:
        return self.implemented_on is not None

    @property
    def is_organisations(self) -> bool:
        return self.kind == self.Kind.ORGANISATION

    @property
    def stage(self) -> str:
        """Where the change stands, in a few words."""
        if self.decision == self.Decision.REFUSED:
            return "Refused"
        if self.is_implemented:
            return "In place"
        if self.is_approved:
            return "Agreed, not in place yet"
        if self.is_organisations:
            return "To action"
        return "Awaiting a decision" if self.authority else "Planned"


class CustomerCommunication(models.Model):
    """Telling customers what is being done (3.3): when, how, to whom, and what was said."""

    preventive_action = models.ForeignKey(
        PreventiveAction, on_delete=models.CASCADE, related_name="communications"
    )
    sent_on = models.DateField()
    channel = models.CharField(max_length=20, choices=Channel.choices)
    audience = models.CharField(max_length=200, help_text="Which customers were told.")
    message = models.TextField(help_text="What they were told.")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["sent_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.audience} on {self.sent_on}"


class PreventiveAdjustment(models.Model):
    """A change made to a preventive action after monitoring it (3.4), typically when the
    measured result was weak: what was adjusted, when and why."""

    preventive_action = models.ForeignKey(
        PreventiveAction, on_delete=models.CASCADE, related_name="adjustments"
    )
    made_on = models.DateField()
    what = models.TextField(help_text="What was adjusted.")
    why = models.TextField(help_text="Why: what the monitoring showed.")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["made_on", "pk"]

    def __str__(self) -> str:
        return f"Adjustment on {self.made_on} to {self.preventive_action_id}"


# --- Element 2: repeated problems and the options for solving them ------------------------------


class IdentifiedHow(models.TextChoices):
    """Outcome 2.1: "work individually or with colleagues to identify repeated problems"."""

    INDIVIDUALLY = "individually", "On my own"
    WITH_COLLEAGUES = "with_colleagues", "With colleagues"


class RepeatedProblem(models.Model):
    """A pattern of three or more similar incidents in a learner's own log (element 2), with
    its root cause, the options considered, who agreed the way forward and the option chosen.

    ``source_candidate_id`` is the analytics engine's candidate it was confirmed from, if any:
    an id, not a foreign key, so the problem log does not depend on the engine."""

    MIN_INCIDENTS = 3
    MIN_OPTIONS = 2

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DECIDED = "decided", "Decided"
        ACTED_ON = "acted_on", "Acted on"

    centre = models.ForeignKey(
        "accounts.Centre", on_delete=models.CASCADE, related_name="repeated_problems"
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="repeated_problems",
        help_text="Whose evidence this is.",
    )
    incidents = models.ManyToManyField(Problem, related_name="repeated_problems")
    title = models.CharField(max_length=200)
    pattern = models.TextField(help_text="The pattern in words: what keeps happening, and when.")
    identified_how = models.CharField(
        max_length=20, choices=IdentifiedHow.choices, default=IdentifiedHow.INDIVIDUALLY
    )
    identified_with = models.CharField(
        max_length=200, blank=True, help_text="The colleagues who helped identify it (roles)."
    )
    root_cause_whys = models.JSONField(default=list, blank=True)
    root_cause_category = models.CharField(max_length=20, choices=Fishbone.choices, blank=True)
    shared_words = models.JSONField(
        default=list, blank=True, help_text="Words the engine found the incidents share."
    )
    source_candidate_id = models.PositiveBigIntegerField(null=True, blank=True)
    consulted_with = models.CharField(max_length=200, blank=True)
    consulted_on = models.DateField(null=True, blank=True)
    agreed = models.TextField(blank=True, help_text="The way forward that was agreed.")
    chosen_option = models.ForeignKey(
        "Option", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    justification = models.TextField(
        blank=True, help_text="Why the chosen option is best for the customer and organisation."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["learner", "-created_at"])]
        constraints = [
            # One record per engine candidate: a double-clicked confirm makes one record.
            models.UniqueConstraint(
                fields=["source_candidate_id"],
                condition=models.Q(source_candidate_id__isnull=False),
                name="repeated_problem_unique_candidate",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("complaints:repeated-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def consulted(self) -> bool:
        return bool(self.consulted_with and self.agreed)


class OptionBasis(models.TextChoices):
    """The unit's range: options using formal procedures or authorised exceptions (and, for
    element 3, changes to systems and procedures)."""

    FORMAL_PROCEDURE = "formal_procedure", "A formal organisational procedure"
    AUTHORISED_EXCEPTION = (
        "authorised_exception",
        "An agreed/authorised exception to usual practice",
    )
    SYSTEM_CHANGE = "system_change", "A change to a system or procedure"


class Feasibility(models.TextChoices):
    HIGH = "high", "Straightforward: we can do it now"
    MEDIUM = "medium", "Possible, with some effort or approval"
    LOW = "low", "Difficult: needs significant change or budget"


class Option(models.Model):
    """One way of dealing with a repeated problem (2.2), weighed from the customer's and the
    organisation's point of view."""

    repeated_problem = models.ForeignKey(
        RepeatedProblem, on_delete=models.CASCADE, related_name="options"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    basis = models.CharField(max_length=30, choices=OptionBasis.choices)
    customer_advantages = models.TextField(blank=True)
    customer_disadvantages = models.TextField(blank=True)
    organisation_advantages = models.TextField(blank=True)
    organisation_disadvantages = models.TextField(blank=True)
    cost = models.CharField(max_length=200, blank=True, help_text="Money, time or staff.")
    feasibility = models.CharField(max_length=10, choices=Feasibility.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.title
