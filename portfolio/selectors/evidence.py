"""Reads over evidence items, their files, witness requests and mapping."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import User
from portfolio.models import (
    Attachment,
    Element,
    Enrolment,
    EvidenceItem,
    EvidenceKnowledge,
    EvidenceOutcome,
    EvidenceRange,
    KnowledgeItem,
    RangeItem,
    WitnessRequest,
)
from portfolio.selectors.enrolments import enrolments_readable_by


def evidence_base() -> QuerySet[EvidenceItem]:
    return EvidenceItem.objects.select_related(
        "evidence_type", "enrolment__learner", "enrolment__unit", "enrolment__centre"
    )


def evidence_for_reader(*, user: User, pk: int) -> EvidenceItem:
    """An evidence item the user may read (its learner, their assessor or IV); 404 else."""
    if not user.is_authenticated:
        raise Http404("No such evidence.")
    item = (
        evidence_base()
        .filter(
            Q(enrolment__learner=user) | Q(enrolment__assessor=user) | Q(enrolment__verifier=user)
        )
        .filter(pk=pk)
        .prefetch_related("problems__centre", "repeated_problems", "preventive_actions")
        .first()
    )
    if item is None:
        raise Http404("No such evidence.")
    return item


def evidence_for_owner(*, user: User, pk: int) -> EvidenceItem:
    """An evidence item in the user's own portfolio; 404 for anyone else, readers included."""
    item = evidence_base().filter(pk=pk, enrolment__learner=user).first()
    if item is None:
        raise Http404("No such evidence in your portfolio.")
    return item


def attachment_for_reader(*, user: User, pk: int) -> Attachment:
    """An attachment on evidence the user may read (its learner, their assessor or IV)."""
    attachment = (
        Attachment.objects.select_related("evidence")
        .filter(pk=pk, evidence__enrolment__in=enrolments_readable_by(user=user))
        .first()
    )
    if attachment is None:
        raise Http404("No such file.")
    return attachment


def attachment_for_owner(*, user: User, pk: int) -> Attachment:
    attachment = (
        Attachment.objects.select_related("evidence")
        .filter(pk=pk, evidence__enrolment__learner=user)
        .first()
    )
    if attachment is None:
        raise Http404("No such file in your portfolio.")
    return attachment


def witness_request_for_owner(*, user: User, pk: int) -> WitnessRequest:
    request = (
        WitnessRequest.objects.select_related("evidence")
        .filter(pk=pk, evidence__enrolment__learner=user)
        .first()
    )
    if request is None:
        raise Http404("No such witness request in your portfolio.")
    return request


@dataclass
class EvidenceRow:
    item: EvidenceItem
    outcome_codes: list[str]
    suggested: int


def evidence_rows(*, enrolment: Enrolment) -> list[EvidenceRow]:
    """The portfolio's items in EI order, each with its confirmed outcome codes and how many
    suggestions wait for the learner, in three queries."""
    items = list(
        evidence_base()
        .filter(enrolment=enrolment)
        .prefetch_related(
            Prefetch(
                "outcome_mappings",
                queryset=EvidenceOutcome.objects.select_related("outcome"),
            )
        )
        .annotate(
            knowledge_suggested=Count(
                "knowledge_mappings", filter=Q(knowledge_mappings__confirmed=False), distinct=True
            ),
            range_suggested=Count(
                "range_mappings", filter=Q(range_mappings__confirmed=False), distinct=True
            ),
        )
        .order_by("ei")
    )
    rows = []
    for item in items:
        mappings = list(item.outcome_mappings.all())
        rows.append(
            EvidenceRow(
                item=item,
                outcome_codes=[m.outcome.code for m in mappings if m.confirmed],
                suggested=sum(1 for m in mappings if not m.confirmed)
                + item.knowledge_suggested
                + item.range_suggested,
            )
        )
    return rows


