"""Enrolments tie a learner to a unit, an assessor and an internal verifier at one centre."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from portfolio.models import Enrolment
from portfolio.services import enrolment_create
from tests.portfolio.factories import UnitFactory

START = datetime.date(2026, 9, 1)


def test_an_enrolment_joins_learner_unit_assessor_and_verifier(centre, learner, assessor, verifier):
    unit = UnitFactory()
    enrolment = enrolment_create(
        centre=centre,
        learner=learner,
        unit=unit,
        assessor=assessor,
        verifier=verifier,
        started_on=START,
    )
    assert (enrolment.learner, enrolment.assessor, enrolment.verifier) == (
        learner,
        assessor,
        verifier,
    )


def test_an_assessor_from_another_centre_cannot_be_assigned(
    centre, learner, verifier, other_centre_assessor
):
    with pytest.raises(ValidationError) as excinfo:
        enrolment_create(
            centre=centre,
            learner=learner,
            unit=UnitFactory(),
            assessor=other_centre_assessor,
            verifier=verifier,
            started_on=START,
        )
    assert f"{other_centre_assessor} is not an assessor at {centre}." in str(excinfo.value)
    assert not Enrolment.objects.exists()


def test_the_verifier_must_be_someone_other_than_the_assessor(centre, learner, assessor):
    from accounts.models import Role
    from accounts.services import membership_grant

    membership_grant(user=assessor, centre=centre, role=Role.VERIFIER)
    with pytest.raises(ValidationError, match="someone other than the assessor"):
        enrolment_create(
            centre=centre,
            learner=learner,
            unit=UnitFactory(),
            assessor=assessor,
            verifier=assessor,
            started_on=START,
        )


def test_a_learner_is_enrolled_on_a_unit_once(enrolment):
    with pytest.raises(ValidationError, match="already enrolled"):
        enrolment_create(
            centre=enrolment.centre,
            learner=enrolment.learner,
            unit=enrolment.unit,
            assessor=enrolment.assessor,
            verifier=enrolment.verifier,
            started_on=START,
        )


def test_a_centre_admin_enrols_a_learner_in_the_admin(
    client, centre_admin, centre, learner, assessor, verifier
):
    unit = UnitFactory()
    client.force_login(centre_admin)
    response = client.post(
        reverse("admin:portfolio_enrolment_add"),
        {
            "centre": centre.pk,
            "learner": learner.pk,
            "unit": unit.pk,
            "assessor": assessor.pk,
            "verifier": verifier.pk,
            "started_on": "2026-09-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Enrolment.objects.filter(learner=learner, unit=unit).exists()


def test_the_admin_refuses_an_enrolment_with_the_wrong_roles(
    client, centre_admin, centre, learner, assessor
):
    client.force_login(centre_admin)
    response = client.post(
        reverse("admin:portfolio_enrolment_add"),
        {
            "centre": centre.pk,
            "learner": learner.pk,
            "unit": UnitFactory().pk,
            "assessor": assessor.pk,
            "verifier": learner.pk,
            "started_on": "2026-09-01",
        },
    )
    assert response.status_code == 200
    assert f"{learner} is not an internal verifier at {centre}." in response.content.decode()
    assert not Enrolment.objects.exists()
