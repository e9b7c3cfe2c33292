"""Writes on the engine's repeated-problem candidates: a learner or manager confirms one into
a repeated problem (element 2) or dismisses it with a reason. A dismissed candidate stays
dismissed: the engine's passes keep its status (services/store.py)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import User
from analytics.models import RecurringCandidate
from complaints.models import IdentifiedHow, Problem, RepeatedProblem
from complaints.repeated import repeated_problem_create


def _claim(candidate: RecurringCandidate) -> RecurringCandidate:
    """Lock the candidate and check it is still proposed: a second click (or a manager and
    the learner at once) waits here, then is refused."""
    locked = RecurringCandidate.objects.select_for_update().get(pk=candidate.pk)
    if locked.status != RecurringCandidate.Status.PROPOSED:
        raise ValidationError(
            f"This suggestion has already been {locked.get_status_display().lower()}."
        )
    return locked


@transaction.atomic
def candidate_dismiss(
    *, candidate: RecurringCandidate, by: User, reason: str
) -> RecurringCandidate:
    """Dismiss a suggestion as not a repeated problem, saying why; it is not proposed again."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why this is not a repeated problem."})
    locked = _claim(candidate)
    locked.status = RecurringCandidate.Status.DISMISSED
    locked.dismissed_reason = reason.strip()
    locked.dismissed_by = by
    locked.dismissed_at = timezone.now()
    locked.save(
        update_fields=["status", "dismissed_reason", "dismissed_by", "dismissed_at", "updated_at"]
    )
    return locked


def candidate_incidents_of(*, candidate: RecurringCandidate, learner: User) -> list[Problem]:
    return list(
        candidate.incidents.filter(learner=learner)
        .select_related("centre")
        .order_by("received_at", "pk")
    )


@transaction.atomic
def candidate_confirm(*, candidate: RecurringCandidate, by: User, learner: User) -> RepeatedProblem:
    """Confirm a suggestion as the learner's repeated problem: a record made of the learner's
    own incidents in it (three or more), titled from the words they share. ``by`` is the
    learner, or a manager confirming it with them."""
    locked = _claim(candidate)
    incidents = candidate_incidents_of(candidate=locked, learner=learner)
    if len(incidents) < RepeatedProblem.MIN_INCIDENTS:
        raise ValidationError(
            f"Only {len(incidents)} of these incidents are in {learner.display_name}'s log; "
            "a repeated problem needs three or more."
        )
    record = repeated_problem_create(
        learner=learner,
        centre=locked.centre,
        incidents=incidents,
        title=candidate_title(candidate=locked),
        pattern=_pattern(locked, incidents),
        identified_how=(
            IdentifiedHow.INDIVIDUALLY if by.pk == learner.pk else IdentifiedHow.WITH_COLLEAGUES
        ),
        identified_with="" if by.pk == learner.pk else f"{by.display_name} (manager)",
        shared_words=locked.shared_words,
        source_candidate_id=locked.pk,
    )
    locked.status = RecurringCandidate.Status.CONFIRMED
    locked.save(update_fields=["status", "updated_at"])
    return record


def candidate_title(*, candidate: RecurringCandidate) -> str:
    words = ", ".join(candidate.shared_words[:3])
    title = f"{candidate.product}: {words}" if words else candidate.product
    return title[:200]


def _pattern(candidate: RecurringCandidate, incidents: list[Problem]) -> str:
    first = date_format(timezone.localtime(incidents[0].received_at), "j M Y")
    last = date_format(timezone.localtime(incidents[-1].received_at), "j M Y")
    category = incidents[0].get_category_display().lower()
    return (
        f"{len(incidents)} similar problems about {candidate.product} ({category}) "
        f"between {first} and {last}."
    )
