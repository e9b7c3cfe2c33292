"""Drafting a personal statement (STAR) from the learner's own records: a problem in their
log (element 1), a repeated problem (element 2) or a preventive action (element 3). Each
draft is linked to its record and the record's problems, and carries suggested outcome and
range mappings derived from what the record contains; nothing is mapped until the learner
confirms it."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import User
from complaints import selectors as complaints_selectors
from complaints.models import ACTION_OUTCOME, Action, PreventiveAction, Problem, RepeatedProblem
from complaints.privacy import redact
from portfolio.models import (
    PERSONAL_STATEMENT,
    Enrolment,
    EvidenceItem,
    EvidenceType,
    RangeItem,
)
from portfolio.services.evidence import evidence_create
from portfolio.services.mapping import mapping_suggest


def _enrolment_to_draft_into(*, by: User, centre_id: int) -> tuple[Enrolment, EvidenceType]:
    """The learner's enrolment at the record's centre, locked until the caller's transaction
    ends (so a double click waits, then finds the first draft), and its personal statement
    type."""
    enrolment = (
        Enrolment.objects.select_for_update()
        .select_related("unit")
        .filter(learner=by, centre_id=centre_id)
        .order_by("-started_on", "-pk")
        .first()
    )
    if enrolment is None:
        raise ValidationError(
            "You are not enrolled on a unit at this centre yet, so there is no portfolio to "
            "draft into. Ask your centre admin to enrol you."
        )
    evidence_type = enrolment.unit.evidence_types.filter(code=PERSONAL_STATEMENT).first()
    if evidence_type is None:
        raise ValidationError(f"Unit {enrolment.unit.code} has no personal statement type.")
    return enrolment, evidence_type


@transaction.atomic
def evidence_draft_from_problem(*, problem: Problem, by: User) -> tuple[EvidenceItem, bool]:
    """A draft personal statement pre-filled from the problem and its timeline, linked to it,
    with suggested (unconfirmed) outcomes and range items. While a draft from this problem
    exists it is returned instead (created False): a double click makes one draft."""
    if problem.learner_id != by.pk:
        raise ValidationError("Only the learner who logged the problem can draft from it.")
    enrolment, evidence_type = _enrolment_to_draft_into(by=by, centre_id=problem.centre_id)
    existing = EvidenceItem.objects.filter(
        drafted_from=problem, status=EvidenceItem.Status.DRAFT
    ).first()
    if existing is not None:
        return existing, False
    actions = list(problem.actions.order_by("taken_at", "pk"))
    item = evidence_create(
        enrolment=enrolment,
        by=by,
        evidence_type=evidence_type,
        title=f"{problem.reference}: {problem.product}"[:200],
        date=timezone.localdate(),
        situation=_situation(problem),
        task=_task(problem),
        action=_action(actions),
        result=_result(problem, actions),
        problems=[problem],
        drafted_from=problem,
    )
    mapping_suggest(
        item=item,
        outcomes=_suggested_outcomes(enrolment, actions),
        range_items=_suggested_range(enrolment, problem),
    )
    return item, True


def _when(value) -> str:
    return date_format(timezone.localtime(value), "j M Y, H:i")


def _situation(problem: Problem) -> str:
    # Free text passes through the personal-data redaction: evidence carries no names.
    lines = [
        f"On {_when(problem.received_at)}, {_identified(problem)} a problem with "
        f"{problem.product} ({problem.get_category_display().lower()})."
    ]
    if problem.customer_expectation.strip():
        lines.append(f"The customer expected: {redact(problem.customer_expectation.strip())}")
    lines.append(f"What went wrong: {redact(problem.description.strip())}")
    return "\n".join(lines)


def _identified(problem: Problem) -> str:
    return {
        "customer": "the customer reported",
        "learner": "I spotted",
        "colleague": "a colleague spotted",
    }.get(problem.identified_by, "we found")


def _task(problem: Problem) -> str:
    customer = problem.get_customer_kind_display().lower()
    if problem.within_authority is True:
        scope = "It was within my own authority to solve."
    elif problem.within_authority is False:
        scope = "It was beyond my own authority, so I needed others to agree or act."
    else:
        scope = ""
    text = f"My task was to solve the problem for the {customer} and keep them informed."
    if problem.exception_what.strip():
        text += f" It needed an exception to usual practice: {redact(problem.exception_what)}"
        if problem.exception_authorised_by:
            text += f" (authorised by {problem.exception_authorised_by})"
        text += "."
    return f"{text} {scope}".strip()


def _action(actions: list[Action]) -> str:
    if not actions:
        return ""
    return "\n".join(
        f"- {_when(a.taken_at)}: {redact(a.description.strip())}"
        + (_with_whom(a) if a.with_whom else "")
        for a in actions
    )


def _with_whom(action: Action) -> str:
    # The description often names them already ("Worked with the Digital team ...").
    if action.with_whom.lower() in action.description.lower():
        return ""
    return f" (with {action.with_whom})"


def _result(problem: Problem, actions: list[Action]) -> str:
    lines = []
    if problem.resolved_at:
        lines.append(f"The problem was resolved on {_when(problem.resolved_at)}.")
    else:
        lines.append(f"The problem is {problem.get_status_display().lower()}.")
    checks = [a for a in actions if a.kind == "satisfaction_checked"]
    if checks:
        last = checks[-1]
        check = f"When I checked with the customer on {_when(last.taken_at)}"
        if last.satisfaction_score:
            check += f", they rated their satisfaction {last.satisfaction_score} out of 5"
        lines.append(check + ".")
        if last.customer_words.strip():
            lines.append(f"In their words: “{redact(last.customer_words.strip())}”")
    return "\n".join(lines)


def _suggested_outcomes(enrolment: Enrolment, actions: list[Action]) -> dict:
    counts: dict[str, int] = defaultdict(int)
    for action in actions:
        code = ACTION_OUTCOME.get(action.kind)
        if code:
            counts[code] += 1
    outcomes = enrolment.unit.outcomes.filter(code__in=counts)
    return {
        o: f"{counts[o.code]} action{'s' if counts[o.code] > 1 else ''} in the timeline "
        f"tagged {o.code}"
        for o in outcomes
    }


# How a suggestion names the recorded fact behind it.
_FACT_WORDS = {"identified_by": "who identified it as", "category": "its type as"}


def _suggested_range(enrolment: Enrolment, problem: Problem) -> dict:
    """Range items whose criteria the problem's recorded facts meet, e.g.
    {"problem.identified_by": ["customer"]} for "problems which are identified by your
    customers" (f6.yaml)."""
    suggested = {}
    for item in RangeItem.objects.filter(unit=enrolment.unit):
        for fact, values in item.criteria.items():
            record, _, field = fact.partition(".")
            if record != "problem":
                continue
            value = getattr(problem, field, None)
            if value in values:
                display = getattr(problem, f"get_{field}_display")()
                what = _FACT_WORDS.get(field, field.replace("_", " "))
                suggested[item] = f"{problem.reference} records {what} “{display}”"
                break
    return suggested


