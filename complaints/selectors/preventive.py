"""Reads for preventive actions (element 3), scoped to what the asking user may see. The
engine's result is reached through the action's reverse relation (``effectiveness``): the
problem log imports nothing from analytics."""

from __future__ import annotations

import datetime
import functools
import operator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Centre, User
from complaints.element3 import EffectCard, Step, effect_card, element3_steps
from complaints.models import PreventiveAction, RepeatedProblem
from complaints.selectors.log import _reader_conditions


def preventive_actions_visible_to(*, user: User) -> QuerySet[PreventiveAction]:
    """Preventive actions a user may read: the same people as the learner's log."""
    conditions = _reader_conditions(user=user, caseload=None)
    if not conditions:
        return PreventiveAction.objects.none()
    return PreventiveAction.objects.filter(functools.reduce(operator.or_, conditions))


def preventive_actions_list(*, user: User) -> QuerySet[PreventiveAction]:
    # The engine's result is reached by its reverse relation: this app imports no analytics.
    return (
        preventive_actions_visible_to(user=user)
        .select_related("centre", "learner", "repeated_problem", "effectiveness")
        .annotate(communication_count=Count("communications", distinct=True))
        .order_by("-created_at", "-pk")
    )


def preventive_action_for_reader(*, user: User, pk: int) -> PreventiveAction:
    """A preventive action the user may read, with what its page shows; 404 otherwise."""
    action = (
        preventive_actions_visible_to(user=user)
        .select_related("centre", "learner", "repeated_problem__chosen_option", "effectiveness")
        .prefetch_related("communications", "adjustments")
        .filter(pk=pk)
        .first()
    )
    if action is None:
        raise Http404("No such preventive action.")
    return action


def preventive_action_for_owner(*, user: User, pk: int) -> PreventiveAction:
    """A preventive action of the user's own; 404 for anyone else, readers included."""
    action = (
        PreventiveAction.objects.select_related("centre", "learner", "repeated_problem")
        .filter(pk=pk, learner=user)
        .first()
    )
    if action is None:
        raise Http404("No such preventive action of yours.")
    return action


def repeated_problems_to_prevent(*, learner: User) -> QuerySet[RepeatedProblem]:
    """The learner's decided repeated problems: those a preventive action may address."""
    return RepeatedProblem.objects.filter(learner=learner).exclude(
        status=RepeatedProblem.Status.OPEN
    )


def repeated_problem_target(*, repeated_problem: RepeatedProblem) -> dict[str, str]:
    """The type of problem (and the product, if they share one) most of the record's
    incidents are: the target a preventive action for it starts from."""
    rows = list(
        repeated_problem.incidents.values("category", "product")
        .annotate(n=Count("id"))
        .order_by("-n", "category", "product")
    )
    if not rows:
        return {}
    category = rows[0]["category"]
    products = {r["product"] for r in rows if r["category"] == category}
    return {"category": category, "product": products.pop() if len(products) == 1 else ""}


def preventive_effectiveness(action: PreventiveAction):
    """The engine's stored result for the action (analytics.Effectiveness), or None."""
    try:
        return action.effectiveness
    except ObjectDoesNotExist:
        return None


_AT = "H:i \\o\\n l j F"  # "02:30 on Sunday 23 November"


def next_analysis_words(*, centre_id: int, now: datetime.datetime | None = None) -> str:
    """When the centre's log is next analysed, in words: now, if a run is queued or running;
    else the nightly schedule's next run."""
    busy = Centre(pk=centre_id).analysis_runs.filter(status__in=["queued", "running"])
    if busy.exists():
        return "An analysis of the log is under way now; the result appears when it finishes."
    now = now or timezone.now()
    for entry in getattr(settings, "CELERY_BEAT_SCHEDULE", {}).values():
        if entry.get("task") == "analytics.nightly":
            due = timezone.localtime(now + entry["schedule"].remaining_estimate(now))
            due = (due + datetime.timedelta(seconds=30)).replace(second=0, microsecond=0)
            return f"The next analysis of the log runs at {date_format(due, _AT)}."
    return "The next analysis of the log has not been scheduled."


@dataclass
class PreventivePage:
    card: EffectCard
    steps: list[Step]


def preventive_action_page(*, action: PreventiveAction) -> PreventivePage:
    """The effectiveness card and the element 3 checklist for an action read with
    preventive_action_for_reader. Nothing is computed here: the card words the engine's row."""
    measurement = preventive_effectiveness(action)
    card = effect_card(
        implemented=action.is_implemented,
        measurement=measurement,
        next_analysis=next_analysis_words(centre_id=action.centre_id)
        if action.is_implemented
        else "",
    )
    steps = element3_steps(
        action,
        communications=list(action.communications.all()),
        adjustments=list(action.adjustments.all()),
        card=card,
    )
    return PreventivePage(card=card, steps=steps)
