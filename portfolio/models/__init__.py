"""The standard a learner is assessed against (loaded from a data file) and enrolments on it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portfolio import files


class Unit(models.Model):
    """A National Occupational Standards unit, word for word from its published summary sheet.

    Units are versioned: a changed file is loaded as a new version so records already signed
    against the old wording keep pointing at it.
    """

    code = models.CharField(max_length=20)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    qualification = models.CharField(max_length=300, blank=True)
    about = models.TextField(blank=True)
    nos_reference = models.TextField(blank=True)
    evidence_requirements = models.TextField(blank=True)
    simulation_rule = models.TextField(
        blank=True, help_text="The unit's own words forbidding simulation as performance evidence."
    )
    knowledge_intro = models.TextField(blank=True)
    knowledge_declaration = models.TextField(blank=True)
    source = models.CharField(max_length=300, blank=True)
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the loaded data file.")
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="unit_unique_code_version")
        ]
        ordering = ["code", "-version"]

    def __str__(self) -> str:
        return f"Unit {self.code}: {self.title} (v{self.version})"


class Element(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="elements")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "number"], name="element_unique_number")
        ]
        ordering = ["unit", "number"]

    def __str__(self) -> str:
        return f"Element {self.number} {self.title}"


class Outcome(models.Model):
    """An outcome of effective performance, e.g. 1.1 "respond positively to ..."."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="outcomes")
    element = models.ForeignKey(Element, on_delete=models.CASCADE, related_name="outcomes")
    code = models.CharField(max_length=10)
    text = models.TextField()
    order = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "code"], name="outcome_unique_code")]
        ordering = ["unit", "order"]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class KnowledgeItem(models.Model):
    """A knowledge and understanding item (a–d, 1–12); item 2's aspects are its children."""

    class Group(models.TextChoices):
        AWARE_OF = "aware_of", "Aware of"
        KNOW_AND_UNDERSTAND = "know_and_understand", "Know and understand"
        CONTENT_SPECIFIC = "content_specific", "Content specific knowledge and understanding"

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="knowledge_items")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="aspects"
    )
    code = models.CharField(max_length=10)
    group = models.CharField(max_length=30, choices=Group.choices)
    group_text = models.TextField(
        blank=True, help_text="The record's sentence introducing the group."
    )
    text = models.TextField()
    closing_text = models.TextField(
        blank=True, help_text='Words after the list of aspects (item 2: "that affect the way ...").'
    )
    order = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "code"], name="knowledge_item_unique_code")
        ]
        ordering = ["unit", "order"]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class RangeItem(models.Model):
    """One of the unit's evidence requirements ("problems which are identified by your
    customers"). `criteria` says which recorded facts satisfy it, for coverage."""

    class Group(models.TextChoices):
        IDENTIFIED_BY = "identified_by", "Problems identified by"
        PROBLEM_TYPE = "problem_type", "Types of problem"
        OPTION_BASIS = "option_basis", "Options using"
        VIEWPOINT = "viewpoint", "Options considered from the point of view of"

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="range_items")
    code = models.CharField(max_length=50)
    group = models.CharField(max_length=30, choices=Group.choices)
    group_text = models.TextField(help_text="The unit's sentence introducing this group.")
    text = models.TextField()
    criteria = models.JSONField(default=dict, blank=True)
    order = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "code"], name="range_item_unique_code")
        ]
        ordering = ["unit", "order"]

    def __str__(self) -> str:
        return self.text