# --- Element 2: a repeated problem ---------------------------------------------------------------


@transaction.atomic
def evidence_draft_from_repeated_problem(
    *, repeated_problem: RepeatedProblem, by: User
) -> tuple[EvidenceItem, bool]:
    """A draft personal statement from a repeated problem: the pattern and its data, the
    options with their advantages and disadvantages, who agreed the way forward, the choice
    and why. Linked to the record and its incidents; outcomes 2.1–2.4 and range items are
    suggested (unconfirmed) from what the record contains. A second request returns the
    draft already started (created False)."""
    record = repeated_problem
    if record.learner_id != by.pk:
        raise ValidationError(
            "Only the learner who recorded the repeated problem can draft from it."
        )
    enrolment, evidence_type = _enrolment_to_draft_into(by=by, centre_id=record.centre_id)
    existing = EvidenceItem.objects.filter(
        drafted_from_repeated=record, status=EvidenceItem.Status.DRAFT
    ).first()
    if existing is not None:
        return existing, False
    incidents = list(record.incidents.select_related("centre").order_by("received_at", "pk"))
    options = list(record.options.order_by("created_at", "pk"))
    item = evidence_create(
        enrolment=enrolment,
        by=by,
        evidence_type=evidence_type,
        title=f"Repeated problem: {record.title}"[:200],
        date=timezone.localdate(),
        situation=_repeated_situation(record, incidents),
        task=_repeated_task(record),
        action=_repeated_action(record, options),
        result=_repeated_result(record),
        problems=incidents,
    )
    _drafted_from(item, drafted_from_repeated=record)
    mapping_suggest(
        item=item,
        outcomes=_outcomes(enrolment, _repeated_outcomes(record, incidents, options)),
        range_items=_record_range(enrolment, incidents=incidents, options=options),
    )
    return item, True


