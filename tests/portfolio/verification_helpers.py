"""Building signed assessments for the internal verification tests, through the learner's
and the assessor's own services."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from portfolio.models import Enrolment, EvidenceItem
from portfolio.services import (
    Decision,
    decision_sign,
    evidence_assess,
    evidence_create,
    evidence_submit,
    mapping_save,
)


def signed_assessment(
    enrolment: Enrolment,
    codes: tuple[str, ...] = ("1.1", "1.2"),
    *,
    sign: bool = True,
    title: str = "Observed handling a billing complaint",
    narrative: str = "My assessor watched me take a call about a double charge.",
    problems: tuple = (),
) -> EvidenceItem:
    """An observation claiming these outcomes, submitted, decided competent on each and (by
    default) every decision signed by the assessor: a complete, signed assessment."""
    unit = enrolment.unit
    item = evidence_create(
        enrolment=enrolment,
        by=enrolment.learner,
        evidence_type=unit.evidence_types.get(code="O"),
        title=title,
        narrative=narrative,
        problems=problems,
    )
    outcomes = list(unit.outcomes.filter(code__in=codes))
    mapping_save(
        item=item, by=enrolment.learner, outcomes=outcomes, knowledge_items=[], range_items=[]
    )
    evidence_submit(item=item, by=enrolment.learner)
    evidence_assess(
        item=item,
        by=enrolment.assessor,
        decisions=[Decision(o, "competent", "Clear and calm.") for o in outcomes],
    )
    if sign:
        for decision in item.decisions.all():
            decision_sign(
                decision=decision, by=enrolment.assessor, reauthenticated_at=timezone.now()
            )
    return EvidenceItem.objects.get(pk=item.pk)


def tamper(sql: str, params: list) -> None:
    """Change the database behind Casebook's back, as someone with database access would:
    on PostgreSQL with the triggers switched off for the transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
