"""Witness testimony: the learner asks by e-mail; the signed link works once, expires, and
stops working when resent or cancelled; the statement, once written, never changes."""

import datetime
import re

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.utils import timezone

from portfolio import services
from portfolio.models import EvidenceItem, WitnessRequest, WitnessStatement
from portfolio.services.witness import TOKEN_SALT, LinkRefused, witness_token
from tests.portfolio.factories import EvidenceItemFactory

SITE = "http://testserver/"


@pytest.fixture
def wt_item(enrolment, evidence_type):
    return EvidenceItemFactory(
        enrolment=enrolment, ei=2, evidence_type=evidence_type("WT"), title="Refund call"
    )


def ask(item, by, **overrides):
    fields = {
        "witness_name": "Sam Lead",
        "witness_role": "Team leader",
        "witness_email": "sam@example.org",
        "prompt": "Describe how I handled the double-charge call on 2 March.",
        **overrides,
    }
    return services.witness_request_create(item=item, by=by, site_url=SITE, **fields)


def link_in(message) -> str:
    return re.search(r"http://testserver(/portfolio/witness/\S+/)", message.body).group(1)


def write(token, **overrides):
    fields = {
        "text": "I sat next to Lena and heard the whole call.",
        "witness_name": "Sam Lead",
        "witness_role": "Team leader",
        "confirmed": True,
        **overrides,
    }
    return services.witness_statement_write(token=token, **fields)


def test_asking_a_witness_emails_them_a_link(learner, wt_item):
    request = ask(wt_item, learner)
    assert request.status == WitnessRequest.Status.SENT
    (message,) = mail.outbox
    assert message.to == ["sam@example.org"]
    assert "Describe how I handled the double-charge call" in message.body
    token = link_in(message).split("/")[-2]
    assert signing.loads(token, salt=TOKEN_SALT) == {"r": request.pk, "n": request.nonce}
    assert request.expires_at - request.sent_at == datetime.timedelta(days=14)


def test_the_link_lasts_the_configured_number_of_days(settings, learner, wt_item):
    settings.CASEBOOK_WITNESS_LINK_DAYS = 3
    request = ask(wt_item, learner)
    assert request.expires_at - request.sent_at == datetime.timedelta(days=3)
    assert "expires in 3 days" in mail.outbox[0].body


def test_only_the_learner_asks(assessor, wt_item):
    with pytest.raises(ValidationError, match="Only the learner"):
        ask(wt_item, assessor)
    assert not WitnessRequest.objects.exists()
    assert mail.outbox == []


def test_only_witness_testimony_takes_a_witness(learner, item):
    with pytest.raises(ValidationError, match="witness testimony"):
        ask(item, learner)


def test_a_submitted_item_takes_no_new_request(learner, wt_item):
    EvidenceItem.objects.filter(pk=wt_item.pk).update(status=EvidenceItem.Status.SUBMITTED)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        ask(wt_item, learner)


def test_the_email_address_is_validated(learner, wt_item):
    with pytest.raises(ValidationError) as caught:
        ask(wt_item, learner, witness_email="sam at example")
    assert "witness_email" in caught.value.message_dict
    assert mail.outbox == []


def test_at_most_three_requests_wait_at_once(learner, wt_item):
    for n in range(3):
        ask(wt_item, learner, witness_email=f"w{n}@example.org")
    with pytest.raises(ValidationError, match="cancel one"):
        ask(wt_item, learner)
    assert WitnessRequest.objects.count() == 3


def test_the_witness_writes_once_and_the_request_is_spent(learner, wt_item):
    request = ask(wt_item, learner)
    statement = write(witness_token(request))
    request.refresh_from_db()
    assert request.status == WitnessRequest.Status.WRITTEN
    assert statement.evidence == wt_item
    assert statement.witness_name == "Sam Lead"
    assert statement.confirmed is True
    assert statement.written_at is not None
    with pytest.raises(LinkRefused, match="already been used") as caught:
        write(witness_token(request), text="Changed my mind")
    assert caught.value.status == 410
    assert WitnessStatement.objects.get().text == "I sat next to Lena and heard the whole call."


def test_the_witness_must_confirm_it_is_a_true_account(learner, wt_item):
    request = ask(wt_item, learner)
    with pytest.raises(ValidationError) as caught:
        write(witness_token(request), confirmed=False)
    assert "confirmed" in caught.value.message_dict
    request.refresh_from_db()
    assert request.status == WitnessRequest.Status.SENT
    assert not WitnessStatement.objects.exists()


