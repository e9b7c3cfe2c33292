"""Witness pages for every persona: the learner asks, resends and cancels; the witness (no
account) writes through the link; readers see the statement; everyone else gets 404."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portfolio import services
from portfolio.models import EvidenceItem, WitnessRequest, WitnessStatement
from portfolio.services.witness import witness_token
from tests.portfolio.factories import EvidenceItemFactory

READERS = ["learner", "assessor", "verifier"]
OUTSIDERS = [
    "other_learner",
    "other_assessor",
    "manager",
    "centre_admin",
    "other_centre_learner",
    "other_centre_assessor",
    "other_centre_manager",
]
STATEMENT = {
    "text": "I heard Lena explain the refund and check the customer was happy.",
    "witness_name": "Sam Lead",
    "witness_role": "Team leader",
    "confirmed": "on",
}


@pytest.fixture
def persona(request, other_enrolment):
    def get(name):
        return request.getfixturevalue(name)

    return get


@pytest.fixture
def wt_item(enrolment, evidence_type):
    return EvidenceItemFactory(
        enrolment=enrolment, ei=2, evidence_type=evidence_type("WT"), title="Refund call"
    )


@pytest.fixture
def witness(learner, wt_item):
    return services.witness_request_create(
        item=wt_item,
        by=learner,
        witness_name="Sam Lead",
        witness_role="Team leader",
        witness_email="sam@example.org",
        prompt="Describe how I handled the double-charge call.",
        site_url="http://testserver/",
    )


def link(witness):
    return reverse("portfolio:witness-statement", args=[witness_token(witness)])


# Asking -----------------------------------------------------------------------------------


def test_the_learner_asks_a_witness_from_the_evidence_page(client, learner, wt_item):
    client.force_login(learner)
    page = client.get(wt_item.get_absolute_url()).content.decode()
    create = reverse("portfolio:witness-request-create", args=[wt_item.pk])
    assert create in page
    assert client.get(create).status_code == 200
    response = client.post(
        create,
        {
            "witness_name": "Sam Lead",
            "witness_role": "Team leader",
            "witness_email": "sam@example.org",
            "prompt": "Describe the call.",
        },
        follow=True,
    )
    assert "The request is on its way to Sam Lead" in response.content.decode()
    assert WitnessRequest.objects.get().evidence == wt_item
    assert len(mail.outbox) == 1
    assert mail.outbox[0].body.count("http://testserver/portfolio/witness/") == 1


def test_a_bad_email_address_is_shown_on_the_form(client, learner, wt_item):
    client.force_login(learner)
    response = client.post(
        reverse("portfolio:witness-request-create", args=[wt_item.pk]),
        {"witness_name": "Sam", "witness_role": "Lead", "witness_email": "nope", "prompt": "x"},
    )
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not WitnessRequest.objects.exists()
    assert mail.outbox == []


def test_an_observation_offers_no_witness_request(client, learner, item):
    client.force_login(learner)
    page = client.get(item.get_absolute_url()).content.decode()
    assert "Witness statements" not in page
    response = client.get(reverse("portfolio:witness-request-create", args=[item.pk]))
    assert response.status_code == 302


@pytest.mark.parametrize("who", ["assessor", "verifier", *OUTSIDERS])
def test_nobody_but_the_learner_asks(client, persona, wt_item, who):
    client.force_login(persona(who))
    url = reverse("portfolio:witness-request-create", args=[wt_item.pk])
    assert client.get(url).status_code == 404
    data = {"witness_name": "A", "witness_role": "B", "witness_email": "a@b.org", "prompt": "x"}
    assert client.post(url, data).status_code == 404
    assert not WitnessRequest.objects.exists()


def test_anonymous_cannot_ask(client, wt_item):
    url = reverse("portfolio:witness-request-create", args=[wt_item.pk])
    assert client.get(url).status_code == 302


# Resending and cancelling ----------------------------------------------------------------


@pytest.mark.parametrize("action", ["resend", "cancel"])
def test_the_learner_resends_or_cancels(client, learner, witness, action):
    client.force_login(learner)
    url = reverse(f"portfolio:witness-request-{action}", args=[witness.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    witness.refresh_from_db()
    if action == "resend":
        assert witness.send_count == 2
        assert len(mail.outbox) == 2
    else:
        assert witness.status == WitnessRequest.Status.CANCELLED


@pytest.mark.parametrize("action", ["resend", "cancel"])
@pytest.mark.parametrize("who", ["assessor", "verifier", *OUTSIDERS])
def test_nobody_but_the_learner_resends_or_cancels(client, persona, witness, who, action):
    client.force_login(persona(who))
    response = client.post(reverse(f"portfolio:witness-request-{action}", args=[witness.pk]))
    assert response.status_code == 404
    witness.refresh_from_db()
    assert (witness.status, witness.send_count) == (WitnessRequest.Status.SENT, 1)


@pytest.mark.parametrize("action", ["resend", "cancel"])
def test_anonymous_cannot_resend_or_cancel(client, witness, action):
    response = client.post(reverse(f"portfolio:witness-request-{action}", args=[witness.pk]))
    assert response.status_code == 302
    witness.refresh_from_db()
    assert witness.status == WitnessRequest.Status.SENT


# The witness's page --------------------------------------------------------------------


def test_the_witness_sees_what_was_asked_without_logging_in(client, witness):
    response = client.get(link(witness))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Describe how I handled the double-charge call." in page
    assert "I confirm this is a true account of what I saw" in page
    assert "no-cache" in response["Cache-Control"]


def test_the_witness_writes_their_statement(client, witness):
    response = client.post(link(witness), STATEMENT)
    assert response.status_code == 200
    assert "Thank you, Sam Lead" in response.content.decode()
    statement = WitnessStatement.objects.get()
    assert statement.text == STATEMENT["text"]
    witness.refresh_from_db()
    assert witness.status == WitnessRequest.Status.WRITTEN


def test_without_the_confirmation_nothing_is_written(client, witness):
    response = client.post(link(witness), {**STATEMENT, "confirmed": ""})
    assert response.status_code == 200
    assert "Tick to confirm this is a true account" in response.content.decode()
    assert not WitnessStatement.objects.exists()


def test_a_reused_link_answers_already_used(client, witness):
    url = link(witness)
    client.post(url, STATEMENT)
    for response in (client.get(url), client.post(url, {**STATEMENT, "text": "Changed"})):
        assert response.status_code == 410
        assert "already been used" in response.content.decode()
    assert WitnessStatement.objects.get().text == STATEMENT["text"]


def test_an_expired_link_answers_410_and_writes_nothing(client, witness):
    url = link(witness)
    WitnessRequest.objects.filter(pk=witness.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    for response in (client.get(url), client.post(url, STATEMENT)):
        assert response.status_code == 410
        assert "expired" in response.content.decode()
    assert not WitnessStatement.objects.exists()


def test_a_tampered_link_answers_400_and_writes_nothing(client, witness):
    token = witness_token(witness)
    tampered = reverse("portfolio:witness-statement", args=[token[:-3] + "abc"])
    for response in (client.get(tampered), client.post(tampered, STATEMENT)):
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    assert not WitnessStatement.objects.exists()


def test_a_replaced_link_answers_410(client, learner, witness):
    old = link(witness)
    services.witness_request_resend(request=witness, by=learner, site_url="http://testserver/")
    response = client.post(old, STATEMENT)
    assert response.status_code == 410
    assert not WitnessStatement.objects.exists()


def test_a_logged_in_stranger_with_a_spent_link_also_gets_410(client, manager, witness):
    client.post(link(witness), STATEMENT)
    client.force_login(manager)
    assert client.get(link(witness)).status_code == 410


# Reading the statement -------------------------------------------------------------------


@pytest.mark.parametrize("who", READERS)
def test_learner_assessor_and_verifier_read_the_statement(client, persona, witness, who):
    client.post(link(witness), STATEMENT)
    client.force_login(persona(who))
    page = client.get(witness.evidence.get_absolute_url()).content.decode()
    assert STATEMENT["text"] in page
    assert "confirmed as a true account of what they saw" in page
    assert reverse("portfolio:witness-request-cancel", args=[witness.pk]) not in page


@pytest.mark.parametrize("who", OUTSIDERS)
def test_anyone_else_gets_404_for_the_evidence_page(client, persona, witness, who):
    client.post(link(witness), STATEMENT)
    client.force_login(persona(who))
    assert client.get(witness.evidence.get_absolute_url()).status_code == 404


def test_the_learner_sees_each_requests_state(client, learner, witness, wt_item):
    other = services.witness_request_create(
        item=wt_item,
        by=learner,
        witness_name="Pat Manager",
        witness_role="Manager",
        witness_email="pat@example.org",
        prompt="Describe the complaint review.",
        site_url="http://testserver/",
    )
    WitnessRequest.objects.filter(pk=other.pk).update(
        expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    client.force_login(learner)
    page = client.get(wt_item.get_absolute_url()).content.decode()
    assert "Waiting: sent" in page
    assert "Link expired" in page
    assert reverse("portfolio:witness-request-resend", args=[witness.pk]) in page
    assert reverse("portfolio:witness-request-cancel", args=[witness.pk]) in page


def test_a_written_statement_offers_no_change_to_the_learner(client, learner, witness):
    client.post(link(witness), STATEMENT)
    client.force_login(learner)
    page = client.get(witness.evidence.get_absolute_url()).content.decode()
    assert "Written" in page
    assert reverse("portfolio:witness-request-resend", args=[witness.pk]) not in page
    assert reverse("portfolio:witness-request-cancel", args=[witness.pk]) not in page


def test_a_submitted_item_shows_statements_but_no_requests_to_make(client, learner, witness):
    EvidenceItem.objects.filter(pk=witness.evidence_id).update(status=EvidenceItem.Status.SUBMITTED)
    client.force_login(learner)
    page = client.get(witness.evidence.get_absolute_url()).content.decode()
    assert "Sam Lead" in page
    assert reverse("portfolio:witness-request-create", args=[witness.evidence_id]) not in page