@dataclass
class MappingChoice:
    target: object
    code: str = ""  # shown before the text; range items have no printed code
    confirmed: bool = False
    suggestion: str = ""
    mapping: object = None

    @property
    def suggested(self) -> bool:
        return self.mapping is not None and not self.confirmed


@dataclass
class MappingGroup:
    heading: str
    choices: list[MappingChoice] = field(default_factory=list)

    @property
    def confirmed(self) -> list[MappingChoice]:
        return [c for c in self.choices if c.confirmed]


@dataclass
class MappingPanel:
    outcomes: list[MappingGroup]
    knowledge: list[MappingGroup]
    range: list[MappingGroup]

    @property
    def confirmed_count(self) -> int:
        return sum(c.confirmed for g in self.groups for c in g.choices)

    @property
    def suggested_count(self) -> int:
        return sum(c.suggested for g in self.groups for c in g.choices)

    @property
    def knowledge_mapped(self) -> int:
        return sum(c.mapping is not None for g in self.knowledge for c in g.choices)

    @property
    def range_mapped(self) -> int:
        return sum(c.mapping is not None for g in self.range for c in g.choices)

    @property
    def groups(self) -> list[MappingGroup]:
        return [*self.outcomes, *self.knowledge, *self.range]


def mapping_panel(*, item: EvidenceItem) -> MappingPanel:
    """The unit's outcomes (by element), knowledge items (by group; item 2 by aspect) and
    range items (by group), each marked confirmed, suggested or not mapped."""
    unit = item.enrolment.unit
    existing = {}
    for model, field_name in (
        (EvidenceOutcome, "outcome"),
        (EvidenceKnowledge, "knowledge_item"),
        (EvidenceRange, "range_item"),
    ):
        for m in model.objects.filter(evidence=item):
            existing[(field_name, getattr(m, f"{field_name}_id"))] = m

    def choice(field_name, target):
        m = existing.get((field_name, target.pk))
        return MappingChoice(
            target=target,
            code="" if field_name == "range_item" else target.code,
            confirmed=bool(m and m.confirmed),
            suggestion=m.suggestion if m else "",
            mapping=m,
        )

    outcomes = [
        MappingGroup(
            f"Element {e.number}: {e.title}", [choice("outcome", o) for o in e.outcomes.all()]
        )
        for e in Element.objects.filter(unit=unit).prefetch_related("outcomes")
    ]
    knowledge: dict[str, MappingGroup] = {}
    for k in KnowledgeItem.objects.filter(unit=unit).prefetch_related("aspects"):
        if k.aspects.all():
            continue  # item 2 is mapped aspect by aspect
        group = knowledge.setdefault(k.group, MappingGroup(k.group_text))
        group.choices.append(choice("knowledge_item", k))
    ranges: dict[str, MappingGroup] = {}
    for r in RangeItem.objects.filter(unit=unit):
        ranges.setdefault(r.group, MappingGroup(r.group_text)).choices.append(
            choice("range_item", r)
        )
    return MappingPanel(outcomes, list(knowledge.values()), list(ranges.values()))


def evidence_link_choices(*, enrolment: Enrolment) -> dict[str, QuerySet]:
    """What an item may draw on: the learner's own problems and preventive actions at the
    enrolment's centre, and the centre's repeated problems that include their problems."""
    from complaints.models import PreventiveAction, Problem

    # Analytics is reached through the relation, not imported: portfolio depends on
    # complaints only.
    candidates = EvidenceItem._meta.get_field("repeated_problems").related_model
    learner, centre = enrolment.learner_id, enrolment.centre_id
    return {
        "problems": Problem.objects.filter(learner_id=learner, centre_id=centre).select_related(
            "centre"
        ),
        "repeated_problems": candidates.objects.filter(
            centre_id=centre, incidents__learner_id=learner
        )
        .exclude(status="dismissed")
        .distinct(),
        "preventive_actions": PreventiveAction.objects.filter(learner_id=learner, centre_id=centre),
    }
