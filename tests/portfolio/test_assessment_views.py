"""The assessor's decision page, signing with a confirmed password, the verification pages
and unlocking, for every persona."""

import pytest
from django.urls import reverse

from portfolio.models import EvidenceItem, Signature

OUTSIDERS_OF_ASSESSING = [
    "learner",
    "verifier",
    "other_learner",
    "other_assessor",
    "manager",
    "centre_admin",
    "other_centre_learner",
    "other_centre_assessor",
    "other_centre_manager",
]
VERIFIERS_OF_SIGNATURES = ["learner", "assessor", "verifier", "centre_admin"]
OUTSIDERS_OF_SIGNATURES = [
    "other_learner",
    "other_assessor",
    "manager",
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
def password_confirmed(client):
    """Log in as someone with their password confirmed just now."""

    def login(user):
        user.set_password("their-password")
        user.save()
        client.force_login(user)
        response = client.post(reverse("portfolio:reauth"), {"password": "their-password"})
        assert response.status_code == 302

    return login


def assess_url(item):
    return reverse("portfolio:evidence-assess", args=[item.pk])


def decide_post(item, **verdicts):
    data = {}
    for outcome in item.enrolment.unit.outcomes.filter(code__in=["1.1", "1.2"]):
        verdict, feedback = verdicts.get(outcome.code.replace(".", "_"), ("competent", ""))
        data[f"verdict_{outcome.pk}"] = verdict
        data[f"feedback_{outcome.pk}"] = feedback
    return data


# The decision page -----------------------------------------------------------------------------


def test_the_assessor_reaches_submitted_evidence_from_their_caseload(client, assessor, submitted):
    client.force_login(assessor)
    page = client.get(reverse("portfolio:home")).content.decode()
    assert "1 piece of evidence submitted for you to assess" in page
    detail = client.get(submitted.get_absolute_url()).content.decode()
    assert assess_url(submitted) in detail


def test_the_assessor_sees_each_claimed_outcome_to_decide(client, assessor, submitted):
    client.force_login(assessor)
    response = client.get(assess_url(submitted))
    assert response.status_code == 200
    page = response.content.decode()
    assert "1.1" in page
    assert "1.2" in page
    assert "Record the decisions" in page


def test_competent_on_every_outcome_makes_it_assessed(client, assessor, submitted):
    client.force_login(assessor)
    response = client.post(assess_url(submitted), decide_post(submitted))
    assert response.status_code == 302
    assert EvidenceItem.objects.get(pk=submitted.pk).status == "assessed"


def test_not_yet_refers_it_back_and_the_learner_reads_the_feedback(
    client, assessor, learner, submitted
):
    client.force_login(assessor)
    client.post(
        assess_url(submitted),
        decide_post(submitted, **{"1_2": ("not_yet", "Say how you kept them informed.")}),
    )
    assert EvidenceItem.objects.get(pk=submitted.pk).status == "referred_back"
    client.force_login(learner)
    page = client.get(submitted.get_absolute_url()).content.decode()
    assert "Say how you kept them informed." in page
    assert reverse("portfolio:evidence-edit", args=[submitted.pk]) in page


def test_not_yet_without_feedback_is_refused_on_the_page(client, assessor, submitted):
    client.force_login(assessor)
    response = client.post(
        assess_url(submitted), decide_post(submitted, **{"1_1": ("not_yet", "")})
    )
    assert response.status_code == 400
    assert "say what is still needed" in response.content.decode()
    assert EvidenceItem.objects.get(pk=submitted.pk).status == "submitted"


@pytest.mark.parametrize("who", OUTSIDERS_OF_ASSESSING)
def test_only_the_learners_assessor_opens_the_decision_page(client, persona, submitted, who):
    client.force_login(persona(who))
    assert client.get(assess_url(submitted)).status_code == 404
    assert client.post(assess_url(submitted), decide_post(submitted)).status_code == 404
    assert EvidenceItem.objects.get(pk=submitted.pk).status == "submitted"


def test_anonymous_is_sent_to_log_in_from_the_decision_page(client, submitted):
    assert client.get(assess_url(submitted)).status_code == 302


# Signing ---------------------------------------------------------------------------------------


def sign_url(item, code="1.1"):
    return reverse("portfolio:decision-sign", args=[item.decisions.get(outcome__code=code).pk])


def test_signing_without_a_confirmed_password_asks_for_it(client, assessor, assessed):
    client.force_login(assessor)
    response = client.post(sign_url(assessed), follow=True)
    page = response.content.decode()
    assert "Confirm your password to sign" in page
    assert "asks for your password again" in page
    assert not Signature.objects.exists()


def test_the_confirm_page_refuses_a_wrong_password(client, assessor):
    assessor.set_password("their-password")
    assessor.save()
    client.force_login(assessor)
    response = client.post(reverse("portfolio:reauth"), {"password": "wrong"})
    assert response.status_code == 400
    assert "not your password" in response.content.decode()


def test_the_confirm_page_returns_only_to_this_site(client, password_confirmed, assessor):
    password_confirmed(assessor)
    response = client.post(
        reverse("portfolio:reauth"),
        {"password": "their-password", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("portfolio:home")


def test_with_the_password_confirmed_the_assessor_signs_and_the_evidence_locks(
    client, password_confirmed, assessor, assessed
):
    password_confirmed(assessor)
    response = client.post(sign_url(assessed), follow=True)
    assert "is signed and dated" in response.content.decode()
    assert Signature.objects.count() == 1
    assert EvidenceItem.objects.get(pk=assessed.pk).is_locked


def sign_all_url(item):
    return reverse("portfolio:decisions-sign-all", args=[item.pk])


def test_the_page_offers_to_sign_every_competent_outcome_with_the_password_in_one_step(
    client, assessor, assessed
):
    assessor.set_password("their-password")
    assessor.save()
    client.force_login(assessor)
    page = client.get(assess_url(assessed)).content.decode()
    assert sign_all_url(assessed) in page
    assert "Competence is demonstrated in 1.1, 1.2" in page
    assert "Your password, to sign" in page
    response = client.post(sign_all_url(assessed), {"password": "their-password"}, follow=True)
    page = response.content.decode()
    assert "2 outcomes signed and dated: EI 1 is locked." in page
    assert sign_all_url(assessed) not in page
    assert "Your password, to sign" not in page  # fresh for five minutes now
    assert sorted(Signature.objects.values_list("statement", flat=True)) == [
        "I confirm the candidate has demonstrated competence in outcome 1.1 through EI 1.",
        "I confirm the candidate has demonstrated competence in outcome 1.2 through EI 1.",
    ]
    assert EvidenceItem.objects.get(pk=assessed.pk).is_locked


def test_a_wrong_password_with_a_signing_form_signs_nothing(client, assessor, assessed):
    assessor.set_password("their-password")
    assessor.save()
    client.force_login(assessor)
    response = client.post(sign_all_url(assessed), {"password": "guess"}, follow=True)
    assert "That is not your password: nothing was signed." in response.content.decode()
    assert not Signature.objects.exists()
    assert not EvidenceItem.objects.get(pk=assessed.pk).is_locked


def test_signing_all_signs_only_what_is_left(client, password_confirmed, assessor, signature):
    password_confirmed(assessor)
    response = client.post(sign_all_url(signature.subject.evidence), follow=True)
    assert "1 outcome signed and dated" in response.content.decode()
    assert Signature.objects.count() == 2
    response = client.post(sign_all_url(signature.subject.evidence), follow=True)
    assert "has no competent outcome left to sign" in response.content.decode()
    assert Signature.objects.count() == 2


@pytest.mark.parametrize("who", OUTSIDERS_OF_ASSESSING)
def test_only_the_learners_assessor_signs_all_outcomes(client, persona, assessed, who):
    client.force_login(persona(who))
    assert client.post(sign_all_url(assessed)).status_code == 404
    assert not Signature.objects.exists()


def test_a_not_yet_outcome_is_not_signed_with_the_rest(
    client, password_confirmed, assessor, submitted
):
    password_confirmed(assessor)
    client.post(assess_url(submitted), decide_post(submitted, **{"1_2": ("not_yet", "More.")}))
    assert sign_all_url(submitted) not in client.get(assess_url(submitted)).content.decode()
    response = client.post(sign_all_url(submitted), follow=True)
    assert "not signable" in response.content.decode()
    assert not Signature.objects.exists()


@pytest.mark.parametrize("who", OUTSIDERS_OF_ASSESSING)
def test_only_the_learners_assessor_signs_their_outcomes(
    client, persona, password_confirmed, assessed, who
):
    password_confirmed(persona(who))
    assert client.post(sign_url(assessed)).status_code == 404
    assert not Signature.objects.exists()


def test_the_learner_cannot_edit_signed_evidence(client, learner, signature, assessed):
    client.force_login(learner)
    response = client.post(
        reverse("portfolio:evidence-edit", args=[assessed.pk]), {"title": "x"}, follow=True
    )
    assert "can no longer be changed" in response.content.decode()
    assert EvidenceItem.objects.get(pk=assessed.pk).title == assessed.title


# Verification ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", VERIFIERS_OF_SIGNATURES)
def test_the_learner_their_assessor_iv_and_centre_admin_verify_signatures(
    client, persona, signature, who
):
    client.force_login(persona(who))
    listing = client.get(reverse("portfolio:signature-list", args=[signature.enrolment_id]))
    assert listing.status_code == 200
    assert "Valid" in listing.content.decode()
    detail = client.get(signature.get_absolute_url())
    assert detail.status_code == 200
    assert signature.content_sha256 in detail.content.decode()


@pytest.mark.parametrize("who", OUTSIDERS_OF_SIGNATURES)
def test_nobody_else_sees_the_signatures(client, persona, signature, who):
    client.force_login(persona(who))
    assert (
        client.get(reverse("portfolio:signature-list", args=[signature.enrolment_id])).status_code
        == 404
    )
    assert client.get(signature.get_absolute_url()).status_code == 404


def test_anonymous_is_sent_to_log_in_from_the_verification_page(client, signature):
    assert client.get(signature.get_absolute_url()).status_code == 302


def test_the_verification_page_says_not_valid_after_tampering(client, learner, signature, assessed):
    from tests.portfolio.test_signing import tamper

    tamper("UPDATE portfolio_evidenceitem SET narrative = 'rewritten' WHERE id = %s", [assessed.pk])
    client.force_login(learner)
    page = client.get(signature.get_absolute_url()).content.decode()
    assert "Not valid" in page
    assert "what was signed has changed since" in page


# Unlocking -------------------------------------------------------------------------------------


def unlock_url(item):
    return reverse("portfolio:evidence-unlock", args=[item.pk])


def test_the_centre_admin_unlocks_with_a_reason_and_the_page_shows_void(
    client, centre_admin, signature, assessed
):
    client.force_login(centre_admin)
    assert client.get(unlock_url(assessed)).status_code == 200
    response = client.post(
        unlock_url(assessed), {"reason": "Wrong recording attached by the learner."}, follow=True
    )
    page = response.content.decode()
    assert "is unlocked" in page
    assert "Void" in page
    assert not EvidenceItem.objects.get(pk=assessed.pk).is_locked


def test_an_unlock_without_a_reason_is_refused(client, centre_admin, signature, assessed):
    client.force_login(centre_admin)
    response = client.post(unlock_url(assessed), {"reason": "  "})
    assert response.status_code == 400
    assert EvidenceItem.objects.get(pk=assessed.pk).is_locked


@pytest.mark.parametrize(
    "who",
    [
        "learner",
        "assessor",
        "verifier",
        "other_learner",
        "other_assessor",
        "manager",
        "other_centre_learner",
        "other_centre_assessor",
        "other_centre_manager",
    ],
)
def test_only_a_centre_admin_of_the_centre_unlocks(client, persona, signature, assessed, who):
    client.force_login(persona(who))
    assert client.get(unlock_url(assessed)).status_code == 404
    assert client.post(unlock_url(assessed), {"reason": "A long enough reason."}).status_code == 404
    assert EvidenceItem.objects.get(pk=assessed.pk).is_locked


def test_anonymous_is_sent_to_log_in_from_unlock(client, signature, assessed):
    assert client.get(unlock_url(assessed)).status_code == 302


# The centre admin's way in ---------------------------------------------------------------------


def test_a_centre_admin_finds_locked_evidence_to_unlock_from_signatures(
    client, centre_admin, signature, assessed
):
    client.force_login(centre_admin)
    home = client.get(reverse("portfolio:signatures")).content.decode()
    listing_url = reverse("portfolio:signature-list", args=[assessed.enrolment_id])
    assert listing_url in home
    assert unlock_url(assessed) in client.get(listing_url).content.decode()


@pytest.mark.parametrize("who", ["learner", "assessor", "verifier"])
def test_readers_verify_but_are_not_offered_unlocking(client, persona, signature, assessed, who):
    client.force_login(persona(who))
    assert client.get(reverse("portfolio:signatures")).status_code == 200
    page = client.get(reverse("portfolio:signature-list", args=[assessed.enrolment_id]))
    assert unlock_url(assessed) not in page.content.decode()


@pytest.mark.parametrize(
    "who", ["manager", "other_centre_learner", "other_centre_assessor", "other_centre_manager"]
)
def test_people_with_no_signatures_to_verify_get_404(client, persona, signature, who):
    client.force_login(persona(who))
    assert client.get(reverse("portfolio:signatures")).status_code == 404


def test_five_wrong_passwords_stop_the_session_trying_for_a_while(client, assessor):
    assessor.set_password("their-password")
    assessor.save()
    client.force_login(assessor)
    url = reverse("portfolio:reauth")
    for _ in range(5):
        client.post(url, {"password": "guess"})
    response = client.post(url, {"password": "their-password"})
    assert response.status_code == 400
    assert "Too many wrong passwords" in response.content.decode()
    assert "casebook_reauth_at" not in client.session
