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


@pytest.fixture
def submitted(enrolment, problem):
    """EI 1, an observation linked to the learner's problem, claiming 1.1 and 1.2 (and a
    knowledge item), submitted to the assessor."""
    from portfolio.services import evidence_create, evidence_submit, mapping_save

    unit = enrolment.unit
    item = evidence_create(
        enrolment=enrolment,
        by=enrolment.learner,
        evidence_type=unit.evidence_types.get(code="O"),
        title="Observed handling a billing complaint",
        narrative="My assessor watched me take a call about a double charge.",
        problems=[problem],
    )
    mapping_save(
        item=item,
        by=enrolment.learner,
        outcomes=list(unit.outcomes.filter(code__in=["1.1", "1.2"])),
        knowledge_items=list(unit.knowledge_items.filter(code="1")),
        range_items=[],
    )
    return evidence_submit(item=item, by=enrolment.learner)


@pytest.fixture
def assessed(submitted):
    """The submitted item with both outcomes decided competent."""
    from portfolio.services.assessment import Decision, evidence_assess

    outcomes = submitted.enrolment.unit.outcomes.filter(code__in=["1.1", "1.2"])
    return evidence_assess(
        item=submitted,
        by=submitted.enrolment.assessor,
        decisions=[Decision(o, "competent", "Clear and calm.") for o in outcomes],
    )


@pytest.fixture
def signature(assessed):
    """The assessor's signature on outcome 1.1 of the assessed item, which locks it."""
    from django.utils import timezone

    from portfolio.services.signing import decision_sign

    decision = assessed.decisions.get(outcome__code="1.1")
    return decision_sign(
        decision=decision, by=assessed.enrolment.assessor, reauthenticated_at=timezone.now()
    )


@pytest.fixture
def element_signed(enrolment, problem):
    """Element 1 of the learner's unit with every outcome decided competent on EI 1 and
    each outcome signed by the assessor. Returns the element."""
    from django.utils import timezone

    from portfolio.services import (
        Decision,
        decision_sign,
        evidence_assess,
        evidence_create,
        evidence_submit,
        mapping_save,
    )

    unit = enrolment.unit
    element = unit.elements.get(number=1)
    outcomes = list(element.outcomes.all())
    item = evidence_create(
        enrolment=enrolment,
        by=enrolment.learner,
        evidence_type=unit.evidence_types.get(code="O"),
        title="Observed handling a billing complaint",
        narrative="My assessor watched me take a call about a double charge.",
        problems=[problem],
    )
    mapping_save(
        item=item, by=enrolment.learner, outcomes=outcomes, knowledge_items=[], range_items=[]
    )
    evidence_submit(item=item, by=enrolment.learner)
    evidence_assess(
        item=item,
        by=enrolment.assessor,
        decisions=[Decision(o, "competent", "Clear.") for o in outcomes],
    )
    for decision in item.decisions.all():
        decision_sign(decision=decision, by=enrolment.assessor, reauthenticated_at=timezone.now())
    return element


@pytest.fixture
def knowledge_covered(enrolment, evidence_type):
    """Every knowledge item (item 2 by its aspects) confirmed on EI 9, a personal statement,
    and the assessor's feedback written: the knowledge record is ready for the candidate."""
    from portfolio.models import EvidenceKnowledge
    from portfolio.services import knowledge_record_feedback_save

    item = EvidenceItemFactory(enrolment=enrolment, ei=9, evidence_type=evidence_type("P"))
    for k in enrolment.unit.knowledge_items.filter(aspects__isnull=True):
        EvidenceKnowledge.objects.create(evidence=item, knowledge_item=k, confirmed=True)
    knowledge_record_feedback_save(
        enrolment=enrolment, by=enrolment.assessor, feedback="Sound knowledge of the law."
    )
    return item
