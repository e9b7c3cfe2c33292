"""Reads over the standard, enrolments and the evidence in learners' portfolios."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import Centre, Membership, Role, User
from portfolio import coverage
from portfolio.models import (
    Attachment,
    Element,
    ElementRecord,
    Enrolment,
    EvidenceItem,
    EvidenceKnowledge,
    EvidenceOutcome,
    EvidenceRange,
    EvidenceType,
    KnowledgeItem,
    KnowledgeRecord,
    Outcome,
    OutcomeDecision,
    RangeItem,
    Signature,
    Unit,
    WitnessRequest,
)


def unit_current(*, code: str) -> Unit | None:
    """The newest loaded version of a unit."""
    return Unit.objects.filter(code=code).order_by("-version").first()


def unit_with_structure(*, unit_id: int) -> Unit:
    """A unit with its elements and outcomes, in two queries."""
    return Unit.objects.prefetch_related(
        Prefetch("elements", queryset=Element.objects.prefetch_related("outcomes"))
    ).get(pk=unit_id)


def _enrolments() -> QuerySet[Enrolment]:
    return Enrolment.objects.select_related("learner", "assessor", "verifier", "unit", "centre")


def enrolments_for_learner(*, learner: User) -> QuerySet[Enrolment]:
    return _enrolments().filter(learner=learner)


def enrolments_for_assessor(*, assessor: User) -> QuerySet[Enrolment]:
    return _enrolments().filter(assessor=assessor)


def enrolments_for_verifier(*, verifier: User) -> QuerySet[Enrolment]:
    return (
        _enrolments().filter(verifier=verifier).order_by("assessor__username", "learner__username")
    )


def enrolments_for_centre(*, centre: Centre) -> QuerySet[Enrolment]:
    return _enrolments().filter(centre=centre)


# Evidence ---------------------------------------------------------------------------------


def enrolments_readable_by(*, user: User) -> QuerySet[Enrolment]:
    """Enrolments whose portfolio the user may read: their own, and those they assess or
    internally verify. Managers and centre admins read the problem log, not portfolios."""
    if not user.is_authenticated:
        return Enrolment.objects.none()
    return _enrolments().filter(Q(learner=user) | Q(assessor=user) | Q(verifier=user))


def enrolment_for_reader(*, user: User, pk: int) -> Enrolment:
    enrolment = enrolments_readable_by(user=user).filter(pk=pk).first()
    if enrolment is None:
        raise Http404("No such portfolio.")
    return enrolment


def enrolment_for_learner(*, user: User, pk: int | None = None) -> Enrolment:
    """One of the user's own enrolments (the newest when pk is not given); 404 if none."""
    enrolments = enrolments_for_learner(learner=user).order_by("-started_on", "-pk")
    enrolment = (enrolments.filter(pk=pk) if pk else enrolments).first()
    if enrolment is None:
        raise Http404("You have no portfolio here.")
    return enrolment


def _evidence() -> QuerySet[EvidenceItem]:
    return EvidenceItem.objects.select_related(
        "evidence_type", "enrolment__learner", "enrolment__unit", "enrolment__centre"
    )


