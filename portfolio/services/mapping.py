"""Mapping evidence to the standard: the learner's confirmed claims and Casebook's
suggestions, with the unit's rule that simulation never evidences performance."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from portfolio.models import (
    EvidenceItem,
    EvidenceKnowledge,
    EvidenceOutcome,
    EvidenceRange,
    KnowledgeItem,
    Outcome,
    RangeItem,
)
from portfolio.services.evidence import evidence_editable_check

# kind -> (mapping model, its field, the item model)
_KINDS = {
    "outcomes": (EvidenceOutcome, "outcome", Outcome),
    "knowledge_items": (EvidenceKnowledge, "knowledge_item", KnowledgeItem),
    "range_items": (EvidenceRange, "range_item", RangeItem),
}


def _rules_check(
    *, item: EvidenceItem, outcomes: list[Outcome], knowledge: list, range_items: list
) -> None:
    unit = item.enrolment.unit
    errors: dict[str, list[str]] = {}
    for name, rows in (
        ("outcomes", outcomes),
        ("knowledge_items", knowledge),
        ("range_items", range_items),
    ):
        if any(row.unit_id != unit.pk for row in rows):
            errors.setdefault(name, []).append(f"Choose from unit {unit.code}'s own {name}.")
    if any(k.aspects.exists() for k in knowledge):
        errors.setdefault("knowledge_items", []).append(
            "Map knowledge item 2 aspect by aspect (2.i to 2.v)."
        )
    if not item.evidence_type.may_evidence_performance and (outcomes or range_items):
        # Outcomes and the range are the unit's performance evidence; the rule is the unit's
        # own, quoted from its summary sheet (Unit.simulation_rule).
        what = ", ".join(o.code for o in outcomes) or "the range"
        errors.setdefault("outcomes" if outcomes else "range_items", []).append(
            f"{item.evidence_type.name} evidence cannot show {what}: "
            f"“{unit.simulation_rule}” It may support knowledge items only."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def mapping_save(
    *,
    item: EvidenceItem,
    by: User,
    outcomes: Iterable[Outcome],
    knowledge_items: Iterable[KnowledgeItem],
    range_items: Iterable[RangeItem],
) -> EvidenceItem:
    """The learner's mapping panel: what is ticked is confirmed (by them, now); a confirmed
    claim left unticked is withdrawn; an unticked suggestion stays a suggestion."""
    item = (
        EvidenceItem.objects.select_for_update()
        .select_related("evidence_type", "enrolment__unit")
        .get(pk=item.pk)
    )
    evidence_editable_check(item=item, by=by)
    chosen = {
        "outcomes": list(outcomes),
        "knowledge_items": list(knowledge_items),
        "range_items": list(range_items),
    }
    _rules_check(
        item=item,
        outcomes=chosen["outcomes"],
        knowledge=chosen["knowledge_items"],
        range_items=chosen["range_items"],
    )
    now = timezone.now()
    for kind, rows in chosen.items():
        model, field, _ = _KINDS[kind]
        ids = {row.pk for row in rows}
        existing = {getattr(m, f"{field}_id"): m for m in model.objects.filter(evidence=item)}
        for mapping in existing.values():
            target = getattr(mapping, f"{field}_id")
            if mapping.confirmed and target not in ids:
                mapping.delete()
            elif not mapping.confirmed and target in ids:
                mapping.confirmed, mapping.confirmed_by, mapping.confirmed_at = True, by, now
                mapping.save(update_fields=["confirmed", "confirmed_by", "confirmed_at"])
        for target in ids - set(existing):
            model.objects.create(
                evidence=item,
                confirmed=True,
                confirmed_by=by,
                confirmed_at=now,
                **{f"{field}_id": target},
            )
    return item


def mapping_suggest(
    *,
    item: EvidenceItem,
    outcomes: dict[Outcome, str] | None = None,
    knowledge_items: dict[KnowledgeItem, str] | None = None,
    range_items: dict[RangeItem, str] | None = None,
) -> None:
    """Store suggestions (each with why it is suggested), unconfirmed. A claim already there,
    confirmed or not, is left as it is."""
    chosen = {
        "outcomes": outcomes or {},
        "knowledge_items": knowledge_items or {},
        "range_items": range_items or {},
    }
    _rules_check(
        item=item,
        outcomes=list(chosen["outcomes"]),
        knowledge=list(chosen["knowledge_items"]),
        range_items=list(chosen["range_items"]),
    )
    for kind, suggestions in chosen.items():
        model, field, _ = _KINDS[kind]
        for target, why in suggestions.items():
            model.objects.get_or_create(
                evidence=item, **{field: target}, defaults={"suggestion": why[:200]}
            )
