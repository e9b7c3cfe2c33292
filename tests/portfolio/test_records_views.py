"""The records page and signing element records and the knowledge record from it, for every
persona: the learner, their assessor and IV read it and each signs only their own part; everyone
else gets a 404 and signs nothing; anonymous visitors are sent to log in."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from portfolio import selectors
from portfolio.models import ElementRecord, Signature
from portfolio.services import element_record_sign, knowledge_record_sign

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


@pytest.fixture
def persona(request, other_enrolment):
    def get(name):
        return request.getfixturevalue(name)

    return get


@pytest.fixture
def confirmed(client):
    """Log in as someone with their password confirmed just now."""

    def login(user):
        user.set_password("their-password")
        user.save()
        client.force_login(user)
        response = client.post(reverse("portfolio:reauth"), {"password": "their-password"})
        assert response.status_code == 302

    return login


@pytest.fixture
def element_record(element_signed, enrolment):
    """Element 1's record, signed by the assessor."""
    element_record_sign(
        enrolment=enrolment,
        element=element_signed,
        by=enrolment.assessor,
        feedback="Consistently calm.",
        reauthenticated_at=timezone.now(),
    )
    return ElementRecord.objects.get(enrolment=enrolment, element=element_signed)


def records_url(enrolment):
    return reverse("portfolio:enrolment-records", args=[enrolment.pk])


def sign_url(enrolment, number=1):
    return reverse("portfolio:element-record-sign", args=[enrolment.pk, number])


def said(response):
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


# The page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", READERS)
def test_the_learner_assessor_and_iv_read_the_records(client, persona, enrolment, who):
    client.force_login(persona(who))
    response = client.get(records_url(enrolment))
    assert response.status_code == 200
    assert b"Element 3" in response.content
    assert b"Outcomes signed: 0 of 7" in response.content
    assert enrolment.unit.knowledge_declaration.encode() in response.content


@pytest.mark.parametrize("who", OUTSIDERS)
def test_everyone_else_gets_a_404(client, persona, enrolment, who):
    client.force_login(persona(who))
    assert client.get(records_url(enrolment)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, enrolment):
    for url in (records_url(enrolment), reverse("portfolio:records")):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response["Location"] or "login" in response["Location"]


def test_the_learners_own_records_page(client, learner, enrolment, manager):
    client.force_login(learner)
    assert b"My records" in client.get(reverse("portfolio:records")).content
    client.force_login(manager)
    assert client.get(reverse("portfolio:records")).status_code == 404


def test_the_sign_form_shows_for_the_assessor_only_when_every_outcome_is_signed(
    client, element_signed, enrolment, assessor, learner
):
    client.force_login(assessor)
    content = client.get(records_url(enrolment)).content.decode()
    assert "Ready for the assessor to sign" in content
    assert sign_url(enrolment, 1) in content
    assert sign_url(enrolment, 2) not in content
    client.force_login(learner)
    content = client.get(records_url(enrolment)).content.decode()
    assert sign_url(enrolment, 1) not in content
    assert "waiting for" in content


def test_the_countersign_button_shows_for_the_learner_only(
    client, element_record, enrolment, learner, assessor
):
    url = reverse("portfolio:element-record-countersign", args=[element_record.pk])
    client.force_login(learner)
    assert url in client.get(records_url(enrolment)).content.decode()
    client.force_login(assessor)
    content = client.get(records_url(enrolment)).content.decode()
    assert url not in content
    assert "Signed by the assessor" in content


# Signing an element record ------------------------------------------------------------------


def test_the_assessor_signs_an_element_record(client, confirmed, element_signed, enrolment):
    confirmed(enrolment.assessor)
    response = client.post(sign_url(enrolment), {"feedback": "Calm.", "comments": "Good."})
    assert response.status_code == 302
    assert "is signed" in said(response)
    record = ElementRecord.objects.get(enrolment=enrolment, element=element_signed)
    assert (record.feedback, record.comments) == ("Calm.", "Good.")
    assert [s.role for s in selectors.live_signatures(record)] == ["assessor"]