def _drafted_from(item: EvidenceItem, **record) -> None:
    for name, value in record.items():
        setattr(item, name, value)
    item.save(update_fields=list(record))


def _day(value) -> str:
    return date_format(value, "j M Y")


def _text(value: str) -> str:
    """Free text as evidence may carry it: trimmed, flagged personal data redacted."""
    return redact(value.strip())


def _clause(value: str) -> str:
    """Free text to sit inside a sentence: without its own full stop."""
    return _text(value).rstrip(".") or "none noted"


def _repeated_situation(record: RepeatedProblem, incidents: list[Problem]) -> str:
    lines = [f"A repeated problem: {_text(record.title)}. {_text(record.pattern)}"]
    if incidents:
        first, last = incidents[0].received_at, incidents[-1].received_at
        refs = ", ".join(p.reference for p in incidents)
        lines.append(
            f"{len(incidents)} similar incidents between {_day(timezone.localtime(first))} and "
            f"{_day(timezone.localtime(last))}: {refs}."
        )
        months: dict[str, int] = defaultdict(int)
        for problem in incidents:
            months[date_format(timezone.localtime(problem.received_at), "M Y")] += 1
        lines.append("Incidents per month: " + "; ".join(f"{m}: {n}" for m, n in months.items()))
    whys = [_text(w) for w in record.root_cause_whys if w]
    if whys:
        lines.append("Root cause (5 whys): " + " → ".join(whys))
    if record.root_cause_category:
        lines.append(f"Cause category: {record.get_root_cause_category_display().lower()}.")
    return "\n".join(lines)


def _repeated_task(record: RepeatedProblem) -> str:
    if record.identified_how == "with_colleagues":
        who = "with colleagues" + (f" ({record.identified_with})" if record.identified_with else "")
    else:
        who = "on my own"
    return (
        f"I identified the repeated problem {who}. My task was to identify the options for "
        "dealing with it, weigh each from the customer's and the organisation's point of view, "
        "agree a way forward with others, and choose the best option for both."
    )


def _repeated_action(record: RepeatedProblem, options: list) -> str:
    lines = []
    for number, option in enumerate(options, start=1):
        line = f"- Option {number}: {_text(option.title)} ({option.get_basis_display().lower()})."
        if option.description:
            line += f" {_text(option.description)}"
        for who, pros, cons in (
            ("customer", option.customer_advantages, option.customer_disadvantages),
            ("organisation", option.organisation_advantages, option.organisation_disadvantages),
        ):
            if pros or cons:
                line += (
                    f" For the {who}: advantages: {_clause(pros)}; disadvantages: {_clause(cons)}."
                )
        if option.cost:
            line += f" Cost: {_clause(option.cost)}."
        line += f" Feasibility: {option.get_feasibility_display().lower()}."
        lines.append(line)
    if record.consulted:
        when = f"On {_day(record.consulted_on)} I" if record.consulted_on else "I"
        lines.append(
            f"{when} agreed the way forward with {record.consulted_with}: {_text(record.agreed)}"
        )
    return "\n".join(lines)


def _repeated_result(record: RepeatedProblem) -> str:
    if record.chosen_option is None:
        return "No option has been chosen yet."
    lines = [
        f"I chose “{_text(record.chosen_option.title)}” as the best option for both the "
        f"customer and the organisation: {_text(record.justification)}"
    ]
    for action in record.preventive_actions.order_by("created_at", "pk"):
        lines.append(
            f"It led to the preventive action “{_text(action.title)}” ({action.stage.lower()})."
        )
    return "\n".join(lines)


