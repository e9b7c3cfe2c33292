"""Fully signed records for the printing tests, built through the learner's, the assessor's
and the IV's own services; and the words of a PDF, read with poppler's pdftotext."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from django.utils import timezone

from complaints.models import Problem
from portfolio.models import ElementRecord, Enrolment, EvidenceItem, KnowledgeRecord
from portfolio.services import (
    Decision,
    decision_sign,
    element_record_countersign,
    element_record_sign,
    evidence_assess,
    evidence_create,
    evidence_submit,
    knowledge_record_sign,
    mapping_save,
)


def sign_every_outcome_and_record(enrolment: Enrolment, problem: Problem) -> EvidenceItem:
    """Every outcome of the unit competent on EI 1 and signed; every element record signed by
    the assessor and countersigned by the candidate. Returns EI 1."""
    unit = enrolment.unit
    now = timezone.now
    item = evidence_create(
        enrolment=enrolment,
        by=enrolment.learner,
        evidence_type=unit.evidence_types.get(code="O"),
        title="Observed handling a billing complaint",
        narrative="My assessor watched me.",
        problems=[problem],
    )
    outcomes = list(unit.outcomes.all())
    mapping_save(
        item=item, by=enrolment.learner, outcomes=outcomes, knowledge_items=[], range_items=[]
    )
    evidence_submit(item=item, by=enrolment.learner)
    evidence_assess(
        item=item,
        by=enrolment.assessor,
        decisions=[Decision(o, "competent", "Clear.") for o in outcomes],
    )
    for decision in item.decisions.all():
        decision_sign(decision=decision, by=enrolment.assessor, reauthenticated_at=now())
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


def pdf_words(body: bytes, tmp_path: Path) -> str:
    """The PDF's words, one space between each (pdftotext breaks table cells into lines)."""
    path = tmp_path / "printed.pdf"
    path.write_bytes(body)
    out = subprocess.run(  # noqa: S603
        ["pdftotext", str(path), "-"],  # noqa: S607
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return " ".join(re.sub(r"[ \t]+", " ", out).split())
