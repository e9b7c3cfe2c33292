"""What the printed evidence index shows: every evidence item in EI order with its type, date,
confirmed mapping, narrative and witness statements, what it draws on from the problem log,
and its attachments with their SHA-256; and, once, the problems, repeated problems and
preventive actions those items draw on, in full.

Everything a learner or a customer typed is read through ``privacy.Redacted``: personal
data the app flags is printed as [redacted] (issue 7, item 5). Names of the people in the
process (the learner, a witness, the assessor) are not customers' data and are printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch

from complaints.models import (
    Action,
    CustomerCommunication,
    Option,
    PreventiveAction,
    PreventiveAdjustment,
    Problem,
    RepeatedProblem,
)
from complaints.privacy import Redacted
from portfolio.models import (
    Attachment,
    Enrolment,
    EvidenceItem,
    EvidenceKnowledge,
    EvidenceOutcome,
    EvidenceRange,
    RangeItem,
    WitnessStatement,
)
from portfolio.selectors.printing import PrintedHeader

EVIDENCE_TEXT = ("title", "narrative", "situation", "task", "action", "result")
STATEMENT_TEXT = ("text",)
PROBLEM_TEXT = (
    "description",
    "customer_expectation",
    "exception_what",
    "root_cause_whys",
)
ACTION_TEXT = ("description", "customer_words", "with_whom")
REPEATED_TEXT = ("title", "pattern", "root_cause_whys", "agreed", "justification")
OPTION_TEXT = (
    "title",
    "description",
    "customer_advantages",
    "customer_disadvantages",
    "organisation_advantages",
    "organisation_disadvantages",
    "cost",
)
PREVENTIVE_TEXT = (
    "title",
    "proposal",
    "agreed",
    "description",
    "monitoring_plan",
    "organisation_change",
    "how_actioned",
)
ADJUSTMENT_TEXT = ("what", "why")
COMMUNICATION_TEXT = ("audience", "message")


@dataclass
class IndexedItem:
    """One evidence item as the index prints it."""

    item: Redacted
    evidence_type: object
    outcome_codes: list[str]
    knowledge_codes: list[str]
    range_items: list[RangeItem]
    statements: list[Redacted]
    attachments: list[Attachment]
    problems: list[Problem]
    repeated: list[RepeatedProblem]
    candidates: list[str]  # patterns the analysis found, linked before element 2 was built
    actions: list[PreventiveAction]

    @property
    def has_star(self) -> bool:
        """A personal statement in the STAR shape; its narrative is then the same words."""
        item = self.item
        return any((item.situation, item.task, item.action, item.result))

    @property
    def draws_on(self) -> list[tuple[str, object]]:
        """What the item draws on from the log, as (kind, record): problems, repeated
        problems, patterns the analysis found, preventive actions."""
        return (
            [("problem", p) for p in self.problems]
            + [("repeated", r) for r in self.repeated]
            + [("candidate", c) for c in self.candidates]
            + [("preventive", a) for a in self.actions]
        )

    @property
    def star(self) -> list[tuple[str, str]]:
        """The personal statement's four parts, labelled, in order."""
        item = self.item
        return [
            ("Situation", item.situation),
            ("Task", item.task),
            ("Action", item.action),
            ("Result", item.result),
        ]

    @property
    def is_final(self) -> bool:
        """Assessed and locked under the assessor's signatures; or, for an item that claims
        no outcome (knowledge only, which the assessor has no outcome to decide on),
        submitted: the knowledge record's signatures stand for it."""
        status = self.item.status
        if self.outcome_codes:
            return status == EvidenceItem.Status.ASSESSED and self.item.is_locked
        return status in (EvidenceItem.Status.SUBMITTED, EvidenceItem.Status.ASSESSED)


@dataclass
class PrintedProblem:
    problem: Redacted
    actions: list[Redacted]
    told_in: list[int]  # EIs of personal statements drafted from it, which tell its actions


@dataclass
class PrintedRepeated:
    record: Redacted
    incidents: list[Problem]
    options: list[Redacted]
    chosen_option_id: int | None


@dataclass
class PrintedPreventive:
    action: Redacted
    adjustments: list[Redacted]
    communications: list[Redacted]


@dataclass
class EvidenceIndex:
    header: PrintedHeader
    items: list[IndexedItem]
    problems: list[PrintedProblem] = field(default_factory=list)
    repeated: list[PrintedRepeated] = field(default_factory=list)
    preventive: list[PrintedPreventive] = field(default_factory=list)

    @property
    def is_draft(self) -> bool:
        """Final only when every item is (see IndexedItem.is_final)."""
        return not self.items or not all(i.is_final for i in self.items)


def _codes(mappings, target: str) -> list[str]:
    return [getattr(m, target).code for m in mappings if m.confirmed]


