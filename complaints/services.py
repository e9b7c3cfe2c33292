"""Writes to the problem log. Every rule about problems is applied here, whoever calls."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Max
from simple_history.utils import bulk_create_with_history

from accounts.models import Centre
from complaints.models import Action, Problem


def _lock_next_number(*, centre: Centre) -> int:
    """The next per-centre problem number. Locks the centre row so two writers (two tabs, an
    import and a form) cannot take the same number; SQLite serialises writes anyway."""
    Centre.objects.select_for_update().filter(pk=centre.pk).first()
    current = Problem.objects.filter(centre=centre).aggregate(top=Max("number"))["top"]
    return (current or 0) + 1


@transaction.atomic
def problems_bulk_create(
    *, centre: Centre, problems: Sequence[Problem], actions: Sequence[Sequence[Action]] = ()
) -> list[Problem]:
    """Insert many unsaved problems (and, per problem, its unsaved actions) for one centre,
    numbering them in order and recording their history, all or nothing."""
    start = _lock_next_number(centre=centre)
    for offset, problem in enumerate(problems):
        problem.centre = centre
        problem.number = start + offset
    created = bulk_create_with_history(list(problems), Problem, batch_size=1000)
    # bulk_create_with_history returns objects without primary keys on some databases;
    # read them back by their unique numbers.
    by_number = {
        p.number: p
        for p in Problem.objects.filter(centre=centre, number__gte=start).only("id", "number")
    }
    flat_actions: list[Action] = []
    for problem, problem_actions in zip(problems, actions, strict=False):
        problem.pk = by_number[problem.number].pk
        for action in problem_actions:
            action.problem_id = problem.pk
            flat_actions.append(action)
    if flat_actions:
        bulk_create_with_history(flat_actions, Action, batch_size=1000)
    return created
