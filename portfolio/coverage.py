"""Coverage of a unit by a learner's evidence: the evidence achievement record's outcomes x
evidence matrix, the knowledge evidence record's items x evidence types, the range with the
problems that show it, what is still missing and progress.

Pure: it takes plain data (built by portfolio.selectors.coverage_data) and imports nothing
from Django, so it is tested in milliseconds without a database.

Only confirmed mappings count. A suggestion is Casebook's guess from a draft, not the
learner's claim, so it never covers anything; it is carried through so the learner's own page
can point at it ("EI 2 suggests it: confirm it if it is right").
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# The records Casebook keeps whose fields a range item's criteria can be checked against
# (f6.yaml names facts as "<record>.<field>"). Options are not recorded yet: a range item
# about options counts on the learner's confirmed claim alone, and says so.
RECORDED = frozenset({"problem"})

# Range items whose requirements one example can meet together: the unit asks for problems
# "identified by your customers" / "identified first by you" and, of "the problems included
# in your evidence", ones of each type, so one problem can be both; likewise one option can
# use a formal procedure and be considered from the customer's point of view.
COMBINABLE = (("identified_by", "problem_type"), ("option_basis", "viewpoint"))

# The learner's words for each F6 range item: (head, qualifier). An item of the first group
# of a COMBINABLE pair is a head; one of the second group qualifies a head ("a problem" when
# alone; a qualifier starting with a comma is joined without a space). Unknown codes fall
# back to the unit's own text.
RANGE_PHRASES = {
    "identified_by_customer": ("a problem identified by a customer", ""),
    "identified_first_by_learner_or_colleague": (
        "a problem identified first by you or a colleague",
        "",
    ),
    "expectations_gap": (
        "a problem",
        "that came from a difference between what a customer expected and your "
        "organisation's products or services",
    ),
    "system_failure": ("a problem", "that came from a system or procedure failure"),
    "resource_or_error": ("a problem", "that came from a shortage of resources or human error"),
    "formal_procedure": ("an option using formal organisational procedures", ""),
    "authorised_exception": (
        "an option using an agreed or authorised exception to usual practice",
        "",
    ),
    "viewpoint_customer": ("an option", ", considered from your customer's point of view"),
    "viewpoint_organisation": ("an option", ", considered from your organisation's point of view"),
}


# Input -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeIn:
    id: int
    code: str
    text: str
    element_number: int
    element_title: str


@dataclass(frozen=True)
class KnowledgeIn:
    """A knowledge item or an aspect (parent_id set). An item with aspects (item 2) is a
    heading: it is evidenced aspect by aspect."""

    id: int
    code: str
    text: str
    group: str
    group_text: str
    parent_id: int | None = None
    has_aspects: bool = False


@dataclass(frozen=True)
class RangeIn:
    id: int
    code: str
    text: str
    group: str
    group_text: str
    criteria: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class EvidenceTypeIn:
    code: str
    name: str
    dated: bool = False


@dataclass(frozen=True)
class ProblemIn:
    """A problem an evidence item draws on, with its recorded facts ("problem.category")."""

    id: int
    reference: str
    facts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EvidenceIn:
    id: int
    ei: int
    title: str
    type_code: str
    type_name: str = ""
    may_evidence_performance: bool = True
    is_draft: bool = False
    date: datetime.date | None = None
    outcomes: frozenset[int] = frozenset()  # confirmed mappings, by target id
    knowledge: frozenset[int] = frozenset()
    range: frozenset[int] = frozenset()
    suggested_outcomes: frozenset[int] = frozenset()
    suggested_knowledge: frozenset[int] = frozenset()
    suggested_range: frozenset[int] = frozenset()
    problems: tuple[ProblemIn, ...] = ()


# Output ------------------------------------------------------------------------------------

CONFIRMED, SUGGESTED, NONE = "confirmed", "suggested", ""


@dataclass(frozen=True)
class OutcomeCell:
    evidence: EvidenceIn
    state: str  # CONFIRMED, SUGGESTED or NONE


@dataclass(frozen=True)
class KnowledgeCell:
    type: EvidenceTypeIn
    evidence: list[EvidenceIn]  # confirmed, of this type


@dataclass
class OutcomeRow:
    outcome: OutcomeIn
    cells: list[OutcomeCell]  # one per evidence column
    confirmed: list[EvidenceIn]
    suggested: list[EvidenceIn]

    @property
    def covered(self) -> bool:
        return bool(self.confirmed)


@dataclass
class Progress:
    covered: int
    total: int

    @property
    def percent(self) -> int:
        # Rounded down: 100% only when everything is covered.
        return self.covered * 100 // self.total if self.total else 0

    @property
    def complete(self) -> bool:
        return self.covered == self.total


@dataclass
class ElementBlock:
    number: int
    title: str
    rows: list[OutcomeRow]

    @property
    def progress(self) -> Progress:
        return Progress(sum(r.covered for r in self.rows), len(self.rows))


@dataclass
class KnowledgeRow:
    item: KnowledgeIn
    cells: list[KnowledgeCell]  # one per evidence type column
    suggested: list[EvidenceIn]
    is_heading: bool = False

    @property
    def covered(self) -> bool:
        return any(c.evidence for c in self.cells)


@dataclass
class KnowledgeGroup:
    text: str
    rows: list[KnowledgeRow]


# How a confirmed range mapping stands against the records it draws on.
SHOWN = "shown"  # a linked problem records the fact
CLAIMED = "claimed"  # the fact is about a record Casebook does not keep: the claim counts
NOT_SHOWN = "not_shown"  # no linked problem records the fact: does not count


@dataclass
class RangeEvidence:
    evidence: EvidenceIn
    status: str
    problems: list[ProblemIn]  # the linked problems that show it (SHOWN), else all linked


@dataclass
class RangeRow:
    item: RangeIn
    evidence: list[RangeEvidence]
    suggested: list[EvidenceIn]

    @property
    def covering(self) -> list[RangeEvidence]:
        return [e for e in self.evidence if e.status != NOT_SHOWN]

    @property
    def not_shown(self) -> list[RangeEvidence]:
        return [e for e in self.evidence if e.status == NOT_SHOWN]

    @property
    def covered(self) -> bool:
        return bool(self.covering)

    @property
    def checked(self) -> bool:
        return any(e.status == SHOWN for e in self.evidence)


@dataclass
class RangeGroup:
    group: str
    text: str
    rows: list[RangeRow]


@dataclass
class Missing:
    kind: str  # "outcome", "range", "knowledge"
    text: str
    detail: str = ""
    evidence: list[EvidenceIn] = field(default_factory=list)  # items to look at (suggestions)


@dataclass
class Coverage:
    evidence: list[EvidenceIn]
    elements: list[ElementBlock]
    evidence_types: list[EvidenceTypeIn]
    knowledge: list[KnowledgeGroup]
    range: list[RangeGroup]
    missing: list[Missing]

    @property
    def outcomes(self) -> Progress:
        rows = [r for e in self.elements for r in e.rows]
        return Progress(sum(r.covered for r in rows), len(rows))

    @property
    def knowledge_progress(self) -> Progress:
        rows = [r for g in self.knowledge for r in g.rows if not r.is_heading]
        return Progress(sum(r.covered for r in rows), len(rows))

    @property
    def range_progress(self) -> Progress:
        rows = [r for g in self.range for r in g.rows]
        return Progress(sum(r.covered for r in rows), len(rows))

    @property
    def overall(self) -> Progress:
        parts = (self.outcomes, self.knowledge_progress, self.range_progress)
        return Progress(sum(p.covered for p in parts), sum(p.total for p in parts))


# Computation -------------------------------------------------------------------------------


def coverage(
    *,
    outcomes: Sequence[OutcomeIn],
    knowledge: Sequence[KnowledgeIn],
    range_items: Sequence[RangeIn],
    evidence_types: Sequence[EvidenceTypeIn],
    evidence: Iterable[EvidenceIn],
    recorded: frozenset[str] = RECORDED,
) -> Coverage:
    """The whole picture for one learner. Inputs are in the unit's order; evidence in any
    order (columns are by EI number)."""
    evidence = sorted((_counted(e) for e in evidence), key=lambda e: e.ei)
    elements = _elements(outcomes, evidence)
    knowledge_groups = _knowledge(knowledge, evidence_types, evidence)
    range_groups = _range(range_items, evidence, recorded)
    return Coverage(
        evidence=evidence,
        elements=elements,
        evidence_types=list(evidence_types),
        knowledge=knowledge_groups,
        range=range_groups,
        missing=missing(elements=elements, knowledge=knowledge_groups, range_groups=range_groups),
    )


def _counted(e: EvidenceIn) -> EvidenceIn:
    """The unit's simulation rule: evidence that may not show performance (simulation)
    never covers an outcome or a range item, whatever was stored before the rule held."""
    if e.may_evidence_performance:
        return e
    return EvidenceIn(
        **{
            **e.__dict__,
            "outcomes": frozenset(),
            "range": frozenset(),
            "suggested_outcomes": frozenset(),
            "suggested_range": frozenset(),
        }
    )


def _elements(outcomes: Sequence[OutcomeIn], evidence: list[EvidenceIn]) -> list[ElementBlock]:
    blocks: dict[int, ElementBlock] = {}
    for o in outcomes:
        cells = [
            OutcomeCell(
                e,
                CONFIRMED
                if o.id in e.outcomes
                else SUGGESTED
                if o.id in e.suggested_outcomes
                else NONE,
            )
            for e in evidence
        ]
        row = OutcomeRow(
            outcome=o,
            cells=cells,
            confirmed=[e for e in evidence if o.id in e.outcomes],
            suggested=[e for e in evidence if o.id in e.suggested_outcomes],
        )
        block = blocks.setdefault(
            o.element_number, ElementBlock(o.element_number, o.element_title, [])
        )
        block.rows.append(row)
    return list(blocks.values())


def _knowledge(
    items: Sequence[KnowledgeIn],
    types: Sequence[EvidenceTypeIn],
    evidence: list[EvidenceIn],
) -> list[KnowledgeGroup]:
    groups: dict[str, KnowledgeGroup] = {}
    for k in items:
        if k.has_aspects:
            row = KnowledgeRow(item=k, cells=[], suggested=[], is_heading=True)
        else:
            mapped = [e for e in evidence if k.id in e.knowledge]
            row = KnowledgeRow(
                item=k,
                cells=[
                    KnowledgeCell(t, [e for e in mapped if e.type_code == t.code]) for t in types
                ],
                suggested=[e for e in evidence if k.id in e.suggested_knowledge],
            )
        groups.setdefault(k.group, KnowledgeGroup(k.group_text, [])).rows.append(row)
    return list(groups.values())


def range_status(
    item: RangeIn, e: EvidenceIn, recorded: frozenset[str] = RECORDED
) -> RangeEvidence:
    """How one confirmed mapping of evidence to a range item stands: a linked problem records
    the fact (every recorded fact the criteria name, any of its values), or the criteria name
    only records Casebook does not keep (the claim counts), or nothing shows it."""
    checkable = {f: v for f, v in item.criteria.items() if f.partition(".")[0] in recorded}
    if not checkable:
        return RangeEvidence(e, CLAIMED, list(e.problems))
    showing = [
        p for p in e.problems if all(p.facts.get(f) in values for f, values in checkable.items())
    ]
    if showing:
        return RangeEvidence(e, SHOWN, showing)
    return RangeEvidence(e, NOT_SHOWN, list(e.problems))


def _range(
    items: Sequence[RangeIn], evidence: list[EvidenceIn], recorded: frozenset[str]
) -> list[RangeGroup]:
    groups: dict[str, RangeGroup] = {}
    for r in items:
        row = RangeRow(
            item=r,
            evidence=[range_status(r, e, recorded) for e in evidence if r.id in e.range],
            suggested=[e for e in evidence if r.id in e.suggested_range],
        )
        groups.setdefault(r.group, RangeGroup(r.group, r.group_text, [])).rows.append(row)
    return list(groups.values())


# What is still missing --------------------------------------------------------------------


def missing(
    *,
    elements: list[ElementBlock],
    knowledge: list[KnowledgeGroup],
    range_groups: list[RangeGroup],
) -> list[Missing]:
    """What the learner still needs, in their words: outcomes in the record's order, then the
    range (combined where one example can meet two requirements), then knowledge."""
    result = [_missing_outcome(r) for b in elements for r in b.rows if not r.covered]
    result.extend(_missing_range(range_groups))
    result.extend(
        _missing_knowledge(r)
        for g in knowledge
        for r in g.rows
        if not r.is_heading and not r.covered
    )
    return result


def _eis(items: list[EvidenceIn]) -> str:
    return _and([f"EI {e.ei}" for e in items])


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _suggests(items: list[EvidenceIn]) -> str:
    verb = "suggests" if len(items) == 1 else "suggest"
    return f"{_eis(items)} {verb} it: confirm it there if it is right."


def _missing_outcome(row: OutcomeRow) -> Missing:
    o = row.outcome
    detail = f"“{o.text}”."
    if row.suggested:
        detail += " " + _suggests(row.suggested)
    return Missing(
        "outcome", f"Outcome {o.code} has no confirmed evidence yet", detail, row.suggested
    )


def _missing_knowledge(row: KnowledgeRow) -> Missing:
    k = row.item
    name = f"{k.code} ({k.text})" if k.parent_id else k.code
    detail = "" if k.parent_id else f"“{k.text}”."
    if row.suggested:
        detail = f"{detail} {_suggests(row.suggested)}".strip()
    return Missing("knowledge", f"Knowledge item {name} has no evidence yet", detail, row.suggested)


def _phrase(item: RangeIn) -> tuple[str, str]:
    return RANGE_PHRASES.get(item.code, (f"an example of “{item.text}”", ""))


def _missing_range(groups: list[RangeGroup]) -> list[Missing]:
    uncovered = {g.group: [r for r in g.rows if not r.covered] for g in groups}
    pairs: list[tuple[RangeRow, RangeRow | None]] = []
    paired: set[int] = set()
    for first, second in COMBINABLE:
        heads, tails = uncovered.get(first, []), uncovered.get(second, [])
        for head, tail in zip(heads, tails, strict=False):
            pairs.append((head, tail))
            paired.update({head.item.id, tail.item.id})
    for g in groups:
        pairs.extend((r, None) for r in uncovered[g.group] if r.item.id not in paired)
    order = {r.item.id: i for i, r in enumerate(r for g in groups for r in g.rows)}
    pairs.sort(key=lambda p: order[p[0].item.id])
    return [_missing_range_need(head, tail) for head, tail in pairs]


def _join(head: str, qualifier: str) -> str:
    if not qualifier:
        return head
    return f"{head}{qualifier}" if qualifier.startswith(",") else f"{head} {qualifier}"


def _missing_range_need(head: RangeRow, tail: RangeRow | None) -> Missing:
    rows = [head] if tail is None else [head, tail]
    if tail is None:
        need = _join(*_phrase(head.item))
    else:
        need = _join(_phrase(head.item)[0], _phrase(tail.item)[1])
    notes = []
    if tail is not None:
        notes.append("One example can meet both.")
    for row in rows:
        for r in row.not_shown:
            linked = _and([p.reference for p in r.problems]) if r.problems else ""
            notes.append(
                f"EI {r.evidence.ei} is mapped to “{row.item.text}”, but "
                + (
                    f"the problems it links to ({linked}) do not show this."
                    if linked
                    else "it links to no problem that shows this."
                )
            )
        if row.suggested:
            notes.append(f"For “{row.item.text}”, {_suggests(row.suggested)}")
    evidence = [r.evidence for row in rows for r in row.not_shown] + [
        e for row in rows for e in row.suggested
    ]
    return Missing("range", f"You still need {need}", " ".join(notes), _unique(evidence))


def _unique(items: list[EvidenceIn]) -> list[EvidenceIn]:
    seen: dict[int, EvidenceIn] = {}
    for e in items:
        seen.setdefault(e.id, e)
    return sorted(seen.values(), key=lambda e: e.ei)