def evidence_for_reader(*, user: User, pk: int) -> EvidenceItem:
    """An evidence item the user may read (its learner, their assessor or IV); 404 else."""
    if not user.is_authenticated:
        raise Http404("No such evidence.")
    item = (
        _evidence()
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
    item = _evidence().filter(pk=pk, enrolment__learner=user).first()
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
        _evidence()
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


# Assessment and signatures ----------------------------------------------------------------


def _signatures() -> QuerySet[Signature]:
    return Signature.objects.select_related(
        "signer", "voided_by", "subject_type", "enrolment__learner"
    ).order_by("signed_at", "pk")


def signatures_all(*, learner_username: str | None = None) -> list[Signature]:
    signatures = _signatures()
    if learner_username:
        signatures = signatures.filter(enrolment__learner__username=learner_username)
    return list(signatures)


def enrolments_verifiable_by(*, user: User) -> QuerySet[Enrolment]:
    """Enrolments whose signatures the user may verify: those whose portfolio they read, and
    every enrolment at a centre where they are centre admin (who unlocks signed evidence)."""
    if not user.is_authenticated:
        return Enrolment.objects.none()
    admin_of = Membership.objects.filter(user=user, role=Role.CENTRE_ADMIN).values("centre_id")
    return _enrolments().filter(
        Q(learner=user) | Q(assessor=user) | Q(verifier=user) | Q(centre_id__in=admin_of)
    )


def enrolment_for_verifier_of_signatures(*, user: User, pk: int) -> Enrolment:
    enrolment = enrolments_verifiable_by(user=user).filter(pk=pk).first()
    if enrolment is None:
        raise Http404("No such portfolio.")
    return enrolment


def signatures_for_enrolment(*, enrolment: Enrolment) -> list[Signature]:
    return list(_signatures().filter(enrolment=enrolment))


def signature_for_reader(*, user: User, pk: int) -> Signature:
    signature = (
        _signatures().filter(pk=pk, enrolment__in=enrolments_verifiable_by(user=user)).first()
    )
    if signature is None:
        raise Http404("No such signature.")
    return signature


def evidence_for_assessor(*, user: User, pk: int) -> EvidenceItem:
    """An evidence item of a learner the user assesses; 404 for anyone else."""
    item = _evidence().filter(pk=pk, enrolment__assessor=user).first()
    if item is None:
        raise Http404("No such evidence among your learners'.")
    return item


def evidence_for_centre_admin(*, user: User, pk: int) -> EvidenceItem:
    admin_of = Membership.objects.filter(user=user, role=Role.CENTRE_ADMIN).values("centre_id")
    item = _evidence().filter(pk=pk, enrolment__centre_id__in=admin_of).first()
    if item is None:
        raise Http404("No such evidence at your centre.")
    return item


@dataclass
class OutcomeAssessment:
    """One outcome an evidence item claims: the current decision, the earlier ones, and the
    assessor's live signature on the current decision, if any."""

    outcome: Outcome
    current: OutcomeDecision | None
    earlier: list[OutcomeDecision]
    signature: Signature | None


def evidence_assessment(*, item: EvidenceItem) -> list[OutcomeAssessment]:
    """For each outcome the item claims, its decisions (newest first) and live signature."""
    claimed = [
        m.outcome for m in item.outcome_mappings.filter(confirmed=True).select_related("outcome")
    ]
    decisions: dict[int, list[OutcomeDecision]] = {}
    for d in (
        OutcomeDecision.objects.filter(evidence=item)
        .select_related("decided_by", "outcome")
        .order_by("-decided_at", "-pk")
    ):
        decisions.setdefault(d.outcome_id, []).append(d)
    signed = {
        s.subject_id: s
        for s in _signatures().filter(
            subject_type=ContentType.objects.get_for_model(OutcomeDecision),
            subject_id__in=[d.pk for ds in decisions.values() for d in ds],
            voided_at__isnull=True,
        )
    }
    rows = []
    for outcome in claimed:
        history = decisions.get(outcome.pk, [])
        current = history[0] if history else None
        rows.append(
            OutcomeAssessment(
                outcome=outcome,
                current=current,
                earlier=history[1:],
                signature=signed.get(current.pk) if current else None,
            )
        )
    return rows


def evidence_awaiting_assessment(*, assessor: User) -> dict[int, int]:
    """How many submitted items wait for a decision, per enrolment the user assesses."""
    rows = (
        EvidenceItem.objects.filter(
            enrolment__assessor=assessor, status=EvidenceItem.Status.SUBMITTED
        )
        .values("enrolment_id")
        .annotate(n=Count("pk"))
    )
    return {r["enrolment_id"]: r["n"] for r in rows}


def decision_for_assessor(*, user: User, pk: int) -> OutcomeDecision:
    decision = (
        OutcomeDecision.objects.select_related("evidence__enrolment", "outcome__unit")
        .filter(pk=pk, evidence__enrolment__assessor=user)
        .first()
    )
    if decision is None:
        raise Http404("No such decision among your learners'.")
    return decision


def evidence_unlockable_by(*, user: User, enrolment: Enrolment) -> list[EvidenceItem]:
    """The enrolment's locked evidence, if the user is a centre admin of its centre."""
    if not Membership.objects.filter(
        user=user, centre_id=enrolment.centre_id, role=Role.CENTRE_ADMIN
    ).exists():
        return []
    return list(enrolment.evidence_items.filter(locked_at__isnull=False).order_by("ei"))


# Element and knowledge records --------------------------------------------------------------


def live_signatures(subject) -> list[Signature]:
    """The subject's signatures that are not void, oldest first."""
    return list(
        _signatures().filter(
            subject_type=ContentType.objects.get_for_model(type(subject)),
            subject_id=subject.pk,
            voided_at__isnull=True,
        )
    )


def element_outcome_signatures(*, enrolment: Enrolment, element: Element) -> dict:
    """For each outcome of the element (by code, in order), the assessor's live signatures on
    competent decisions on the learner's evidence; an empty list where there is none."""
    outcomes = list(element.outcomes.order_by("order"))
    decisions = OutcomeDecision.objects.filter(
        evidence__enrolment=enrolment, outcome__in=outcomes, verdict="competent"
    ).values_list("pk", "outcome_id")
    outcome_of = dict(decisions)
    signed: dict[int, list[Signature]] = {o.pk: [] for o in outcomes}
    for s in Signature.objects.filter(
        subject_type=ContentType.objects.get_for_model(OutcomeDecision),
        subject_id__in=list(outcome_of),
        voided_at__isnull=True,
    ).order_by("signed_at", "pk"):
        signed[outcome_of[s.subject_id]].append(s)
    return {o.code: signed[o.pk] for o in outcomes}


@dataclass
class ElementRecordRow:
    """An element's record for one learner: how many outcomes are signed, the record and its
    live signatures. `state` is "outcomes", "ready", "signed" or "countersigned"."""

    element: Element
    total: int
    signed: int
    missing: list[str]
    record: ElementRecord | None
    assessor_signature: Signature | None = None
    learner_signature: Signature | None = None

    @property
    def state(self) -> str:
        if self.learner_signature:
            return "countersigned"
        if self.assessor_signature:
            return "signed"
        return "ready" if not self.missing else "outcomes"


def element_records(*, enrolment: Enrolment) -> list[ElementRecordRow]:
    records = {r.element_id: r for r in ElementRecord.objects.filter(enrolment=enrolment)}
    rows = []
    for element in Element.objects.filter(unit_id=enrolment.unit_id).order_by("number"):
        by_outcome = element_outcome_signatures(enrolment=enrolment, element=element)
        missing = [code for code, sigs in by_outcome.items() if not sigs]
        record = records.get(element.pk)
        signatures = {s.role: s for s in live_signatures(record)} if record else {}
        rows.append(
            ElementRecordRow(
                element=element,
                total=len(by_outcome),
                signed=len(by_outcome) - len(missing),
                missing=missing,
                record=record,
                assessor_signature=signatures.get(Signature.Role.ASSESSOR),
                learner_signature=signatures.get(Signature.Role.LEARNER),
            )
        )
    return rows


@dataclass
class KnowledgeSlot:
    role: str
    label: str
    signer: User
    signature: Signature | None


@dataclass
class KnowledgeRecordState:
    record: KnowledgeRecord | None
    slots: list[KnowledgeSlot]
    covered: int
    total: int
    missing: list[str]

    @property
    def next_role(self) -> str | None:
        """Whose turn it is to sign, once every item is covered (or the candidate signed)."""
        for slot in self.slots:
            if slot.signature is None:
                if slot.role == Signature.Role.LEARNER and self.missing:
                    return None
                return slot.role
        return None


def knowledge_record_state(*, enrolment: Enrolment) -> KnowledgeRecordState:
    data = coverage_data(enrolment=enrolment)
    rows = [r for g in data.knowledge for r in g.rows if not r.is_heading]
    record = KnowledgeRecord.objects.filter(enrolment=enrolment).first()
    signatures = {s.role: s for s in live_signatures(record)} if record else {}
    slots = [
        KnowledgeSlot(role, label, signer, signatures.get(role))
        for role, label, signer in (
            (Signature.Role.LEARNER, "Candidate", enrolment.learner),
            (Signature.Role.ASSESSOR, "Assessor", enrolment.assessor),
            (Signature.Role.VERIFIER, "Internal verifier", enrolment.verifier),
        )
    ]
    return KnowledgeRecordState(
        record=record,
        slots=slots,
        covered=sum(r.covered for r in rows),
        total=len(rows),
        missing=[r.item.code for r in rows if not r.covered],
    )


def element_for_enrolment(*, enrolment: Enrolment, number: int) -> Element:
    element = Element.objects.filter(unit_id=enrolment.unit_id, number=number).first()
    if element is None:
        raise Http404("No such element in the learner's unit.")
    return element


def element_record_for_reader(*, user: User, pk: int) -> ElementRecord:
    record = (
        ElementRecord.objects.select_related("enrolment__learner", "element")
        .filter(pk=pk, enrolment__in=enrolments_readable_by(user=user))
        .first()
    )
    if record is None:
        raise Http404("No such element record.")
    return record
