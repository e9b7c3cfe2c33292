"""Signatures: asked for with the password, over canonical content, locking what they
cover (in the services and, on PostgreSQL, in the database), verified, voided on unlock."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, InternalError, connection, transaction
from django.utils import timezone

from portfolio.models import EvidenceItem, EvidenceUnlock, Signature
from portfolio.services import attachment_remove, evidence_update, mapping_save
from portfolio.services.signing import (
    ReauthRequired,
    decision_sign,
    evidence_unlock,
    reauth_confirm,
    reauth_is_fresh,
    signature_verify,
)
from tests.portfolio.factories import sample_pdf

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the lock triggers exist only on PostgreSQL"
)


def tamper(sql, params):
    """Change the database behind Casebook's back, the way someone with database access
    would: with the trigger's bypass set by hand where there is a trigger."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('casebook.unlock', %s, true)", [str(params[-1])])
        cursor.execute(sql, params)


# Re-authentication ---------------------------------------------------------------------------


def test_the_password_is_confirmed_for_five_minutes(client, assessor):
    session = {}
    assert not reauth_confirm(user=assessor, password="wrong", session=session)
    assert "casebook_reauth_at" not in session
    assessor.set_password("right-password")
    assert reauth_confirm(user=assessor, password="right-password", session=session)
    now = timezone.now()
    at = datetime.datetime.fromtimestamp(session["casebook_reauth_at"], tz=datetime.UTC)
    assert reauth_is_fresh(at=at, now=now + datetime.timedelta(minutes=4, seconds=59))
    assert not reauth_is_fresh(at=at, now=now + datetime.timedelta(minutes=5, seconds=1))
    assert not reauth_is_fresh(at=None)


def test_signing_without_a_fresh_password_is_refused(assessed, assessor):
    decision = assessed.decisions.get(outcome__code="1.1")
    stale = timezone.now() - datetime.timedelta(minutes=6)
    for at in (None, stale):
        with pytest.raises(ReauthRequired, match="Confirm your password"):
            decision_sign(decision=decision, by=assessor, reauthenticated_at=at)
    assert not Signature.objects.exists()


# Signing and locking -------------------------------------------------------------------------


def test_signing_an_outcome_locks_its_evidence_and_is_valid(signature, assessed):
    item = EvidenceItem.objects.get(pk=assessed.pk)
    assert item.is_locked
    assert signature.role == "assessor"
    assert "competence in outcome 1.1" in signature.statement
    assert signature_verify(signature=signature).state == "valid"


def test_only_the_learners_assessor_signs(assessed, other_assessor, verifier):
    decision = assessed.decisions.get(outcome__code="1.1")
    for who in (other_assessor, verifier, assessed.enrolment.learner):
        with pytest.raises(ValidationError, match="Only the learner's assessor"):
            decision_sign(decision=decision, by=who, reauthenticated_at=timezone.now())


def test_an_outcome_is_signed_once(signature, assessed, assessor):
    with pytest.raises(ValidationError, match="already signed"):
        decision_sign(
            decision=assessed.decisions.get(outcome__code="1.1"),
            by=assessor,
            reauthenticated_at=timezone.now(),
        )


def test_a_not_yet_decision_cannot_be_signed(submitted, assessor):
    from tests.portfolio.test_assessment import decide

    decide(submitted, assessor, {"1.1": ("competent", ""), "1.2": ("not_yet", "More.")})
    with pytest.raises(ValidationError):
        decision_sign(
            decision=submitted.decisions.get(outcome__code="1.2"),
            by=assessor,
            reauthenticated_at=timezone.now(),
        )


def test_the_services_refuse_to_change_signed_evidence(signature, assessed, learner, f6):
    with pytest.raises(ValidationError, match="signed and locked"):
        evidence_update(item=assessed, by=learner, title="Changed")
    with pytest.raises(ValidationError, match="signed and locked"):
        mapping_save(item=assessed, by=learner, outcomes=[], knowledge_items=[], range_items=[])


