"""Reads over the standard and enrolments: who may read whose portfolio."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import Centre, User
from portfolio.models import (
    Element,
    Enrolment,
    Unit,
)


def unit_current(*, code: str) -> Unit | None:
    """The newest loaded version of a unit."""
    return Unit.objects.filter(code=code).order_by("-version").first()


def unit_with_structure(*, unit_id: int) -> Unit:
    """A unit with its elements and outcomes, in two queries."""
    return Unit.objects.prefetch_related(
        Prefetch("elements", queryset=Element.objects.prefetch_related("outcomes"))
    ).get(pk=unit_id)


def enrolments_base() -> QuerySet[Enrolment]:
    return Enrolment.objects.select_related("learner", "assessor", "verifier", "unit", "centre")


def enrolments_for_learner(*, learner: User) -> QuerySet[Enrolment]:
    return enrolments_base().filter(learner=learner)


def enrolments_for_assessor(*, assessor: User) -> QuerySet[Enrolment]:
    return enrolments_base().filter(assessor=assessor)


def enrolments_for_verifier(*, verifier: User) -> QuerySet[Enrolment]:
    return (
        enrolments_base()
        .filter(verifier=verifier)
        .order_by("assessor__username", "learner__username")
    )


def enrolments_for_centre(*, centre: Centre) -> QuerySet[Enrolment]:
    return enrolments_base().filter(centre=centre)


# Evidence ---------------------------------------------------------------------------------


def enrolments_readable_by(*, user: User) -> QuerySet[Enrolment]:
    """Enrolments whose portfolio the user may read: their own, and those they assess or
    internally verify. Managers and centre admins read the problem log, not portfolios."""
    if not user.is_authenticated:
        return Enrolment.objects.none()
    return enrolments_base().filter(Q(learner=user) | Q(assessor=user) | Q(verifier=user))


def enrolment_for_reader(*, user: User, pk: int) -> Enrolment:
    enrolment = enrolments_readable_by(user=user).filter(pk=pk).first()
    if enrolment is None:
        raise Http404("No such portfolio.")
    return enrolment


def enrolment_for_learner(*, user: User, pk: int | None = None) -> Enrolment:
    """One of the user's own enrolments (the newest when pk is not given); 404 if none."""
    enrolments = enrolments_for_learner(learner=user).order_by("-started_on", "-pk")
    enrolment = (enrolments.filter(pk=pk) if pk else enrolments).first()
    if enrolment is None:
        raise Http404("You have no portfolio here.")
    return enrolment
