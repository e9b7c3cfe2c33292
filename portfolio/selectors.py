"""Reads over the standard and enrolments."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accounts.models import Centre, User
from portfolio.models import Element, Enrolment, Unit


def unit_current(*, code: str) -> Unit | None:
    """The newest loaded version of a unit."""
    return Unit.objects.filter(code=code).order_by("-version").first()


def unit_with_structure(*, unit_id: int) -> Unit:
    """A unit with its elements and outcomes, in two queries."""
    return Unit.objects.prefetch_related(
        Prefetch("elements", queryset=Element.objects.prefetch_related("outcomes"))
    ).get(pk=unit_id)


def _enrolments() -> QuerySet[Enrolment]:
    return Enrolment.objects.select_related("learner", "assessor", "verifier", "unit", "centre")


def enrolments_for_learner(*, learner: User) -> QuerySet[Enrolment]:
    return _enrolments().filter(learner=learner)


def enrolments_for_assessor(*, assessor: User) -> QuerySet[Enrolment]:
    return _enrolments().filter(assessor=assessor)


def enrolments_for_verifier(*, verifier: User) -> QuerySet[Enrolment]:
    return (
        _enrolments().filter(verifier=verifier).order_by("assessor__username", "learner__username")
    )


def enrolments_for_centre(*, centre: Centre) -> QuerySet[Enrolment]:
    return _enrolments().filter(centre=centre)
