"""Internal verification (IQA): the IV samples each assessor's signed assessments at a rate
they set, reviews each sampled assessment (accept, or refer back to the assessor with
comments) and signs the review; a referral is answered by the assessor and reviewed again.

Rates, draws, reviews and responses are append-only: the tables are their own history (on
PostgreSQL the database refuses to change or delete them, migration 0009). Only a sample
item's state moves, and its history is kept.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

# An IV's sampling rate for an assessor until they set one, in percent. Centres' IQA
# strategies commonly sample an experienced assessor at about a quarter of their decisions
# and a new (or newly qualified) assessor at 100%: the IV sets any rate from 1 to 100.
DEFAULT_SAMPLING_RATE = 25


class SamplingRate(models.Model):
    """The share of an assessor's signed assessments (at one centre) an IV samples. Setting
    a new rate adds a row; the newest is the current rate, the rest its history."""

    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    centre = models.ForeignKey("accounts.Centre", on_delete=models.PROTECT, related_name="+")
    rate = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(100)], help_text="Percent."
    )
    reason = models.TextField(blank=True, help_text="Why this rate (new assessor, concerns…).")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate__gte=1, rate__lte=100), name="sampling_rate_percent"
            )
        ]
        indexes = [models.Index(fields=["verifier", "assessor", "centre", "-set_at"])]
        ordering = ["verifier", "assessor", "centre", "-set_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.rate}% of {self.assessor}'s decisions, set by {self.set_by}"


class Sample(models.Model):
    """One draw: the population it was drawn from (the assessor's signed assessments not yet
    sampled, by evidence id), the rate and the random seed, so it can be drawn again."""

    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    centre = models.ForeignKey("accounts.Centre", on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField()
    rate = models.PositiveSmallIntegerField(help_text="The rate used, in percent.")
    population_size = models.PositiveIntegerField()
    population = models.JSONField(
        default=list, help_text="The evidence ids drawn from, in ascending order."
    )
    seed = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["-drawn_at", "-pk"]

    def __str__(self) -> str:
        return f"Sample of {self.assessor}'s decisions drawn {self.drawn_at:%d %b %Y}"


class SampleItem(models.Model):
    """One sampled assessment: an evidence item and the assessor's live signatures on its
    outcome decisions when it was sampled, drawn in a sample or added by the IV directly
    (targeted sampling, with the reason)."""

    class State(models.TextChoices):
        AWAITING = "awaiting", "Awaiting review"
        ACCEPTED = "accepted", "Accepted"
        REFERRED = "referred", "Referred back"
        RESPONDED = "responded", "Assessor responded"
        VOID = "void", "Void (evidence unlocked)"

    sample = models.ForeignKey(
        Sample, null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    evidence = models.ForeignKey(
        "portfolio.EvidenceItem", on_delete=models.PROTECT, related_name="sample_items"
    )
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True, help_text="Why the IV chose it, for targeted sampling.")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()
    decision_signatures = models.ManyToManyField(
        "portfolio.Signature",
        related_name="sample_items",
        help_text="The assessor's live signatures on the item's outcome decisions, when sampled.",
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.AWAITING)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-added_at", "-pk"]
        indexes = [
            models.Index(fields=["verifier", "state"]),
            models.Index(fields=["assessor", "state"]),
        ]

    def __str__(self) -> str:
        return f"EI {self.evidence.ei} of {self.evidence.enrolment.learner} (sampled)"

    def get_absolute_url(self) -> str:
        return reverse("portfolio:sample-item", args=[self.pk])

    @property
    def is_targeted(self) -> bool:
        return self.sample_id is None

    @property
    def is_reviewable(self) -> bool:
        return self.state in (self.State.AWAITING, self.State.RESPONDED)

    @property
    def latest_review(self) -> VerificationReview | None:
        return self.reviews.select_related("verifier").order_by("-reviewed_at", "-pk").first()


class VerificationReview(models.Model):
    """The IV's review of a sampled assessment, signed by them. Append-only: reviewing again
    after the assessor responds adds a row; the newest is the current one."""

    class Verdict(models.TextChoices):
        ACCEPT = "accept", "Accept"
        REFER_BACK = "refer_back", "Refer back to the assessor"

    sample_item = models.ForeignKey(SampleItem, on_delete=models.PROTECT, related_name="reviews")
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    comments = models.TextField(blank=True)
    response = models.ForeignKey(
        "portfolio.AssessorResponse",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The assessor's response this review follows, if any.",
    )
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField()

    class Meta:
        ordering = ["sample_item", "reviewed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()}: EI {self.sample_item.evidence.ei}"

    @property
    def is_referral(self) -> bool:
        return self.verdict == self.Verdict.REFER_BACK


class AssessorResponse(models.Model):
    """The assessor's answer to a referral, which the IV then reviews again. Append-only."""

    sample_item = models.ForeignKey(SampleItem, on_delete=models.PROTECT, related_name="responses")
    review = models.ForeignKey(
        VerificationReview, on_delete=models.PROTECT, related_name="responses"
    )
    text = models.TextField()
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField()

    class Meta:
        ordering = ["sample_item", "responded_at", "pk"]

    def __str__(self) -> str:
        return f"Response by {self.responded_by} on EI {self.sample_item.evidence.ei}"
