"""Drafting a personal statement (STAR) from a problem in the learner's log."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import User
from complaints.models import ACTION_OUTCOME, Action, Problem
from complaints.privacy import redact
from portfolio.models import PERSONAL_STATEMENT, Enrolment, EvidenceItem, RangeItem
from portfolio.services.evidence import evidence_create
from portfolio.services.mapping import mapping_suggest


@transaction.atomic
def evidence_draft_from_problem(*, problem: Problem, by: User) -> tuple[EvidenceItem, bool]:
    """A draft personal statement pre-filled from the problem and its timeline, linked to it,
    with suggested (unconfirmed) outcomes and range items. While a draft from this problem
    exists it is returned instead (created False): a double click makes one draft."""
    if problem.learner_id != by.pk:
        raise ValidationError("Only the learner who logged the problem can draft from it.")
    enrolment = (
        Enrolment.objects.select_for_update()
        .select_related("unit")
        .filter(learner=by, centre_id=problem.centre_id)
        .order_by("-started_on", "-pk")
        .first()
    )
    if enrolment is None:
        raise ValidationError(
            "You are not enrolled on a unit at this centre yet, so there is no portfolio to "
            "draft into. Ask your centre admin to enrol you."
        )
    existing = EvidenceItem.objects.filter(
        drafted_from=problem, status=EvidenceItem.Status.DRAFT
    ).first()
    if existing is not None:
        return existing, False
    evidence_type = enrolment.unit.evidence_types.filter(code=PERSONAL_STATEMENT).first()
    if evidence_type is None:
        raise ValidationError(f"Unit {enrolment.unit.code} has no personal statement type.")
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
