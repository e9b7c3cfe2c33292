"""The queue of suggested repeated problems: what a learner or a manager may confirm or
dismiss."""

from __future__ import annotations

from django.db.models import Count, Prefetch
from django.http import Http404

from accounts.models import Role, User
from accounts.selectors import user_centre_ids
from analytics.models import CandidateIncident, RecurringCandidate
from complaints.models import Problem


def candidates_for_learner(*, learner: User) -> list[RecurringCandidate]:
    """Proposed candidates holding any of the learner's own problems, newest first, each with
    ``mine``: only the learner's incidents in it (a candidate may span colleagues' logs,
    which the learner may not read)."""
    mine = Problem.objects.filter(learner=learner).order_by("received_at", "pk")
    return list(
        RecurringCandidate.objects.filter(
            status=RecurringCandidate.Status.PROPOSED,
            pk__in=CandidateIncident.objects.filter(problem__learner=learner).values(
                "candidate_id"
            ),
        )
        .prefetch_related(Prefetch("incidents", queryset=mine, to_attr="mine"))
        .order_by("-last_at", "-pk")
    )


def candidate_for_learner(*, learner: User, pk: int) -> RecurringCandidate:
    """A proposed candidate holding some of the learner's problems; 404 otherwise."""
    candidate = _learner_candidate(learner, pk).first()
    if candidate is None:
        raise Http404("No such suggestion for you.")
    return candidate


def _learner_candidate(learner: User, pk: int):
    return RecurringCandidate.objects.filter(
        pk=pk,
        status=RecurringCandidate.Status.PROPOSED,
        pk__in=CandidateIncident.objects.filter(problem__learner=learner).values("candidate_id"),
    ).prefetch_related(
        Prefetch(
            "incidents",
            queryset=Problem.objects.filter(learner=learner).order_by("received_at", "pk"),
            to_attr="mine",
        )
    )


def candidate_for_manager(*, user: User, pk: int) -> RecurringCandidate | None:
    """A proposed candidate of a centre the user manages, or None."""
    managed = user_centre_ids(user=user, role=Role.MANAGER)
    if not managed:
        return None
    return (
        RecurringCandidate.objects.filter(
            pk=pk, centre_id__in=managed, status=RecurringCandidate.Status.PROPOSED
        )
        .select_related("centre")
        .first()
    )


def candidates_with_learners(candidates: list[RecurringCandidate]) -> list[RecurringCandidate]:
    """Set ``learners`` on each candidate: (learner, incidents in their log) largest first,
    and ``confirmable``: those with the three incidents a repeated problem needs. One query."""
    rows = (
        CandidateIncident.objects.filter(candidate__in=candidates)
        .values("candidate_id", "problem__learner_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    users = User.objects.in_bulk({row["problem__learner_id"] for row in rows})
    by_candidate: dict[int, list[tuple[User, int]]] = {}
    for row in rows:
        user = users[row["problem__learner_id"]]
        by_candidate.setdefault(row["candidate_id"], []).append((user, row["n"]))
    for candidate in candidates:
        learners = sorted(
            by_candidate.get(candidate.pk, []), key=lambda pair: (-pair[1], pair[0].display_name)
        )
        candidate.learners = learners
        candidate.confirmable = [user for user, n in learners if n >= 3]
    return candidates
