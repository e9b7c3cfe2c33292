"""The unit's signed records: an element record per element (the assessor signs it with
feedback and comments, the candidate countersigns) and the knowledge evidence record (the
candidate, the assessor and the internal verifier sign the unit's declaration, in that
order). Who signed is in Signature rows whose subject is the record; these rows hold what
the signatures cover."""

from __future__ import annotations

from django.db import models


class ElementRecord(models.Model):
    """The record of one element for one enrolment. The assessor's feedback and comments, and
    the outcome signatures it rests on (chosen when the assessor signs), are what is signed.
    Locked once the candidate countersigns."""

    enrolment = models.ForeignKey(
        "portfolio.Enrolment", on_delete=models.PROTECT, related_name="element_records"
    )
    element = models.ForeignKey(
        "portfolio.Element", on_delete=models.PROTECT, related_name="records"
    )
    feedback = models.TextField(blank=True)
    comments = models.TextField(blank=True)
    decision_signatures = models.ManyToManyField(
        "portfolio.Signature",
        related_name="element_records",
        blank=True,
        help_text="The assessor's live signatures on the element's outcomes, when it was signed.",
    )
    locked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "element"], name="element_record_unique_element"
            )
        ]
        ordering = ["enrolment", "element__number"]

    def __str__(self) -> str:
        return f"Element {self.element.number} record of {self.enrolment.learner}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class KnowledgeRecord(models.Model):
    """The knowledge evidence record of one enrolment: which evidence shows each knowledge
    item (fixed when the candidate signs) under the unit's declaration. Locked once the
    internal verifier signs."""

    enrolment = models.OneToOneField(
        "portfolio.Enrolment", on_delete=models.PROTECT, related_name="knowledge_record"
    )
    evidence = models.JSONField(
        default=dict,
        blank=True,
        help_text="Knowledge item code -> the EIs whose confirmed mapping shows it.",
    )
    feedback = models.TextField(
        blank=True, help_text="The assessor's feedback and comments, written before signing."
    )
    locked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Knowledge record of {self.enrolment.learner}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None