def evidence_index(*, enrolment: Enrolment) -> EvidenceIndex:
    """The enrolment's evidence items in EI order, in a fixed number of queries however many
    items there are, and the log records they draw on, each once."""
    items = list(
        EvidenceItem.objects.filter(enrolment=enrolment)
        .select_related(
            "evidence_type", "drafted_from__centre", "drafted_from_repeated", "drafted_from_action"
        )
        .prefetch_related(
            Prefetch(
                "outcome_mappings",
                queryset=EvidenceOutcome.objects.select_related("outcome").order_by(
                    "outcome__order"
                ),
            ),
            Prefetch(
                "knowledge_mappings",
                queryset=EvidenceKnowledge.objects.select_related("knowledge_item").order_by(
                    "knowledge_item__order"
                ),
            ),
            Prefetch(
                "range_mappings",
                queryset=EvidenceRange.objects.select_related("range_item").order_by(
                    "range_item__order"
                ),
            ),
            Prefetch(
                "witness_statements",
                queryset=WitnessStatement.objects.filter(confirmed=True).order_by("written_at"),
            ),
            Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "pk")),
            Prefetch("problems", queryset=Problem.objects.select_related("centre")),
            "repeated_problems",
            Prefetch(
                "preventive_actions", queryset=PreventiveAction.objects.select_related("centre")
            ),
        )
        .order_by("ei")
    )
    indexed = [_indexed(item) for item in items]
    problem_ids, repeated_ids, action_ids = _drawn_on(indexed, enrolment=enrolment)
    told_in: dict[int, list[int]] = {}
    for item in items:
        if item.drafted_from_id is not None:
            told_in.setdefault(item.drafted_from_id, []).append(item.ei)
    return EvidenceIndex(
        header=PrintedHeader(enrolment),
        items=indexed,
        problems=_problems(problem_ids, told_in=told_in),
        repeated=_repeated(repeated_ids),
        preventive=_preventive(action_ids),
    )


def _indexed(item: EvidenceItem) -> IndexedItem:
    problems = {p.pk: p for p in item.problems.all()}
    if item.drafted_from is not None:
        problems.setdefault(item.drafted_from.pk, item.drafted_from)
    actions = {a.pk: a for a in item.preventive_actions.all()}
    if item.drafted_from_action is not None:
        actions.setdefault(item.drafted_from_action.pk, item.drafted_from_action)
    repeated = [item.drafted_from_repeated] if item.drafted_from_repeated else []
    return IndexedItem(
        item=Redacted(item, EVIDENCE_TEXT),
        evidence_type=item.evidence_type,
        outcome_codes=_codes(item.outcome_mappings.all(), "outcome"),
        knowledge_codes=_codes(item.knowledge_mappings.all(), "knowledge_item"),
        range_items=[m.range_item for m in item.range_mappings.all() if m.confirmed],
        statements=[Redacted(s, STATEMENT_TEXT) for s in item.witness_statements.all()],
        attachments=list(item.attachments.all()),
        problems=sorted(problems.values(), key=lambda p: p.number),
        repeated=repeated,
        candidates=[str(c) for c in item.repeated_problems.all()],
        actions=sorted(actions.values(), key=lambda a: a.pk),
    )


def _drawn_on(
    items: list[IndexedItem], *, enrolment: Enrolment
) -> tuple[list[int], list[int], list[int]]:
    """The problems, repeated problems and preventive actions the items draw on, each once,
    and every repeated problem and preventive action of the learner's own (their element 2
    and 3 work, few, and what the assessor looks for), each bringing its repeated problem."""
    problems: dict[int, None] = {}
    own = {"learner": enrolment.learner, "centre": enrolment.centre}
    repeated = dict.fromkeys(RepeatedProblem.objects.filter(**own).values_list("pk", flat=True))
    actions = dict.fromkeys(PreventiveAction.objects.filter(**own).values_list("pk", flat=True))
    for item in items:
        problems.update(dict.fromkeys(p.pk for p in item.problems))
        repeated.update(dict.fromkeys(r.pk for r in item.repeated))
        actions.update(dict.fromkeys(a.pk for a in item.actions))
    for repeated_id in PreventiveAction.objects.filter(
        pk__in=actions, repeated_problem__isnull=False
    ).values_list("repeated_problem_id", flat=True):
        repeated.setdefault(repeated_id)
    return list(problems), list(repeated), list(actions)


def _problems(ids: list[int], *, told_in: dict[int, list[int]]) -> list[PrintedProblem]:
    problems = (
        Problem.objects.filter(pk__in=ids)
        .select_related("centre")
        .prefetch_related(Prefetch("actions", queryset=Action.objects.order_by("taken_at", "pk")))
        .order_by("received_at", "number")
    )
    return [
        PrintedProblem(
            Redacted(p, PROBLEM_TEXT),
            [Redacted(a, ACTION_TEXT) for a in p.actions.all()],
            told_in.get(p.pk, []),
        )
        for p in problems
    ]


def _repeated(ids: list[int]) -> list[PrintedRepeated]:
    records = (
        RepeatedProblem.objects.filter(pk__in=ids)
        .prefetch_related(
            Prefetch("incidents", queryset=Problem.objects.select_related("centre")),
            Prefetch("options", queryset=Option.objects.order_by("created_at", "pk")),
        )
        .order_by("created_at", "pk")
    )
    return [
        PrintedRepeated(
            record=Redacted(r, REPEATED_TEXT),
            incidents=sorted(r.incidents.all(), key=lambda p: p.received_at),
            options=[Redacted(o, OPTION_TEXT) for o in r.options.all()],
            chosen_option_id=r.chosen_option_id,
        )
        for r in records
    ]


def _preventive(ids: list[int]) -> list[PrintedPreventive]:
    actions = (
        PreventiveAction.objects.filter(pk__in=ids)
        .select_related("repeated_problem")
        .prefetch_related(
            Prefetch(
                "adjustments", queryset=PreventiveAdjustment.objects.order_by("made_on", "pk")
            ),
            Prefetch(
                "communications", queryset=CustomerCommunication.objects.order_by("sent_on", "pk")
            ),
        )
        .order_by("implemented_on", "pk")
    )
    return [
        PrintedPreventive(
            action=Redacted(a, PREVENTIVE_TEXT),
            adjustments=[Redacted(x, ADJUSTMENT_TEXT) for x in a.adjustments.all()],
            communications=[Redacted(c, COMMUNICATION_TEXT) for c in a.communications.all()],
        )
        for a in actions
    ]
