"""Portfolio personas: the learner is enrolled on the real unit F6, and a second assessor
assesses the other learner, so "an assessor, but not this learner's" can be tested."""

import pytest

from accounts.models import Role
from portfolio.standard import DEFAULT_UNIT_PATH, standard_load
from tests.accounts.factories import member
from tests.portfolio.factories import EnrolmentFactory, EvidenceItemFactory


@pytest.fixture
def f6(db):
    return standard_load(path=DEFAULT_UNIT_PATH)


@pytest.fixture
def enrolment(f6, centre, learner, assessor, verifier):
    return EnrolmentFactory(
        centre=centre, learner=learner, unit=f6, assessor=assessor, verifier=verifier
    )


@pytest.fixture
def other_assessor(centre):
    return member(centre=centre, role=Role.ASSESSOR, username="otto")


@pytest.fixture
def other_enrolment(f6, centre, other_learner, other_assessor, verifier):
    return EnrolmentFactory(
        centre=centre, learner=other_learner, unit=f6, assessor=other_assessor, verifier=verifier
    )


@pytest.fixture
def evidence_type(f6):
    def get(code):
        return f6.evidence_types.get(code=code)

    return get


@pytest.fixture
def item(enrolment):
    return EvidenceItemFactory(enrolment=enrolment, ei=1)
