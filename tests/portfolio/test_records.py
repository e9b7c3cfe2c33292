"""Element records (the assessor signs once every outcome is signed, which locks it; the
candidate countersigns) and the knowledge record (the assessor's feedback, then candidate,
assessor, internal verifier in turn; locked from the candidate's signature)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, InternalError, connection, transaction
from django.utils import timezone

from portfolio.models import ElementRecord, KnowledgeRecord, Signature
from portfolio.services import (
    ReauthRequired,
    element_record_countersign,
    element_record_sign,
    evidence_unlock,
    knowledge_record_feedback_save,
    knowledge_record_sign,
    signature_verify,
)

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the lock triggers exist only on PostgreSQL"
)


def sign_element(element, enrolment, by=None, feedback="Consistently calm and thorough."):
    return element_record_sign(
        enrolment=enrolment,
        element=element,
        by=by or enrolment.assessor,
        feedback=feedback,
        comments="Well referenced.",
        reauthenticated_at=timezone.now(),
    )


def sign_knowledge(enrolment, by):
    return knowledge_record_sign(enrolment=enrolment, by=by, reauthenticated_at=timezone.now())


# Element records ----------------------------------------------------------------------------


def test_the_assessor_signs_an_element_once_every_outcome_is_signed_which_locks_it(
    element_signed, enrolment
):
    signature = sign_element(element_signed, enrolment)
    record = ElementRecord.objects.get(enrolment=enrolment, element=element_signed)
    assert signature.subject == record
    assert signature.role == Signature.Role.ASSESSOR
    assert record.feedback == "Consistently calm and thorough."
    assert record.decision_signatures.count() == element_signed.outcomes.count()
    assert signature_verify(signature=signature).is_valid
    assert '"feedback"' in signature.content
    assert "1.7" in signature.content
    assert record.locked_at == signature.signed_at


def test_signing_an_element_before_every_outcome_is_signed_lists_what_is_missing(
    signature, enrolment
):
    element = enrolment.unit.elements.get(number=1)
    with pytest.raises(ValidationError) as exc:
        sign_element(element, enrolment)
    message = " ".join(exc.value.messages)
    assert "Element 1 cannot be signed yet" in message
    assert "1.2, 1.3, 1.4, 1.5, 1.6, 1.7 have no signed competent decision" in message
    assert "1.1" not in message.split("outcomes")[1]
    assert not Signature.objects.filter(role="assessor", subject_id__isnull=False).exclude(
        pk=signature.pk
    )


def test_only_the_learners_assessor_signs_an_element_with_feedback_and_a_fresh_password(
    element_signed, enrolment, other_assessor, learner, verifier
):
    for someone in (other_assessor, learner, verifier):
        with pytest.raises(ValidationError, match="Only the learner's assessor"):
            sign_element(element_signed, enrolment, by=someone)
    with pytest.raises(ValidationError, match="feedback"):
        sign_element(element_signed, enrolment, feedback="  ")
    with pytest.raises(ReauthRequired):
        element_record_sign(
            enrolment=enrolment,
            element=element_signed,
            by=enrolment.assessor,
            feedback="Good.",
            reauthenticated_at=timezone.now() - timezone.timedelta(minutes=6),
        )
    sign_element(element_signed, enrolment)
    with pytest.raises(ValidationError, match="already signed"):
        sign_element(element_signed, enrolment)


def test_the_learner_countersigns_the_signed_record(
    element_signed, enrolment, learner, assessor, other_learner
):
    sign_element(element_signed, enrolment)
    record = ElementRecord.objects.get(enrolment=enrolment, element=element_signed)
    for someone in (assessor, other_learner):
        with pytest.raises(ValidationError, match="Only the learner countersigns"):
            element_record_countersign(record=record, by=someone, reauthenticated_at=timezone.now())
    signature = element_record_countersign(
        record=record, by=learner, reauthenticated_at=timezone.now()
    )
    record.refresh_from_db()
    assert signature.role == Signature.Role.LEARNER
    assert "my own work" in signature.statement
    assert record.is_locked
    assert signature_verify(signature=signature).is_valid
    with pytest.raises(ValidationError, match="already countersigned"):
        element_record_countersign(record=record, by=learner, reauthenticated_at=timezone.now())


def test_nothing_to_countersign_before_the_assessor_signs(element_signed, enrolment, learner):
    record = ElementRecord.objects.create(enrolment=enrolment, element=element_signed)
    with pytest.raises(ValidationError, match="has not signed"):
        element_record_countersign(record=record, by=learner, reauthenticated_at=timezone.now())
    with pytest.raises(ReauthRequired):
        element_record_countersign(record=record, by=learner, reauthenticated_at=None)


def test_changing_a_signed_element_record_makes_its_signatures_not_valid(
    element_signed, enrolment, learner
):
    assessor_signature = sign_element(element_signed, enrolment)
    record = ElementRecord.objects.get(enrolment=enrolment, element=element_signed)
    learner_signature = element_record_countersign(
        record=record, by=learner, reauthenticated_at=timezone.now()
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT set_config('casebook.unlock_record', %s, true)",
                [f"portfolio_elementrecord:{record.pk}"],
            )
        cursor.execute(
            "UPDATE portfolio_elementrecord SET feedback = 'changed' WHERE id = %s", [record.pk]
        )
    for s in (assessor_signature, learner_signature):
        s.refresh_from_db()
        assert signature_verify(signature=s).state == "not valid"


def test_verify_signatures_covers_element_and_knowledge_records(
    element_signed, knowledge_covered, enrolment, learner, capsys
):
    sign_element(element_signed, enrolment)
    record = ElementRecord.objects.get(enrolment=enrolment, element=element_signed)
    element_record_countersign(record=record, by=learner, reauthenticated_at=timezone.now())
    sign_knowledge(enrolment, learner)
    call_command("verify_signatures")
    out = capsys.readouterr().out
    assert "I confirm the evidence is my own work" in out
    assert "every outcome of element 1" in out
    assert enrolment.unit.knowledge_declaration in out
    assert "0 not valid" in out


@postgresql_only
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE portfolio_elementrecord SET comments = 'changed' WHERE id = %s",
        "DELETE FROM portfolio_elementrecord WHERE id = %s",
        "DELETE FROM portfolio_elementrecord_decision_signatures WHERE elementrecord_id = %s",
    ],
)
def test_the_database_refuses_to_change_a_countersigned_element_record(
    element_signed, enrolment, learner, sql
):
    sign_element(element_signed, enrolment)
    record = ElementRecord.objects.get(enrolment=enrolment, element=element_signed)
    element_record_countersign(record=record, by=learner, reauthenticated_at=timezone.now())
    with (
        pytest.raises((InternalError, IntegrityError), match="signed and locked"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [record.pk])


@postgresql_only
def test_the_database_refuses_to_change_a_record_the_assessor_has_signed_before_countersigning(
    element_signed, enrolment
):
    sign_element(element_signed, enrolment)
    record = ElementRecord.objects.get(enrolment=enrolment, element=element_signed)
    with (
        pytest.raises((InternalError, IntegrityError), match="signed and locked"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE portfolio_elementrecord SET comments = 'x' WHERE id = %s", [record.pk]
        )


def test_unlocking_evidence_voids_the_outcome_signatures_an_element_record_rests_on(
    element_signed, enrolment, centre_admin
):
    signature = sign_element(element_signed, enrolment)
    record = ElementRecord.objects.get(enrolment=enrolment, element=element_signed)
    item = enrolment.evidence_items.get()
    unlock = evidence_unlock(
        item=item, by=centre_admin, reason="The wrong call recording was attached."
    )
    # Every outcome signature it rests on is void, and so is the record's own signature:
    # the record unlocks with the evidence, and the unlock lists what it voided.
    assert all(s.is_void for s in record.decision_signatures.all())
    signature.refresh_from_db()
    assert signature.is_void
    assert signature_verify(signature=signature).state == "void"
    record.refresh_from_db()
    assert record.locked_at is None
    assert signature in unlock.voided.all()


def test_unlocking_evidence_unlocks_a_countersigned_element_record_and_voids_both_signatures(
    element_signed, enrolment, centre_admin, learner
):
    """On PostgreSQL this also passes the records' lock trigger, through the unlock's own
    bypass for that record only."""
    assessor_signature = sign_element(element_signed, enrolment)
    record = ElementRecord.objects.get(enrolment=enrolment, element=element_signed)
    countersignature = element_record_countersign(
        record=record, by=learner, reauthenticated_at=timezone.now()
    )
    item = enrolment.evidence_items.get()
    evidence_unlock(item=item, by=centre_admin, reason="The wrong call recording was attached.")
    record.refresh_from_db()
    assert record.locked_at is None
    for signature in (assessor_signature, countersignature):
        signature.refresh_from_db()
        assert signature.is_void
        assert "EI" in signature.void_reason


# The knowledge record -----------------------------------------------------------------------


def test_the_knowledge_record_is_signed_candidate_then_assessor_then_verifier(
    knowledge_covered, enrolment, learner, assessor, verifier
):
    with pytest.raises(ValidationError, match="the candidate must sign first"):
        sign_knowledge(enrolment, assessor)
    with pytest.raises(ValidationError, match="the candidate and the assessor must sign first"):
        sign_knowledge(enrolment, verifier)
    first = sign_knowledge(enrolment, learner)
    with pytest.raises(ValidationError, match="already signed"):
        sign_knowledge(enrolment, learner)
    with pytest.raises(ValidationError, match="the assessor must sign first"):
        sign_knowledge(enrolment, verifier)
    second = sign_knowledge(enrolment, assessor)
    third = sign_knowledge(enrolment, verifier)
    record = KnowledgeRecord.objects.get(enrolment=enrolment)
    assert [s.role for s in (first, second, third)] == ["learner", "assessor", "verifier"]
    assert {s.statement for s in (first, second, third)} == {enrolment.unit.knowledge_declaration}
    assert record.locked_at == first.signed_at
    assert '"feedback":{"t":"str","v":"Sound knowledge of the law."}' in first.content
    assert record.evidence["1"] == [9]
    assert record.evidence["2.i"] == [9]
    assert all(signature_verify(signature=s).is_valid for s in (first, second, third))


def test_the_knowledge_record_needs_every_item_covered(enrolment, learner, submitted):
    with pytest.raises(ValidationError) as exc:
        sign_knowledge(enrolment, learner)
    message = " ".join(exc.value.messages)
    assert "no confirmed evidence shows knowledge items a, b" in message
    assert " 1," not in message  # EI 1 shows item 1


def test_only_the_three_sign_the_knowledge_record(knowledge_covered, enrolment, other_assessor):
    with pytest.raises(ValidationError, match="Only the learner, their assessor"):
        sign_knowledge(enrolment, other_assessor)


@postgresql_only
def test_the_database_refuses_to_change_the_knowledge_record_once_the_candidate_signed(
    knowledge_covered, enrolment, learner
):
    sign_knowledge(enrolment, learner)
    record = KnowledgeRecord.objects.get(enrolment=enrolment)
    with (
        pytest.raises((InternalError, IntegrityError), match="signed and locked"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE portfolio_knowledgerecord SET evidence = '{}' WHERE id = %s", [record.pk]
        )


def test_the_candidate_signs_the_knowledge_record_only_after_the_assessors_feedback(
    knowledge_covered, enrolment, learner
):
    KnowledgeRecord.objects.filter(enrolment=enrolment).update(feedback="")
    with pytest.raises(ValidationError, match="has not written their feedback"):
        sign_knowledge(enrolment, learner)
    assert not Signature.objects.filter(role="learner").exists()


def test_only_the_assessor_writes_the_knowledge_feedback_and_only_before_signing(
    knowledge_covered, enrolment, learner, verifier, other_assessor
):
    for someone in (learner, verifier, other_assessor):
        with pytest.raises(ValidationError, match="Only the learner's assessor"):
            knowledge_record_feedback_save(enrolment=enrolment, by=someone, feedback="Good.")
    with pytest.raises(ValidationError, match="Write your feedback"):
        knowledge_record_feedback_save(enrolment=enrolment, by=enrolment.assessor, feedback=" ")
    knowledge_record_feedback_save(
        enrolment=enrolment, by=enrolment.assessor, feedback="  Clear on data protection.  "
    )
    assert KnowledgeRecord.objects.get(enrolment=enrolment).feedback == "Clear on data protection."
    sign_knowledge(enrolment, learner)
    with pytest.raises(ValidationError, match="signed: its feedback can no longer change"):
        knowledge_record_feedback_save(
            enrolment=enrolment, by=enrolment.assessor, feedback="Changed afterwards."
        )
    assert KnowledgeRecord.objects.get(enrolment=enrolment).feedback == "Clear on data protection."
