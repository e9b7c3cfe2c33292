"""Writes for preventive actions (element 3): the change negotiated with the appropriate
authority (3.1), its implementation (3.2), what customers were told (3.3), the monitoring
plan and the adjustments made after monitoring (3.4), and changes the organisation brought
in that the learner actioned (3.5).

A change that takes effect, or whose target or date changes, is re-measured by the
analytics engine: it is told after the commit, by task name (complaints imports nothing
from it). The measurement itself (a full pass over the centre's log) is the engine's.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Centre, User
from complaints.models import (
    CustomerCommunication,
    PreventiveAction,
    PreventiveAdjustment,
    RepeatedProblem,
)
from complaints.services import problem_log_notify

ACTION_FIELDS = (
    "kind",
    "title",
    "repeated_problem",
    "proposal",
    "authority",
    "decision",
    "decision_on",
    "agreed",
    "description",
    "category",
    "product",
    "implemented_on",
    "monitoring_plan",
    "organisation_change",
    "how_actioned",
)
# What the engine reads to measure an action: a change to any of them needs a new measurement.
MEASURED_FIELDS = ("implemented_on", "category", "product")
TEXT_FIELDS = (
    "title",
    "proposal",
    "authority",
    "agreed",
    "description",
    "product",
    "monitoring_plan",
    "organisation_change",
    "how_actioned",
)


def _day(value: datetime.date) -> str:
    return date_format(value, "j M Y")


def plan_blockers(*, repeated_problem: RepeatedProblem) -> list[str]:
    """Why a preventive action cannot be planned from this repeated problem yet, in plain
    words; empty when it can."""
    if repeated_problem.is_open:
        return [
            f"“{repeated_problem.title}” is not decided yet. Choose the best option for it "
            "(outcome 2.4) first: the preventive action is the change that carries it out."
        ]
    return []


def _check_repeated_problem(action: PreventiveAction) -> dict[str, str]:
    record = action.repeated_problem
    if record is None:
        return {}
    if (record.learner_id, record.centre_id) != (action.learner_id, action.centre_id):
        return {
            "repeated_problem": "A preventive action can address only your own repeated "
            "problems, at the same centre."
        }
    blockers = plan_blockers(repeated_problem=record)
    return {"repeated_problem": blockers[0]} if blockers else {}


def _check_negotiation(action: PreventiveAction, today: datetime.date) -> dict[str, str]:
    """3.1: a decision names who made it, when, and (for the learner's own change) what
    was proposed."""
    errors = {}
    if action.decision and not action.authority:
        errors["authority"] = "Say who decided: the appropriate authority's name or role."
    if action.decision and action.decision_on is None:
        errors["decision_on"] = "Give the date of the decision."
    if action.decision_on and not action.decision:
        errors["decision"] = (
            f"Record the decision made on {_day(action.decision_on)}, or clear the date."
        )
    if action.decision_on and action.decision_on > today:
        errors["decision_on"] = "The decision cannot be in the future."
    if action.decision and not action.is_organisations and not action.proposal:
        errors["proposal"] = "Say what you proposed to the appropriate authority."
    return errors


def _check_implementation(action: PreventiveAction, today: datetime.date) -> dict[str, str]:
    """3.2: only an agreed change is implemented, on or after the day it was agreed."""
    when = action.implemented_on
    if when is None:
        return {}
    who = action.authority or "The appropriate authority"
    if when > today:
        return {
            "implemented_on": "The change cannot have taken effect in the future: record the "
            "date once it has."
        }
    if action.decision == PreventiveAction.Decision.REFUSED:
        return {
            "implemented_on": f"{who} refused this change, so it cannot be implemented. "
            "Negotiate a revised change as a new preventive action, or correct the decision."
        }
    if not action.is_organisations and not action.is_approved:
        return {
            "implemented_on": "Record the appropriate authority's approval (3.1) before the "
            "implementation: 3.2 is actioning the solution they agreed."
        }
    errors = {}
    if action.decision_on and when < action.decision_on:
        errors["implemented_on"] = (
            f"The change cannot have taken effect on {_day(when)}, before {who}'s decision "
            f"on {_day(action.decision_on)}."
        )
    if not action.description:
        errors["description"] = "Say what changed in systems or procedures."
    if action.is_organisations and not action.how_actioned:
        errors["how_actioned"] = "Say how you actioned your organisation's change."
    return errors


def _check(action: PreventiveAction) -> None:
    """Every rule across the record's fields, reported field by field."""
    today = timezone.localdate()
    errors = {
        **_check_repeated_problem(action),
        **_check_negotiation(action, today),
        **_check_implementation(action, today),
    }
    if action.is_organisations and not action.organisation_change:
        errors["organisation_change"] = "Say what your organisation brought in."
    try:
        action.full_clean(exclude=list(errors))
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
    if errors:
        raise ValidationError(errors)


def _assign(action: PreventiveAction, fields: dict) -> None:
    unknown = set(fields) - set(ACTION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown preventive action fields: {sorted(unknown)}")
    for name, value in fields.items():
        if name in TEXT_FIELDS:
            value = (value or "").strip()
        setattr(action, name, value)


def _remeasure(action: PreventiveAction) -> None:
    problem_log_notify(setting="CASEBOOK_PREVENTIVE_ACTION_CHANGED_TASK", arg=action.centre_id)


def _mark_acted_on(action: PreventiveAction) -> None:
    """A decided repeated problem becomes "acted on" once a change carrying it out took
    effect. A save, not an UPDATE, so the step is in the record's history."""
    record = action.repeated_problem
    if record is None or not action.is_implemented:
        return
    locked = RepeatedProblem.objects.select_for_update().get(pk=record.pk)
    if locked.status == RepeatedProblem.Status.DECIDED:
        locked.status = RepeatedProblem.Status.ACTED_ON
        locked.save(update_fields=["status", "updated_at"])


@transaction.atomic
def preventive_action_create(*, learner: User, centre: Centre, **fields) -> PreventiveAction:
    """Record a preventive action: planned, negotiated or already implemented."""
    action = PreventiveAction(learner=learner, centre=centre)
    _assign(action, fields)
    _check(action)
    action.save()
    _mark_acted_on(action)
    if action.is_implemented:
        _remeasure(action)
    return action


@transaction.atomic
def preventive_action_update(*, preventive_action: PreventiveAction, **fields) -> PreventiveAction:
    """Change the record; a new date or target is measured again after the commit."""
    action = PreventiveAction.objects.select_for_update().get(pk=preventive_action.pk)
    before = {name: getattr(action, name) for name in MEASURED_FIELDS}
    _assign(action, fields)
    _check(action)
    action.save()
    _mark_acted_on(action)
    if any(getattr(action, name) != value for name, value in before.items()):
        _remeasure(action)
    return action


def communication_add(
    *,
    preventive_action: PreventiveAction,
    sent_on: datetime.date,
    channel: str,
    audience: str,
    message: str,
) -> CustomerCommunication:
    """Record what customers were told about the change (3.3)."""
    action = preventive_action
    if action.decision == PreventiveAction.Decision.REFUSED:
        raise ValidationError(
            f"{action.authority or 'The appropriate authority'} refused this change: there "
            "is nothing to tell customers about it."
        )
    if sent_on > timezone.localdate():
        raise ValidationError({"sent_on": "Record the message once it has gone out."})
    communication = CustomerCommunication(
        preventive_action=action,
        sent_on=sent_on,
        channel=channel,
        audience=audience.strip(),
        message=message.strip(),
    )
    communication.full_clean()
    communication.save()
    return communication


def adjustment_add(
    *, preventive_action: PreventiveAction, made_on: datetime.date, what: str, why: str
) -> PreventiveAdjustment:
    """Record a change made after monitoring the action (3.4)."""
    action = preventive_action
    if not action.is_implemented:
        raise ValidationError(
            "Record the implementation (3.2) first: an adjustment changes a change that has "
            "taken effect."
        )
    if made_on > timezone.localdate():
        raise ValidationError({"made_on": "Record the adjustment once it is made."})
    if made_on < action.implemented_on:
        raise ValidationError(
            {
                "made_on": "An adjustment cannot come before the change took effect on "
                f"{_day(action.implemented_on)}."
            }
        )
    adjustment = PreventiveAdjustment(
        preventive_action=action, made_on=made_on, what=what.strip(), why=why.strip()
    )
    adjustment.full_clean()
    adjustment.save()
    return adjustment
