"""Reads over the problem log, always scoped to what the asking user may see."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from accounts.models import Centre, Membership, Role, User
from complaints.models import OPEN_STATUSES, Category, Problem, Status


def problems_visible_to(*, user: User) -> QuerySet[Problem]:
    """Problems a user may read: their own; their learners' at the centre where they assess
    or verify them; every problem of a centre they manage. Everyone else sees none."""
    if not user.is_authenticated:
        return Problem.objects.none()
    visible = Q(learner=user)
    managed = list(
        Membership.objects.filter(user=user, role=Role.MANAGER).values_list("centre_id", flat=True)
    )
    if managed:
        visible |= Q(centre_id__in=managed)
    # Enrolments are the portfolio's; they are reached through the user's reverse relations
    # so this app does not import portfolio. The pairs are few (an assessor's caseload).
    pairs = set(user.assessed_enrolments.values_list("learner_id", "centre_id"))
    pairs |= set(user.verified_enrolments.values_list("learner_id", "centre_id"))
    for learner_id, centre_id in pairs:
        visible |= Q(learner_id=learner_id, centre_id=centre_id)
    return Problem.objects.filter(visible)


def open_problems_for_learner(*, learner: User, limit: int = 10) -> QuerySet[Problem]:
    return (
        Problem.objects.filter(learner=learner, status__in=OPEN_STATUSES)
        .select_related("centre")
        .order_by("received_at")[:limit]
    )


def problem_counts_for_learners(*, learner_ids: list[int]) -> dict[int, dict[str, int]]:
    """Total and open problem counts per learner, in one query."""
    rows = (
        Problem.objects.filter(learner_id__in=learner_ids)
        .values("learner_id")
        .annotate(total=Count("id"), open=Count("id", filter=Q(status__in=OPEN_STATUSES)))
    )
    return {row["learner_id"]: {"total": row["total"], "open": row["open"]} for row in rows}


def centre_problem_summary(*, centre: Centre) -> dict:
    """Headline counts for a centre's manager: totals, and (value, label, count) rows by
    status and by category, largest first."""
    problems = Problem.objects.filter(centre=centre)
    by_status = dict(problems.values_list("status").annotate(n=Count("id")).order_by())
    by_category = dict(problems.values_list("category").annotate(n=Count("id")).order_by())
    return {
        "total": sum(by_status.values()),
        "open": sum(n for status, n in by_status.items() if status in OPEN_STATUSES),
        "by_status": _labelled(by_status, Status),
        "by_category": _labelled(by_category, Category),
    }


def _labelled(counts: dict[str, int], choices) -> list[tuple[str, str, int]]:
    labels = dict(choices.choices)
    rows = [(value, labels.get(value, value), n) for value, n in counts.items()]
    return sorted(rows, key=lambda row: (-row[2], row[1]))
