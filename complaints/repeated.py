"""Writes for repeated problems (element 2): recording the pattern, the options appraisal,
the consultation that agreed the way forward, and the decision."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Centre, User
from complaints.models import Option, Problem, RepeatedProblem

RECORD_FIELDS = (
    "title",
    "pattern",
    "identified_how",
    "identified_with",
    "root_cause_whys",
    "root_cause_category",
)
OPTION_FIELDS = (
    "title",
    "description",
    "basis",
    "customer_advantages",
    "customer_disadvantages",
    "organisation_advantages",
    "organisation_disadvantages",
    "cost",
    "feasibility",
)


def _check_incidents(*, learner: User, centre: Centre, incidents: Sequence[Problem]) -> None:
    if any(p.learner_id != learner.pk or p.centre_id != centre.pk for p in incidents):
        raise ValidationError(
            {"incidents": "A repeated problem is built from problems in your own log."}
        )
    if len({p.pk for p in incidents}) < RepeatedProblem.MIN_INCIDENTS:
        raise ValidationError(
            {
                "incidents": "A repeated problem is a pattern from three or more similar "
                "incidents: choose at least three."
            }
        )


@transaction.atomic
def repeated_problem_create(
    *,
    learner: User,
    centre: Centre,
    incidents: Sequence[Problem],
    title: str,
    pattern: str,
    identified_how: str = "individually",
    identified_with: str = "",
    root_cause_whys: Sequence[str] = (),
    root_cause_category: str = "",
    shared_words: Sequence[str] = (),
    source_candidate_id: int | None = None,
) -> RepeatedProblem:
    """Record a repeated problem from three or more of the learner's own problems. One
    record per engine candidate: confirming the same candidate twice is refused."""
    _check_incidents(learner=learner, centre=centre, incidents=incidents)
    record = RepeatedProblem(
        learner=learner,
        centre=centre,
        title=title,
        pattern=pattern,
        identified_how=identified_how,
        identified_with=identified_with,
        root_cause_whys=[w for w in root_cause_whys if w],
        root_cause_category=root_cause_category,
        shared_words=list(shared_words),
        source_candidate_id=source_candidate_id,
    )
    record.full_clean(exclude=["incidents"])
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as exc:
        raise ValidationError("That suggestion is already a repeated problem.") from exc
    record.incidents.set(incidents)
    return record


@transaction.atomic
def repeated_problem_update(
    *, repeated_problem: RepeatedProblem, incidents: Sequence[Problem], **fields
) -> RepeatedProblem:
    """Change the pattern, its incidents or its root cause."""
    record = repeated_problem
    _check_incidents(learner=record.learner, centre=record.centre, incidents=incidents)
    for name in RECORD_FIELDS:
        if name in fields:
            setattr(record, name, fields[name])
    record.root_cause_whys = [w for w in record.root_cause_whys if w]
    record.full_clean(exclude=["incidents"])
    record.save()
    record.incidents.set(incidents)
    return record


def _require_open(record: RepeatedProblem, doing: str) -> None:
    if not record.is_open:
        raise ValidationError(
            f"This repeated problem is {record.get_status_display().lower()}: "
            f"{doing} is no longer possible."
        )


def option_add(*, repeated_problem: RepeatedProblem, **fields) -> Option:
    """Add an option to the appraisal while the decision is still to make."""
    _require_open(repeated_problem, "adding options")
    option = Option(repeated_problem=repeated_problem, **_option_fields(fields))
    option.full_clean()
    option.save()
    return option


def option_update(*, option: Option, **fields) -> Option:
    _require_open(option.repeated_problem, "changing options")
    for name, value in _option_fields(fields).items():
        setattr(option, name, value)
    option.full_clean()
    option.save()
    return option


def _option_fields(fields: dict) -> dict:
    unknown = set(fields) - set(OPTION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown option fields: {sorted(unknown)}")
    return fields


def repeated_problem_consult(
    *,
    repeated_problem: RepeatedProblem,
    consulted_with: str,
    consulted_on: datetime.date,
    agreed: str,
) -> RepeatedProblem:
    """Record who agreed the way forward, when, and what was agreed (2.3)."""
    record = repeated_problem
    _require_open(record, "changing the consultation")
    if not consulted_with.strip() or not agreed.strip():
        raise ValidationError("Say who you worked with and what you agreed.")
    if consulted_on > timezone.localdate():
        raise ValidationError({"consulted_on": "The consultation cannot be in the future."})
    record.consulted_with = consulted_with.strip()
    record.consulted_on = consulted_on
    record.agreed = agreed.strip()
    record.save(update_fields=["consulted_with", "consulted_on", "agreed", "updated_at"])
    return record


def decide_blockers(*, repeated_problem: RepeatedProblem) -> list[str]:
    """Why the record cannot be decided yet, in plain words; empty when it can."""
    record = repeated_problem
    reasons = []
    if not record.is_open:
        reasons.append(f"It is already {record.get_status_display().lower()}.")
    options = record.options.count()
    if options < RepeatedProblem.MIN_OPTIONS:
        reasons.append(
            f"Consider at least two options before choosing one; this record has {options}."
        )
    if not record.consulted:
        reasons.append("Record who you agreed the way forward with, and what was agreed.")
    return reasons


@transaction.atomic
def repeated_problem_decide(
    *, repeated_problem: RepeatedProblem, option: Option, justification: str
) -> RepeatedProblem:
    """Choose the option best for both the customer and the organisation (2.4). Once only:
    a second decision (double submit, two tabs) is refused."""
    record = repeated_problem
    reasons = decide_blockers(repeated_problem=record)
    if reasons:
        raise ValidationError(reasons)
    if option.repeated_problem_id != record.pk:
        raise ValidationError({"option": "Choose one of this record's options."})
    if not justification.strip():
        raise ValidationError(
            {"justification": "Say why this option is best for the customer and the organisation."}
        )
    # Lock the row and look again: a second submit waits here, then finds it decided. A
    # save (not an UPDATE) so the decision is in the record's history.
    locked = RepeatedProblem.objects.select_for_update().get(pk=record.pk)
    if not locked.is_open:
        raise ValidationError("This repeated problem has already been decided.")
    locked.status = RepeatedProblem.Status.DECIDED
    locked.chosen_option = option
    locked.justification = justification.strip()
    locked.decided_at = timezone.now()
    locked.save()
    return locked