def test_signing_asks_for_the_password_first(client, element_signed, enrolment, assessor):
    client.force_login(assessor)
    response = client.post(sign_url(enrolment), {"feedback": "Calm."})
    assert response["Location"].startswith(reverse("portfolio:reauth"))
    assert not ElementRecord.objects.filter(enrolment=enrolment).exclude(feedback="").exists()


def test_signing_before_every_outcome_is_signed_says_what_is_missing(
    client, confirmed, signature, enrolment
):
    confirmed(enrolment.assessor)
    response = client.post(sign_url(enrolment), {"feedback": "Calm."})
    assert "1.2, 1.3, 1.4, 1.5, 1.6, 1.7 have no signed competent decision" in said(response)


@pytest.mark.parametrize("who", ["learner", "verifier"])
def test_the_learner_and_iv_cannot_sign_an_element_record(
    client, confirmed, persona, element_signed, enrolment, who
):
    confirmed(persona(who))
    response = client.post(sign_url(enrolment), {"feedback": "Calm."})
    assert "Only the learner's assessor" in said(response)
    assert not Signature.objects.filter(role__in=["learner", "verifier"]).exists()


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_cannot_sign_or_countersign(
    client, confirmed, persona, element_record, enrolment, who
):
    confirmed(persona(who))
    before = Signature.objects.count()
    assert client.post(sign_url(enrolment), {"feedback": "x"}).status_code == 404
    countersign = reverse("portfolio:element-record-countersign", args=[element_record.pk])
    assert client.post(countersign).status_code == 404
    knowledge = reverse("portfolio:knowledge-record-sign", args=[enrolment.pk])
    assert client.post(knowledge).status_code == 404
    assert Signature.objects.count() == before


def test_anonymous_visitors_sign_nothing(client, element_record, enrolment):
    before = Signature.objects.count()
    for url in (
        sign_url(enrolment),
        reverse("portfolio:element-record-countersign", args=[element_record.pk]),
        reverse("portfolio:knowledge-record-sign", args=[enrolment.pk]),
    ):
        assert client.post(url).status_code == 302
    assert Signature.objects.count() == before


def test_signing_is_post_only(client, confirmed, element_record, enrolment):
    confirmed(enrolment.learner)
    url = reverse("portfolio:element-record-countersign", args=[element_record.pk])
    assert client.get(url).status_code == 405


# Countersigning -----------------------------------------------------------------------------


def test_the_learner_countersigns(client, confirmed, element_record, enrolment):
    confirmed(enrolment.learner)
    url = reverse("portfolio:element-record-countersign", args=[element_record.pk])
    response = client.post(url)
    assert "It is locked" in said(response)
    element_record.refresh_from_db()
    assert element_record.is_locked
    assert b"Countersigned and locked" in client.get(records_url(enrolment)).content


@pytest.mark.parametrize("who", ["assessor", "verifier"])
def test_only_the_learner_countersigns(client, confirmed, persona, element_record, who):
    confirmed(persona(who))
    url = reverse("portfolio:element-record-countersign", args=[element_record.pk])
    assert "Only the learner countersigns" in said(client.post(url))
    assert not Signature.objects.filter(role="learner").exists()


# The knowledge record -----------------------------------------------------------------------


def test_the_knowledge_record_is_signed_in_turn_from_the_page(
    client, confirmed, knowledge_covered, enrolment, learner, assessor, verifier
):
    url = reverse("portfolio:knowledge-record-sign", args=[enrolment.pk])
    confirmed(verifier)
    assert "the candidate and the assessor must sign first" in said(client.post(url))
    confirmed(learner)
    assert url in client.get(records_url(enrolment)).content.decode()
    assert "You have signed" in said(client.post(url))
    confirmed(assessor)
    assert "You have signed" in said(client.post(url))
    confirmed(verifier)
    assert url in client.get(records_url(enrolment)).content.decode()
    assert "You have signed" in said(client.post(url))
    roles = list(
        Signature.objects.filter(statement=enrolment.unit.knowledge_declaration).values_list(
            "role", flat=True
        )
    )
    assert roles == ["learner", "assessor", "verifier"]