def test_a_tampered_link_is_refused_with_400(learner, wt_item):
    request = ask(wt_item, learner)
    token = witness_token(request)
    with pytest.raises(LinkRefused) as caught:
        write(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert caught.value.status == 400
    assert not WitnessStatement.objects.exists()


def test_a_link_signed_for_another_purpose_is_refused(learner, wt_item):
    request = ask(wt_item, learner)
    forged = signing.dumps({"r": request.pk, "n": request.nonce})  # default salt
    with pytest.raises(LinkRefused) as caught:
        write(forged)
    assert caught.value.status == 400


def test_an_expired_link_is_refused_with_410(learner, wt_item, settings):
    request = ask(wt_item, learner)
    token = witness_token(request)
    WitnessRequest.objects.filter(pk=request.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    with pytest.raises(LinkRefused, match="expired") as caught:
        write(token)
    assert caught.value.status == 410
    request.refresh_from_db()
    assert request.state == "expired"


def test_a_link_past_its_signed_age_is_refused_even_if_the_row_says_otherwise(
    learner, wt_item, settings
):
    request = ask(wt_item, learner)
    token = witness_token(request)
    settings.CASEBOOK_WITNESS_LINK_DAYS = -1  # every signature is now too old
    with pytest.raises(LinkRefused, match="expired"):
        write(token)


def test_resending_replaces_the_link(learner, wt_item):
    request = ask(wt_item, learner)
    old = witness_token(request)
    request = services.witness_request_resend(request=request, by=learner, site_url=SITE)
    assert len(mail.outbox) == 2
    assert request.send_count == 2
    with pytest.raises(LinkRefused, match="replaced by a newer one") as caught:
        write(old)
    assert caught.value.status == 410
    write(link_in(mail.outbox[1]).split("/")[-2])
    assert WitnessStatement.objects.count() == 1


def test_resending_revives_an_expired_request(learner, wt_item):
    request = ask(wt_item, learner)
    WitnessRequest.objects.filter(pk=request.pk).update(
        expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    request = services.witness_request_resend(request=request, by=learner, site_url=SITE)
    assert request.state == "sent"


def test_resending_is_limited(learner, wt_item):
    request = ask(wt_item, learner)
    for _ in range(4):
        services.witness_request_resend(request=request, by=learner, site_url=SITE)
    with pytest.raises(ValidationError, match="sent 5 times"):
        services.witness_request_resend(request=request, by=learner, site_url=SITE)


def test_a_written_request_cannot_be_resent_or_cancelled(learner, wt_item):
    request = ask(wt_item, learner)
    write(witness_token(request))
    with pytest.raises(ValidationError, match="written"):
        services.witness_request_resend(request=request, by=learner, site_url=SITE)
    with pytest.raises(ValidationError, match="written"):
        services.witness_request_cancel(request=request, by=learner)


def test_a_cancelled_request_link_is_refused(learner, wt_item):
    request = ask(wt_item, learner)
    services.witness_request_cancel(request=request, by=learner)
    with pytest.raises(LinkRefused, match="withdrawn") as caught:
        write(witness_token(request))
    assert caught.value.status == 410


def test_only_the_learner_resends_or_cancels(assessor, learner, wt_item):
    request = ask(wt_item, learner)
    with pytest.raises(ValidationError, match="Only the learner"):
        services.witness_request_cancel(request=request, by=assessor)
    with pytest.raises(ValidationError, match="Only the learner"):
        services.witness_request_resend(request=request, by=assessor, site_url=SITE)


def test_a_link_for_submitted_evidence_is_refused(learner, wt_item):
    request = ask(wt_item, learner)
    EvidenceItem.objects.filter(pk=wt_item.pk).update(status=EvidenceItem.Status.SUBMITTED)
    with pytest.raises(LinkRefused, match="submitted"):
        write(witness_token(request))


def test_history_records_the_request_and_the_statement(learner, wt_item):
    request = ask(wt_item, learner)
    write(witness_token(request))
    assert [h.status for h in request.history.order_by("history_date")] == ["sent", "written"]
    assert WitnessStatement.history.count() == 1


def test_the_token_carries_only_the_request_and_its_nonce(learner, wt_item):
    request = ask(wt_item, learner)
    data = signing.loads(witness_token(request), salt=TOKEN_SALT)
    assert data == {"r": request.pk, "n": request.nonce}


def test_a_mail_server_that_refuses_records_nothing_and_says_so(learner, wt_item, monkeypatch):
    import smtplib

    def refuse(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"sam@example.org": (550, b"no such user")})

    monkeypatch.setattr("portfolio.services.witness.send_mail", refuse)
    with pytest.raises(ValidationError, match="could not be sent"):
        ask(wt_item, learner)
    assert not WitnessRequest.objects.exists()