def _repeated_outcomes(record: RepeatedProblem, incidents: list, options: list) -> dict:
    """Element 2's outcomes the record shows, each with the fact behind the suggestion."""
    suggested = {}
    if len(incidents) >= RepeatedProblem.MIN_INCIDENTS:
        how = "with colleagues" if record.identified_how == "with_colleagues" else "on your own"
        suggested["2.1"] = f"{len(incidents)} incidents identified as a pattern {how}"
    appraised = [o for o in options if _viewpoints(o)]
    if len(appraised) >= RepeatedProblem.MIN_OPTIONS:
        suggested["2.2"] = f"{len(appraised)} options weighed with advantages and disadvantages"
    if record.consulted:
        suggested["2.3"] = f"The way forward agreed with {record.consulted_with}"
    if record.chosen_option_id and record.justification.strip():
        suggested["2.4"] = "The chosen option, and why it is best for both"
    return suggested


def _outcomes(enrolment: Enrolment, reasons: dict[str, str]) -> dict:
    return {o: reasons[o.code] for o in enrolment.unit.outcomes.filter(code__in=reasons)}


def _viewpoints(option) -> set[str]:
    """The points of view an option was weighed from (the range's "option.viewpoint")."""
    views = set()
    if option.customer_advantages.strip() or option.customer_disadvantages.strip():
        views.add("customer")
    if option.organisation_advantages.strip() or option.organisation_disadvantages.strip():
        views.add("organisation")
    return views


def _record_range(enrolment: Enrolment, *, incidents: list, options: list) -> dict:
    """Range items whose criteria (f6.yaml) the record's incidents or options meet: a
    problem's recorded facts, an option's basis, the points of view it was weighed from."""
    suggested = {}
    for item in RangeItem.objects.filter(unit=enrolment.unit):
        for fact, values in item.criteria.items():
            why = _range_reason(fact, values, incidents, options)
            if why:
                suggested[item] = why
                break
    return suggested


def _range_reason(fact: str, values: list, incidents: list, options: list) -> str:
    record, _, field = fact.partition(".")
    if record == "problem":
        for problem in incidents:
            if getattr(problem, field, None) in values:
                display = getattr(problem, f"get_{field}_display")()
                what = _FACT_WORDS.get(field, field.replace("_", " "))
                return f"{problem.reference} records {what} “{display}”"
    if record == "option" and field == "basis":
        for option in options:
            if option.basis in values:
                return f"Option “{option.title}” uses {option.get_basis_display().lower()}"
    if record == "option" and field == "viewpoint":
        for option in options:
            if _viewpoints(option) & set(values):
                return f"Option “{option.title}” is weighed from that point of view"
    return ""


# --- Element 3: a preventive action --------------------------------------------------------------


@transaction.atomic
def evidence_draft_from_preventive_action(
    *, preventive_action: PreventiveAction, by: User
) -> tuple[EvidenceItem, bool]:
    """A draft personal statement from a preventive action: the negotiation, the
    implementation, what customers were told, the monitoring result with the engine's
    verdict, and the adjustments. Linked to the action and its repeated problem's incidents;
    outcomes 3.1–3.5 are suggested (unconfirmed) from what it contains. A second request
    returns the draft already started (created False)."""
    action = preventive_action
    if action.learner_id != by.pk:
        raise ValidationError(
            "Only the learner who recorded the preventive action can draft from it."
        )
    enrolment, evidence_type = _enrolment_to_draft_into(by=by, centre_id=action.centre_id)
    existing = EvidenceItem.objects.filter(
        drafted_from_action=action, status=EvidenceItem.Status.DRAFT
    ).first()
    if existing is not None:
        return existing, False
    page = complaints_selectors.preventive_action_page(action=action)
    communications = list(action.communications.all())
    adjustments = list(action.adjustments.all())
    record = action.repeated_problem
    incidents = list(record.incidents.select_related("centre")) if record else []
    item = evidence_create(
        enrolment=enrolment,
        by=by,
        evidence_type=evidence_type,
        title=f"Preventive action: {action.title}"[:200],
        date=timezone.localdate(),
        situation=_prevent_situation(action, incidents),
        task=_prevent_task(action),
        action=_prevent_action(action, communications, adjustments),
        result=_prevent_result(action, page.card),
        problems=incidents,
        preventive_actions=[action],
    )
    _drafted_from(item, drafted_from_action=action)
    reasons = _prevent_outcomes(action, communications, adjustments, page.card)
    mapping_suggest(item=item, outcomes=_outcomes(enrolment, reasons))
    return item, True


