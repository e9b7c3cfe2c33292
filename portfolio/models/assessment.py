"""Assessment: the assessor's decision on each outcome an evidence item claims, signatures
over canonical content, and the record of a centre admin unlocking signed evidence."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse


class OutcomeDecision(models.Model):
    """The assessor's decision on one outcome an evidence item claims. Append-only: a new
    decision (after the learner resubmits) is a new row, so the history of decisions is the
    table itself; the newest row per (evidence, outcome) is the current one."""

    class Verdict(models.TextChoices):
        COMPETENT = "competent", "Competent"
        NOT_YET = "not_yet", "Not yet"

    evidence = models.ForeignKey(
        "portfolio.EvidenceItem", on_delete=models.PROTECT, related_name="decisions"
    )
    outcome = models.ForeignKey(
        "portfolio.Outcome", on_delete=models.PROTECT, related_name="decisions"
    )
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    feedback = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["evidence", "outcome__order", "-decided_at", "-pk"]
        indexes = [models.Index(fields=["evidence", "outcome", "-decided_at"])]

    def __str__(self) -> str:
        return f"EI {self.evidence.ei} {self.outcome.code}: {self.get_verdict_display()}"

    @property
    def is_competent(self) -> bool:
        return self.verdict == self.Verdict.COMPETENT


class Signature(models.Model):
    """Someone's signature over a subject, as it was when they signed.

    The subject is generic (content type + object id) because several kinds of record are
    signed: outcome decisions now, element records and the knowledge record declaration
    next, each under its own rule; one nullable foreign key per kind would grow with every
    record form. What keeps the subject honest is not the key but `content_sha256`: the hash
    of the subject's canonical serialisation (portfolio/canonical.py) together with the
    signer, role, statement and time. Verification recomputes it from the database.
    Signatures are never deleted: an unlock voids them, with who, when and why.
    """

    class Role(models.TextChoices):
        LEARNER = "learner", "Learner"
        ASSESSOR = "assessor", "Assessor"
        VERIFIER = "verifier", "Internal verifier"

    enrolment = models.ForeignKey(
        "portfolio.Enrolment", on_delete=models.PROTECT, related_name="signatures"
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    statement = models.TextField(help_text="What the signature means, in the signer's words.")
    signed_at = models.DateTimeField()
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    canonical_version = models.PositiveSmallIntegerField(default=1)
    content = models.TextField(help_text="The canonical JSON that was signed, kept to compare.")
    content_sha256 = models.CharField(max_length=64)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    void_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["enrolment", "signed_at", "pk"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.signer} on {self.signed_at:%d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("portfolio:signature-detail", args=[self.pk])

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None


class EvidenceUnlock(models.Model):
    """A centre admin unlocking signed evidence, with their written reason."""

    evidence = models.ForeignKey(
        "portfolio.EvidenceItem", on_delete=models.PROTECT, related_name="unlocks"
    )
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    unlocked_at = models.DateTimeField()
    reason = models.TextField()
    voided = models.ManyToManyField(Signature, related_name="+", blank=True)

    class Meta:
        ordering = ["evidence", "unlocked_at", "pk"]

    def __str__(self) -> str:
        return (
            f"EI {self.evidence.ei} unlocked by {self.unlocked_by} on {self.unlocked_at:%d %b %Y}"
        )
