"""The printed code of a signature turns back into valid / not valid / void."""

import pytest
from django.urls import reverse

from portfolio.selectors import signature_code
from portfolio.services import evidence_unlock

URL = reverse("portfolio:signature-verify")


def test_the_code_is_the_first_ten_hex_characters_of_the_hash_grouped(signature):
    assert (
        signature_code(signature)
        == (
            f"{signature.content_sha256[:4]}-{signature.content_sha256[4:8]}-"
            f"{signature.content_sha256[8:10]}"
        ).upper()
    )


def test_a_printed_code_verifies_as_valid(client, signature):
    client.force_login(signature.enrolment.learner)
    response = client.get(URL, {"code": signature_code(signature)})
    assert b"Valid:" in response.content
    assert signature.get_absolute_url().encode() in response.content


def test_the_code_may_be_typed_in_lower_case_without_dashes(client, signature):
    client.force_login(signature.enrolment.assessor)
    response = client.get(URL, {"code": signature.content_sha256[:10].lower()})
    assert b"Valid:" in response.content


def test_a_voided_signature_verifies_as_void(client, signature, centre_admin):
    evidence_unlock(item=signature.subject.evidence, by=centre_admin, reason="Wrong date.")
    client.force_login(centre_admin)
    response = client.get(URL, {"code": signature_code(signature)})
    assert b"Void:" in response.content


def test_a_changed_record_verifies_as_not_valid(client, signature, assessed):
    from tests.portfolio.test_signing import tamper

    tamper("UPDATE portfolio_evidenceitem SET narrative = 'rewritten' WHERE id = %s", [assessed.pk])
    client.force_login(signature.enrolment.verifier)
    response = client.get(URL, {"code": signature_code(signature)})
    assert b"Not valid:" in response.content


def test_an_unknown_code_is_not_valid(client, signature):
    client.force_login(signature.enrolment.learner)
    response = client.get(URL, {"code": "0000-0000-00"})
    assert b"Not valid: no signature you may see" in response.content


@pytest.mark.parametrize("who", ["other_learner", "other_assessor", "other_centre_assessor"])
def test_a_reader_who_may_not_see_the_signature_learns_nothing(
    client, signature, other_enrolment, request, who
):
    client.force_login(request.getfixturevalue(who))
    response = client.get(URL, {"code": signature_code(signature)})
    assert b"Not valid: no signature you may see" in response.content
    assert signature.signer.display_name.encode() not in response.content


def test_a_malformed_code_is_explained(client, signature):
    client.force_login(signature.enrolment.learner)
    assert b"is not a signature code" in client.get(URL, {"code": "hello"}).content


def test_anonymous_readers_are_sent_to_log_in(client):
    assert client.get(URL, {"code": "0000-0000-00"}).status_code == 302
