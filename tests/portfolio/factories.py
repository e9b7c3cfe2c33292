import datetime

import factory

from portfolio.models import Enrolment, EvidenceItem, Unit
from tests.accounts.factories import CentreFactory, UserFactory


class UnitFactory(factory.django.DjangoModelFactory):
    """A bare unit for tests that need an enrolment but not the standard's content."""

    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"T{n}")
    version = 1
    title = "Test unit"
    checksum = "0" * 64


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    centre = factory.SubFactory(CentreFactory)
    learner = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    assessor = factory.SubFactory(UserFactory)
    verifier = factory.SubFactory(UserFactory)
    started_on = datetime.date(2026, 1, 5)


class EvidenceItemFactory(factory.django.DjangoModelFactory):
    """A draft observation in an enrolment's portfolio; pass `evidence_type` for another."""

    class Meta:
        model = EvidenceItem

    enrolment = factory.SubFactory(EnrolmentFactory)
    evidence_type = factory.LazyAttribute(lambda e: e.enrolment.unit.evidence_types.get(code="O"))
    ei = factory.Sequence(lambda n: n + 1)
    title = "Observed handling a billing complaint"
    date = datetime.date(2026, 3, 2)
    narrative = "My assessor watched me take a call about a double charge."