def _prevent_situation(action: PreventiveAction, incidents: list) -> str:
    lines = []
    record = action.repeated_problem
    if record is not None:
        lines.append(f"The repeated problem “{_text(record.title)}”: {_text(record.pattern)}")
        lines.append(f"It was a pattern of {len(incidents)} incidents in my log.")
    if action.is_organisations and action.organisation_change:
        lines.append(f"My organisation brought in a change: {_text(action.organisation_change)}")
    lines.append(f"The change targets {action.target_label.lower()} problems.")
    return "\n".join(lines)


def _prevent_task(action: PreventiveAction) -> str:
    if action.is_organisations:
        return (
            "My task was to action the change my organisation brought in, keep customers "
            "informed of what was being done, and check that it worked."
        )
    return (
        "My task was to negotiate with the appropriate authority a change to our systems or "
        "procedures that would reduce the chance of the problem being repeated, put the agreed "
        "change into practice, keep customers informed, and check that it worked."
    )


_DECIDED = {
    "approved": "approved it",
    "approved_with_changes": "approved it with changes",
    "refused": "refused it",
}


def _prevent_action(action: PreventiveAction, communications: list, adjustments: list) -> str:
    lines = []
    if action.proposal:
        lines.append(f"- I proposed: {_text(action.proposal)}")
    if action.authority:
        line = f"- I negotiated it with {action.authority}"
        if action.decision:
            line += f", who {_DECIDED[action.decision]} on {_day(action.decision_on)}"
        lines.append(line + ".")
    if action.agreed:
        lines.append(f"- Agreed: {_text(action.agreed)}")
    if action.is_organisations and action.how_actioned:
        lines.append(f"- How I actioned it: {_text(action.how_actioned)}")
    if action.description:
        when = f" It took effect on {_day(action.implemented_on)}." if action.implemented_on else ""
        lines.append(f"- What changed: {_text(action.description)}{when}")
    for c in communications:
        lines.append(
            f"- On {_day(c.sent_on)} I told {c.audience} ({c.get_channel_display().lower()}): "
            f"“{_text(c.message)}”"
        )
    for a in adjustments:
        lines.append(f"- On {_day(a.made_on)} I adjusted it: {_text(a.what)} Why: {_text(a.why)}")
    return "\n".join(lines)


def _prevent_result(action: PreventiveAction, card) -> str:
    lines = []
    if action.monitoring_plan:
        lines.append(f"To monitor it: {_text(action.monitoring_plan)}")
    if card.measured:
        figures = "; ".join(
            f"{w.label.lower()}: {w.rate} ({w.detail})" for w in (card.before, card.after) if w.rate
        )
        line = (
            "I checked Casebook's before/after analysis of the problem log on "
            f"{_day(timezone.localtime(card.computed_at))}. {card.verdict_words}"
        )
        if figures:
            line += f" {figures[0].upper()}{figures[1:]}."
        if card.change:
            line += f" The change: {card.change}" + (
                f", p = {card.p_text}." if card.p_text else "."
            )
        lines.append(line)
    elif action.is_implemented:
        lines.append("The before/after analysis of the problem log has not measured it yet.")
    return "\n".join(lines)


def _prevent_outcomes(action, communications: list, adjustments: list, card) -> dict:
    """Element 3's outcomes the action shows, each with the fact behind the suggestion."""
    suggested = {}
    if not action.is_organisations and action.is_approved and action.authority:
        suggested["3.1"] = (
            f"{action.get_decision_display()} by {action.authority} on {_day(action.decision_on)}"
        )
    if action.is_implemented and action.description:
        suggested["3.2"] = f"The change took effect on {_day(action.implemented_on)}"
    if communications:
        n = len(communications)
        suggested["3.3"] = f"{n} message{'s' if n > 1 else ''} to customers recorded"
    if (card.measured and not card.too_early) or adjustments:
        suggested["3.4"] = (
            f"Measured: {card.verdict_label.lower()}"
            if card.measured and not card.too_early
            else f"{len(adjustments)} adjustment{'s' if len(adjustments) > 1 else ''} recorded"
        )
    if (
        action.is_organisations
        and action.organisation_change
        and action.how_actioned
        and action.is_implemented
    ):
        suggested["3.5"] = "Your organisation's change, and how you actioned it"
    return suggested