class EvidenceType(models.Model):
    """A column of the record forms' key: EI, O, P, WT, S, APEL, Q&A, EWE, PD."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="evidence_types")
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=100)
    is_evidence_type = models.BooleanField(
        default=True, help_text="False for EI, the evidence index number column."
    )
    may_evidence_performance = models.BooleanField(default=True)
    dated = models.BooleanField(default=False, help_text="The record shows a date (Q&A).")
    order = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "code"], name="evidence_type_unique_code")
        ]
        ordering = ["unit", "order"]

    def __str__(self) -> str:
        return f"{self.code} = {self.name}"


class Enrolment(models.Model):
    """A learner working towards a unit at a centre, with their assessor and internal verifier."""

    centre = models.ForeignKey(
        "accounts.Centre", on_delete=models.CASCADE, related_name="enrolments"
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="enrolments")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessed_enrolments"
    )
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="verified_enrolments"
    )
    started_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "unit"], name="enrolment_unique_learner_unit"
            )
        ]
        ordering = ["centre", "learner__username"]

    def __str__(self) -> str:
        return f"{self.learner} on {self.unit.code} at {self.centre}"


# The personal statement's code in the record's key: the type written as STAR.
PERSONAL_STATEMENT = "P"


class EvidenceItem(models.Model):
    """One piece of a learner's evidence, numbered in their evidence index (the record's EI
    column) and mapped to the outcomes, knowledge items and range items it shows."""

    class Status(models.TextChoices):
        # Sampling by the internal verifier is not a status: the item is signed and locked
        # by then, and a SampleItem (models/verification.py) records it.
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        REFERRED_BACK = "referred_back", "Referred back"
        ASSESSED = "assessed", "Assessed"

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="evidence_items"
    )
    evidence_type = models.ForeignKey(
        EvidenceType,
        on_delete=models.PROTECT,
        related_name="evidence_items",
        limit_choices_to={"is_evidence_type": True},
    )
    ei = models.PositiveIntegerField(
        verbose_name="evidence index number", help_text="1, 2, 3… in order, per learner."
    )
    title = models.CharField(max_length=200)
    date = models.DateField(null=True, blank=True)
    narrative = models.TextField(blank=True)
    # STAR, for a personal statement: the narrative is composed from these four.
    situation = models.TextField(blank=True)
    task = models.TextField(blank=True)
    action = models.TextField(blank=True)
    result = models.TextField(blank=True)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when a signature covers it: from then on neither the app nor, on "
        "PostgreSQL, the database lets it, its mapping, links or files change until a centre "
        "admin unlocks it.",
    )
    drafted_from = models.ForeignKey(
        "complaints.Problem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evidence_drafts",
        help_text="The problem this personal statement was drafted from.",
    )
    drafted_from_repeated = models.ForeignKey(
        "complaints.RepeatedProblem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evidence_drafts",
        help_text="The repeated problem this personal statement was drafted from.",
    )
    drafted_from_action = models.ForeignKey(
        "complaints.PreventiveAction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evidence_drafts",
        help_text="The preventive action this personal statement was drafted from.",
    )
    problems = models.ManyToManyField(
        "complaints.Problem", blank=True, related_name="evidence_items"
    )
    repeated_problems = models.ManyToManyField(
        "analytics.RecurringCandidate", blank=True, related_name="evidence_items"
    )
    preventive_actions = models.ManyToManyField(
        "complaints.PreventiveAction", blank=True, related_name="evidence_items"
    )
    outcomes = models.ManyToManyField(Outcome, through="EvidenceOutcome", related_name="+")
    knowledge_items = models.ManyToManyField(
        KnowledgeItem, through="EvidenceKnowledge", related_name="+"
    )
    range_items = models.ManyToManyField(RangeItem, through="EvidenceRange", related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "ei"], name="evidence_unique_ei"),
            # A double click on "Draft a personal statement" finds the first draft.
            models.UniqueConstraint(
                fields=["drafted_from"],
                condition=models.Q(status="draft", drafted_from__isnull=False),
                name="evidence_one_draft_per_problem",
            ),
            models.UniqueConstraint(
                fields=["drafted_from_repeated"],
                condition=models.Q(status="draft", drafted_from_repeated__isnull=False),
                name="evidence_one_draft_per_repeated_problem",
            ),
            models.UniqueConstraint(
                fields=["drafted_from_action"],
                condition=models.Q(status="draft", drafted_from_action__isnull=False),
                name="evidence_one_draft_per_preventive_action",
            ),
        ]
        ordering = ["enrolment", "ei"]

    def __str__(self) -> str:
        return f"EI {self.ei}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("portfolio:evidence-detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_editable(self) -> bool:
        """The learner may change it: a draft, or referred back to them, and not signed."""
        return self.status in (self.Status.DRAFT, self.Status.REFERRED_BACK) and not self.is_locked

    @property
    def is_star(self) -> bool:
        return self.evidence_type.code == PERSONAL_STATEMENT


class Mapping(models.Model):
    """A claim that an evidence item shows part of the standard. Suggested claims (from a
    draft) are stored unconfirmed and count for nothing until the learner confirms them."""

    confirmed = models.BooleanField(default=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    suggestion = models.CharField(
        max_length=200, blank=True, help_text="Why Casebook suggested it, for a suggestion."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class EvidenceOutcome(Mapping):
    evidence = models.ForeignKey(
        EvidenceItem, on_delete=models.CASCADE, related_name="outcome_mappings"
    )
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="mappings")

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evidence", "outcome"], name="evidence_outcome_unique")
        ]
        ordering = ["outcome__order"]

    def __str__(self) -> str:
        return f"EI {self.evidence.ei} → {self.outcome.code}"


class EvidenceKnowledge(Mapping):
    evidence = models.ForeignKey(
        EvidenceItem, on_delete=models.CASCADE, related_name="knowledge_mappings"
    )
    knowledge_item = models.ForeignKey(
        KnowledgeItem, on_delete=models.PROTECT, related_name="mappings"
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["evidence", "knowledge_item"], name="evidence_knowledge_unique"
            )
        ]
        ordering = ["knowledge_item__order"]

    def __str__(self) -> str:
        return f"EI {self.evidence.ei} → K{self.knowledge_item.code}"


class EvidenceRange(Mapping):
    evidence = models.ForeignKey(
        EvidenceItem, on_delete=models.CASCADE, related_name="range_mappings"
    )
    range_item = models.ForeignKey(RangeItem, on_delete=models.PROTECT, related_name="mappings")

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evidence", "range_item"], name="evidence_range_unique")
        ]
        ordering = ["range_item__order"]

    def __str__(self) -> str:
        return f"EI {self.evidence.ei} → {self.range_item.code}"


class Attachment(models.Model):
    """A file attached to an evidence item. The file is kept under a random name in private
    storage (see services.attachments); the name the learner gave it is kept only for
    display, and the type is the one its content showed, never the name's or the browser's."""

    evidence = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE, related_name="attachments")
    stored_name = models.CharField(max_length=64, unique=True, editable=False)
    original_name = models.CharField(
        max_length=200, help_text="The file's name as uploaded, made safe to show."
    )
    kind = models.CharField(max_length=10, help_text="The type its content showed (files.py).")
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField(help_text="Bytes.")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["evidence", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.original_name} (EI {self.evidence.ei})"

    def get_absolute_url(self) -> str:
        return reverse("portfolio:attachment-download", args=[self.pk])

    @property
    def kind_label(self) -> str:
        kind = files.BY_CODE.get(self.kind)
        return kind.label if kind else self.kind


class WitnessRequest(models.Model):
    """A learner's request to a colleague or manager without an account for a witness
    statement, sent by e-mail as a signed, expiring, single-use link. The link carries the
    request's id and `nonce`; a resend draws a new nonce, so older links stop working."""

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        WRITTEN = "written", "Written"
        CANCELLED = "cancelled", "Cancelled"

    evidence = models.ForeignKey(
        EvidenceItem, on_delete=models.CASCADE, related_name="witness_requests"
    )
    witness_name = models.CharField(max_length=120)
    witness_role = models.CharField(
        max_length=120, help_text="Their role, and how they know the learner's work."
    )
    witness_email = models.EmailField()
    prompt = models.TextField(help_text="What the learner asks the witness to describe.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SENT)
    nonce = models.CharField(max_length=32, editable=False)
    sent_at = models.DateTimeField()
    send_count = models.PositiveSmallIntegerField(default=1)
    expires_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["nonce"])

    class Meta:
        ordering = ["evidence", "created_at", "pk"]

    def __str__(self) -> str:
        return f"Witness request to {self.witness_name} (EI {self.evidence.ei})"

    def is_expired(self, now=None) -> bool:
        return self.status == self.Status.SENT and (now or timezone.now()) >= self.expires_at

    @property
    def state(self) -> str:
        """What the learner sees: sent, written, expired or cancelled."""
        return "expired" if self.is_expired() else self.status

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.SENT and not self.is_expired()


