"""Writes to enrolments: who is assessed on which unit, by whom."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Centre, Membership, Role, User
from portfolio.models import Enrolment, Unit


def enrolment_validate(*, centre: Centre, learner: User, assessor: User, verifier: User) -> None:
    """Each person must hold the matching role at the enrolment's centre, and the internal
    verifier must not verify their own assessment decisions."""
    errors = {}
    for field, user, role in (
        ("learner", learner, Role.LEARNER),
        ("assessor", assessor, Role.ASSESSOR),
        ("verifier", verifier, Role.VERIFIER),
    ):
        if not Membership.objects.filter(user=user, centre=centre, role=role).exists():
            label = role.label.lower()
            article = "an" if label[0] in "aeiou" else "a"
            errors[field] = f"{user} is not {article} {label} at {centre}."
    if assessor == verifier:
        errors["verifier"] = "The internal verifier must be someone other than the assessor."
    if learner in (assessor, verifier):
        errors["learner"] = "A learner cannot assess or verify their own work."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def enrolment_create(
    *,
    centre: Centre,
    learner: User,
    unit: Unit,
    assessor: User,
    verifier: User,
    started_on: datetime.date,
) -> Enrolment:
    enrolment_validate(centre=centre, learner=learner, assessor=assessor, verifier=verifier)
    if Enrolment.objects.filter(learner=learner, unit=unit).exists():
        raise ValidationError({"learner": f"{learner} is already enrolled on unit {unit.code}."})
    return Enrolment.objects.create(
        centre=centre,
        learner=learner,
        unit=unit,
        assessor=assessor,
        verifier=verifier,
        started_on=started_on,
    )
