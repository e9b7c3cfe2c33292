"""Gathers plain data for the pure coverage computation (portfolio.coverage)."""

from __future__ import annotations

from portfolio import coverage
from portfolio.models import (
    Enrolment,
    EvidenceItem,
    EvidenceKnowledge,
    EvidenceOutcome,
    EvidenceRange,
    EvidenceType,
    KnowledgeItem,
    Outcome,
    RangeItem,
)

# Coverage ---------------------------------------------------------------------------------


def coverage_data(*, enrolment: Enrolment) -> coverage.Coverage:
    """The enrolment's coverage of its unit (portfolio.coverage), from plain data gathered
    in ten queries however many evidence items, mappings and problems there are."""
    unit_id = enrolment.unit_id
    outcomes = [
        coverage.OutcomeIn(o.pk, o.code, o.text, o.element.number, o.element.title)
        for o in Outcome.objects.filter(unit_id=unit_id)
        .select_related("element")
        .order_by("element__number", "order")
    ]
    knowledge_rows = list(KnowledgeItem.objects.filter(unit_id=unit_id).order_by("order"))
    parents = {k.parent_id for k in knowledge_rows if k.parent_id}
    knowledge = [
        coverage.KnowledgeIn(
            k.pk, k.code, k.text, k.group, k.group_text, k.parent_id, k.pk in parents
        )
        for k in knowledge_rows
    ]
    range_items = [
        coverage.RangeIn(r.pk, r.code, r.text, r.group, r.group_text, dict(r.criteria or {}))
        for r in RangeItem.objects.filter(unit_id=unit_id).order_by("order")
    ]
    types = [
        coverage.EvidenceTypeIn(t.code, t.name, t.dated)
        for t in EvidenceType.objects.filter(unit_id=unit_id, is_evidence_type=True)
    ]
    return coverage.coverage(
        outcomes=outcomes,
        knowledge=knowledge,
        range_items=range_items,
        evidence_types=types,
        evidence=_coverage_evidence(enrolment),
    )


def _coverage_evidence(enrolment: Enrolment) -> list[coverage.EvidenceIn]:
    items = list(
        EvidenceItem.objects.filter(enrolment=enrolment)
        .select_related("evidence_type")
        .only("ei", "title", "status", "date", "evidence_type")
    )
    mapped: dict[tuple[str, int], dict[bool, set[int]]] = {}
    for kind, model, target in (
        ("outcomes", EvidenceOutcome, "outcome_id"),
        ("knowledge", EvidenceKnowledge, "knowledge_item_id"),
        ("range", EvidenceRange, "range_item_id"),
    ):
        rows = model.objects.filter(evidence__enrolment=enrolment).values_list(
            "evidence_id", target, "confirmed"
        )
        for evidence_id, target_id, confirmed in rows:
            mapped.setdefault((kind, evidence_id), {True: set(), False: set()})[confirmed].add(
                target_id
            )
    problems = _coverage_problems(enrolment)

    def ids(kind: str, pk: int, confirmed: bool) -> frozenset[int]:
        return frozenset(mapped.get((kind, pk), {}).get(confirmed, ()))

    return [
        coverage.EvidenceIn(
            id=i.pk,
            ei=i.ei,
            title=i.title,
            type_code=i.evidence_type.code,
            type_name=i.evidence_type.name,
            may_evidence_performance=i.evidence_type.may_evidence_performance,
            is_draft=i.is_draft,
            date=i.date,
            outcomes=ids("outcomes", i.pk, True),
            knowledge=ids("knowledge", i.pk, True),
            range=ids("range", i.pk, True),
            suggested_outcomes=ids("outcomes", i.pk, False),
            suggested_knowledge=ids("knowledge", i.pk, False),
            suggested_range=ids("range", i.pk, False),
            problems=tuple(problems.get(i.pk, {}).values()),
        )
        for i in items
    ]


# The problem fields a range item's criteria may name ("problem.<field>" in f6.yaml).
_PROBLEM_FACTS = ("identified_by", "category")


def _coverage_problems(enrolment: Enrolment) -> dict[int, dict[int, coverage.ProblemIn]]:
    """Per evidence item, the problems it draws on: those linked to it, and the learner's own
    incidents of the repeated problems linked to it (a repeated problem is made of problems;
    other people's incidents are not the learner's work with their customers)."""

    def fields(path: str) -> list[str]:
        return [f"{path}__id", f"{path}__number", f"{path}__centre__slug"] + [
            f"{path}__{f}" for f in _PROBLEM_FACTS
        ]

    rows = list(
        EvidenceItem.problems.through.objects.filter(evidenceitem__enrolment=enrolment)
        .values_list("evidenceitem_id", *fields("problem"))
        .order_by("evidenceitem_id", "problem__number")
    )
    via = "recurringcandidate__incidents"
    rows += (
        EvidenceItem.repeated_problems.through.objects.filter(
            evidenceitem__enrolment=enrolment, **{f"{via}__learner_id": enrolment.learner_id}
        )
        .values_list("evidenceitem_id", *fields(via))
        .order_by("evidenceitem_id", f"{via}__number")
    )
    result: dict[int, dict[int, coverage.ProblemIn]] = {}
    for evidence_id, problem_id, number, slug, *facts in rows:
        result.setdefault(evidence_id, {})[problem_id] = coverage.ProblemIn(
            id=problem_id,
            reference=f"{slug.upper()}-{number:05d}",  # as Problem.reference
            facts={f"problem.{f}": v for f, v in zip(_PROBLEM_FACTS, facts, strict=True)},
        )
    return result