def test_the_services_refuse_to_remove_a_file_from_signed_evidence(
    submitted, assessor, learner, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portfolio.services import attachment_add, evidence_submit
    from tests.portfolio.test_assessment import decide

    settings.PRIVATE_STORAGE_ROOT = tmp_path
    decide(
        submitted, assessor, {"1.1": ("not_yet", "Attach the e-mail."), "1.2": ("competent", "")}
    )
    attachment = attachment_add(
        item=submitted, by=learner, upload=SimpleUploadedFile("reply.pdf", sample_pdf())
    )
    evidence_submit(item=submitted, by=learner)
    decide(submitted, assessor, {"1.1": ("competent", ""), "1.2": ("competent", "")})
    decision_sign(
        decision=submitted.decisions.filter(outcome__code="1.1").first(),
        by=assessor,
        reauthenticated_at=timezone.now(),
    )
    with pytest.raises(ValidationError, match="signed and locked"):
        attachment_remove(attachment=attachment, by=learner)


@postgresql_only
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE portfolio_evidenceitem SET narrative = 'changed' WHERE id = %s",
        "DELETE FROM portfolio_evidenceitem WHERE id = %s",
        "DELETE FROM portfolio_evidenceoutcome WHERE evidence_id = %s",
        "UPDATE portfolio_evidenceknowledge SET confirmed = false WHERE evidence_id = %s",
        "DELETE FROM portfolio_evidenceitem_problems WHERE evidenceitem_id = %s",
        "DELETE FROM portfolio_outcomedecision WHERE evidence_id = %s",
    ],
)
def test_the_database_refuses_to_change_signed_evidence(signature, assessed, sql):
    with (
        pytest.raises((InternalError, IntegrityError), match="signed and locked"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [assessed.pk])


@postgresql_only
def test_the_database_refuses_to_add_a_claim_to_signed_evidence(signature, assessed, f6):
    outcome = f6.outcomes.get(code="1.3")
    with (
        pytest.raises((InternalError, IntegrityError), match="signed and locked"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO portfolio_evidenceoutcome (evidence_id, outcome_id, confirmed,"
            " suggestion, created_at) VALUES (%s, %s, true, '', now())",
            [assessed.pk, outcome.pk],
        )


@postgresql_only
def test_the_database_never_deletes_or_rewrites_a_signature(signature):
    for sql in (
        "DELETE FROM portfolio_signature WHERE id = %s",
        "UPDATE portfolio_signature SET content_sha256 = 'x' WHERE id = %s",
    ):
        with (
            pytest.raises((InternalError, IntegrityError), match="signature"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [signature.pk])


# Verifying -----------------------------------------------------------------------------------


def test_changing_signed_content_behind_the_apps_back_makes_the_signature_not_valid(
    signature, assessed
):
    tamper("UPDATE portfolio_evidenceitem SET narrative = 'rewritten' WHERE id = %s", [assessed.pk])
    result = signature_verify(signature=Signature.objects.get(pk=signature.pk))
    assert result.state == "not valid"


def test_changing_a_linked_problem_makes_the_signature_not_valid(signature, assessed):
    tamper("DELETE FROM portfolio_evidenceitem_problems WHERE evidenceitem_id = %s", [assessed.pk])
    assert signature_verify(signature=signature).state == "not valid"


def test_the_command_lists_every_signature_and_fails_on_one_not_valid(signature, assessed):
    out = io.StringIO()
    call_command("verify_signatures", stdout=out)
    assert "valid" in out.getvalue()
    tamper("UPDATE portfolio_evidenceitem SET title = 'rewritten' WHERE id = %s", [assessed.pk])
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 signature"):
        call_command("verify_signatures", "--learner", "lena", stdout=out)
    assert "NOT VALID" in out.getvalue()


def test_the_command_filters_by_learner(signature, other_learner):
    out = io.StringIO()
    call_command("verify_signatures", "--learner", other_learner.username, stdout=out)
    assert "no signatures" in out.getvalue().lower()


# Unlocking -----------------------------------------------------------------------------------


def test_a_centre_admin_unlocks_with_a_reason_and_the_signatures_are_void(
    signature, assessed, centre_admin
):
    unlock = evidence_unlock(
        item=assessed, by=centre_admin, reason="The learner attached the wrong call recording."
    )
    item = EvidenceItem.objects.get(pk=assessed.pk)
    assert not item.is_locked
    assert item.status == EvidenceItem.Status.REFERRED_BACK
    signature.refresh_from_db()
    assert signature.voided_by == centre_admin
    assert signature.void_reason.startswith("The learner attached")
    assert signature_verify(signature=signature).state == "void"
    assert list(unlock.voided.all()) == [signature]
    assert EvidenceUnlock.objects.count() == 1
    evidence_update(item=item, by=item.enrolment.learner, title="Corrected")


def test_unlocking_needs_a_reason_and_a_centre_admin(
    signature, assessed, centre_admin, manager, assessor
):
    with pytest.raises(ValidationError, match="Say why"):
        evidence_unlock(item=assessed, by=centre_admin, reason=" ")
    for who in (manager, assessor):
        with pytest.raises(ValidationError, match="Only a centre admin"):
            evidence_unlock(item=assessed, by=who, reason="A good enough reason here.")
    assert EvidenceItem.objects.get(pk=assessed.pk).is_locked


def test_the_evidence_history_shows_who_locked_it(signature, assessed, assessor):
    latest = EvidenceItem.history.filter(id=assessed.pk).order_by("-history_date").first()
    assert latest.locked_at is not None
    assert latest.history_user == assessor
