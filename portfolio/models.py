"""The standard a learner is assessed against (loaded from a data file) and enrolments on it."""

from __future__ import annotations

from django.conf import settings
from django.db import models


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