def test_no_knowledge_sign_button_until_it_is_your_turn(
    client, knowledge_covered, enrolment, learner, assessor
):
    url = reverse("portfolio:knowledge-record-sign", args=[enrolment.pk])
    client.force_login(assessor)
    assert url not in client.get(records_url(enrolment)).content.decode()
    knowledge_record_sign(enrolment=enrolment, by=learner, reauthenticated_at=timezone.now())
    assert url in client.get(records_url(enrolment)).content.decode()


def test_record_signatures_show_on_the_signature_pages(
    client, element_record, knowledge_covered, enrolment, learner, centre_admin
):
    knowledge_record_sign(enrolment=enrolment, by=learner, reauthenticated_at=timezone.now())
    for s in Signature.objects.exclude(element_records__isnull=False):
        for who in (learner, centre_admin):
            client.force_login(who)
            response = client.get(s.get_absolute_url())
            assert response.status_code == 200
            assert b"Valid" in response.content or b"valid" in response.content
    client.force_login(centre_admin)
    response = client.get(reverse("portfolio:signature-list", args=[enrolment.pk]))
    assert b"every outcome of element 1" in response.content
    assert enrolment.unit.knowledge_declaration.encode() in response.content


# The knowledge record's feedback --------------------------------------------------------------


def test_the_assessor_writes_the_knowledge_feedback_then_the_candidate_can_sign(
    client, confirmed, knowledge_covered, enrolment, learner, assessor
):
    from portfolio.models import KnowledgeRecord

    KnowledgeRecord.objects.filter(enrolment=enrolment).update(feedback="")
    sign = reverse("portfolio:knowledge-record-sign", args=[enrolment.pk])
    client.force_login(learner)
    page = client.get(records_url(enrolment)).content.decode()
    assert sign not in page
    assert "signs once the assessor's feedback is written" in page
    confirmed(assessor)
    url = reverse("portfolio:knowledge-record-feedback", args=[enrolment.pk])
    assert url in client.get(records_url(enrolment)).content.decode()
    assert "Your feedback is saved" in said(client.post(url, {"feedback": "Knows the law well."}))
    client.force_login(learner)
    page = client.get(records_url(enrolment)).content.decode()
    assert "Knows the law well." in page
    assert sign in page


def test_empty_knowledge_feedback_is_refused_with_the_form_again(
    client, knowledge_covered, enrolment, assessor
):
    client.force_login(assessor)
    url = reverse("portfolio:knowledge-record-feedback", args=[enrolment.pk])
    response = client.post(url, {"feedback": "   "})
    assert response.status_code == 400
    assert b"This field is required" in response.content


@pytest.mark.parametrize("who", ["learner", "verifier"])
def test_only_the_assessor_writes_the_knowledge_feedback(
    client, persona, knowledge_covered, enrolment, who
):
    from portfolio.models import KnowledgeRecord

    client.force_login(persona(who))
    url = reverse("portfolio:knowledge-record-feedback", args=[enrolment.pk])
    assert "Only the learner's assessor" in said(client.post(url, {"feedback": "Mine now."}))
    assert (
        KnowledgeRecord.objects.get(enrolment=enrolment).feedback == "Sound knowledge of the law."
    )


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_cannot_write_the_knowledge_feedback(
    client, persona, knowledge_covered, enrolment, who
):
    client.force_login(persona(who))
    url = reverse("portfolio:knowledge-record-feedback", args=[enrolment.pk])
    assert client.post(url, {"feedback": "x"}).status_code == 404
