"""Fully signed records for the printing tests, built through the learner's, the assessor's
and the IV's own services; and the words of a PDF, read with poppler's pdftotext."""

from __future__ import annotations

import subprocess
import tempfile

from django.utils import timezone

from complaints.models import Problem
from portfolio.models import ElementRecord, Enrolment, EvidenceItem, KnowledgeRecord
from portfolio.services import (
    element_record_countersign,
    element_record_sign,
    knowledge_record_sign,
)
from tests.portfolio.verification_helpers import signed_assessment


def sign_every_outcome_and_record(enrolment: Enrolment, problem: Problem) -> EvidenceItem:
    """Every outcome of the unit competent on EI 1 and signed; every element record signed by
    the assessor and countersigned by the candidate. Returns EI 1."""
    unit = enrolment.unit
    now = timezone.now
    item = signed_assessment(
        enrolment,
        tuple(unit.outcomes.values_list("code", flat=True)),
        narrative="My assessor watched me.",
        problems=(problem,),
    )
    for element in unit.elements.all():
        element_record_sign(
            enrolment=enrolment,
            element=element,
            by=enrolment.assessor,
            feedback=f"Element {element.number}: consistently calm and thorough.",
            comments="Well referenced.",
            reauthenticated_at=now(),
        )
        record = ElementRecord.objects.get(enrolment=enrolment, element=element)
        element_record_countersign(record=record, by=enrolment.learner, reauthenticated_at=now())
    return item


def sign_knowledge_record(enrolment: Enrolment) -> KnowledgeRecord:
    """The knowledge record signed by the candidate, the assessor and the IV, in that order
    (the knowledge items must be covered first)."""
    for who in (enrolment.learner, enrolment.assessor, enrolment.verifier):
        knowledge_record_sign(enrolment=enrolment, by=who, reauthenticated_at=timezone.now())
    return enrolment.knowledge_record


def pdf_words(body: bytes) -> str:
    """The PDF's words, one space between each, in the order they are drawn (``-raw``): the
    DRAFT mark, drawn across the page, comes out as one word rather than letters scattered
    between the lines it crosses."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(body)
        pdf.flush()
        out = subprocess.run(  # noqa: S603
            ["pdftotext", "-raw", pdf.name, "-"],  # noqa: S607
            capture_output=True,
            check=True,
            text=True,
        ).stdout
    return " ".join(out.split())