class WitnessStatement(models.Model):
    """What a witness wrote, in their words, with the name and role they gave and when.
    Written once through the request's link and never changed afterwards."""

    request = models.OneToOneField(
        WitnessRequest, on_delete=models.PROTECT, related_name="statement"
    )
    evidence = models.ForeignKey(
        EvidenceItem, on_delete=models.CASCADE, related_name="witness_statements"
    )
    text = models.TextField()
    witness_name = models.CharField(max_length=120)
    witness_role = models.CharField(max_length=120)
    confirmed = models.BooleanField(
        help_text="The witness confirmed it is a true account of what they saw."
    )
    written_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["evidence", "written_at", "pk"]

    def __str__(self) -> str:
        return f"Statement by {self.witness_name} (EI {self.evidence.ei})"


from portfolio.models.assessment import (  # noqa: E402 (the models above come first)
    EvidenceUnlock,
    OutcomeDecision,
    Signature,
)
from portfolio.models.exports import PortfolioExport  # noqa: E402
from portfolio.models.records import ElementRecord, KnowledgeRecord  # noqa: E402
from portfolio.models.verification import (  # noqa: E402
    DEFAULT_SAMPLING_RATE,
    AssessorResponse,
    Sample,
    SampleItem,
    SamplingRate,
    VerificationReview,
)

__all__ = [
    "DEFAULT_SAMPLING_RATE",
    "AssessorResponse",
    "Attachment",
    "ElementRecord",
    "KnowledgeRecord",
    "Element",
    "Enrolment",
    "EvidenceItem",
    "EvidenceKnowledge",
    "EvidenceOutcome",
    "EvidenceRange",
    "EvidenceType",
    "EvidenceUnlock",
    "KnowledgeItem",
    "Outcome",
    "OutcomeDecision",
    "PortfolioExport",
    "RangeItem",
    "Sample",
    "SampleItem",
    "SamplingRate",
    "Signature",
    "Unit",
    "VerificationReview",
    "WitnessRequest",
    "WitnessStatement",
]
