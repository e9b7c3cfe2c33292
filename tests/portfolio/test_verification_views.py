"""The internal verification pages for every persona: the IV's sampling page and its forms,
a sampled assessment's page (the IV reviews and signs after confirming their password, the
assessor responds), the assessor's referrals, and the links from the home pages."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from portfolio.models import SampleItem, SamplingRate, Signature, VerificationReview
from portfolio.services import assessor_respond, review_record, sample_draw
from tests.accounts.factories import member
from tests.portfolio.verification_helpers import signed_assessment

ROLE_OUTSIDERS = ["learner", "assessor", "manager", "centre_admin"]
ITEM_OUTSIDERS = [
    "learner",
    "manager",
    "centre_admin",
    "other_verifier",
    "other_assessor",
    "other_learner",
    "other_centre_verifier",
]


@pytest.fixture
def other_verifier(centre):
    return member(centre=centre, role=Role.VERIFIER, username="vera")


@pytest.fixture
def other_centre_verifier(other_centre):
    return member(centre=other_centre, role=Role.VERIFIER, username="xiv")


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
def one(enrolment):
    return signed_assessment(enrolment)


@pytest.fixture
def sampled(one, enrolment):
    sample = sample_draw(
        verifier=enrolment.verifier, assessor=enrolment.assessor, centre=enrolment.centre
    )
    return sample.items.get()


@pytest.fixture
def referred(sampled, verifier):
    review_record(
        sample_item=sampled,
        by=verifier,
        verdict="refer_back",
        comments="1.2 rests on one call only.",
        reauthenticated_at=timezone.now(),
    )
    sampled.refresh_from_db()
    return sampled


def said(response):
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def group_url(name, enrolment):
    return reverse(f"portfolio:{name}", args=[enrolment.centre_id, enrolment.assessor_id])


def review_url(item):
    return reverse("portfolio:sample-item-review", args=[item.pk])


def respond_url(item):
    return reverse("portfolio:sample-item-respond", args=[item.pk])


# The sampling page --------------------------------------------------------------------------


def test_the_iv_sees_each_assessor_with_rate_figures_and_forms(client, one, enrolment, persona):
    client.force_login(enrolment.verifier)
    response = client.get(reverse("portfolio:verification"))
    assert response.status_code == 200
    content = response.content.decode()
    assert enrolment.assessor.display_name in content
    assert persona("other_assessor").display_name in content
    assert "25%" in content
    assert "the default" in content
    assert group_url("sample-draw", enrolment) in content
    assert group_url("sampling-rate-set", enrolment) in content
    assert f"EI {one.ei}: {one.title}" in content  # a choice for targeted sampling


@pytest.mark.parametrize("who", ROLE_OUTSIDERS)
def test_everyone_but_ivs_is_refused_the_sampling_page(client, persona, enrolment, who):
    client.force_login(persona(who))
    assert client.get(reverse("portfolio:verification")).status_code == 403


def test_another_centres_iv_sees_none_of_these_assessors(
    client, one, enrolment, other_centre_verifier
):
    client.force_login(other_centre_verifier)
    response = client.get(reverse("portfolio:verification"))
    assert response.status_code == 200
    assert enrolment.assessor.display_name not in response.content.decode()
    assert b"No learners are assigned to you" in response.content


def test_anonymous_visitors_are_sent_to_log_in(client, sampled):
    for url in (
        reverse("portfolio:verification"),
        sampled.get_absolute_url(),
        reverse("portfolio:referrals"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


# Setting the rate ---------------------------------------------------------------------------


def rate_data(enrolment, rate, reason=""):
    prefix = f"rate-{enrolment.centre_id}-{enrolment.assessor_id}"
    return {f"{prefix}-rate": rate, f"{prefix}-reason": reason}


def test_the_iv_sets_an_assessors_rate(client, enrolment):
    client.force_login(enrolment.verifier)
    response = client.post(
        group_url("sampling-rate-set", enrolment), rate_data(enrolment, 100, "New assessor.")
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#assessor-{enrolment.centre_id}-{enrolment.assessor_id}")
    assert "100%" in said(response)
    rate = SamplingRate.objects.get()
    assert (rate.rate, rate.reason, rate.set_by) == (100, "New assessor.", enrolment.verifier)


def test_a_rate_out_of_range_shows_the_error_summary(client, enrolment):
    client.force_login(enrolment.verifier)
    response = client.post(group_url("sampling-rate-set", enrolment), rate_data(enrolment, 0))
    assert response.status_code == 400
    content = response.content.decode()
    assert "There is a problem" in content
    assert "Sampling rate (%)" in content
    assert not SamplingRate.objects.exists()


@pytest.mark.parametrize("who", ROLE_OUTSIDERS)
def test_only_ivs_set_rates(client, persona, enrolment, who):
    client.force_login(persona(who))
    response = client.post(group_url("sampling-rate-set", enrolment), rate_data(enrolment, 50))
    assert response.status_code == 403
    assert not SamplingRate.objects.exists()


@pytest.mark.parametrize("who", ["other_verifier", "other_centre_verifier"])
def test_an_iv_of_other_learners_gets_a_404_for_this_assessor(client, persona, enrolment, who):
    client.force_login(persona(who))
    for name in ("sampling-rate-set", "sample-draw", "sample-item-add"):
        assert client.post(group_url(name, enrolment), rate_data(enrolment, 50)).status_code == 404
    assert not SamplingRate.objects.exists()


# Drawing and adding -------------------------------------------------------------------------


def test_the_iv_draws_a_sample(client, one, enrolment):
    client.force_login(enrolment.verifier)
    response = client.post(group_url("sample-draw", enrolment))
    assert response.status_code == 302
    assert "Sample drawn: 1 of 1 signed assessment at 25%" in said(response)
    item = SampleItem.objects.get()
    assert item.evidence == one
    page = client.get(reverse("portfolio:verification")).content.decode()
    assert item.get_absolute_url() in page
    assert "Awaiting review" in page


def test_drawing_with_nothing_to_sample_says_so(client, enrolment):
    client.force_login(enrolment.verifier)
    response = client.post(group_url("sample-draw", enrolment))
    assert response.status_code == 302
    assert "Nothing to sample" in said(response)


@pytest.mark.parametrize("who", ROLE_OUTSIDERS)
def test_only_ivs_draw_or_add(client, persona, one, enrolment, who):
    client.force_login(persona(who))
    assert client.post(group_url("sample-draw", enrolment)).status_code == 403
    assert client.post(group_url("sample-item-add", enrolment)).status_code == 403
    assert not SampleItem.objects.exists()


def target_data(enrolment, evidence, reason):
    prefix = f"target-{enrolment.centre_id}-{enrolment.assessor_id}"
    return {f"{prefix}-evidence": evidence.pk, f"{prefix}-reason": reason}


def test_the_iv_adds_an_assessment_saying_why(client, one, enrolment):
    client.force_login(enrolment.verifier)
    response = client.post(
        group_url("sample-item-add", enrolment), target_data(enrolment, one, "A complaint.")
    )
    item = SampleItem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == item.get_absolute_url()
    assert (item.reason, item.sample) == ("A complaint.", None)


def test_adding_without_a_reason_shows_the_error_summary(client, one, enrolment):
    client.force_login(enrolment.verifier)
    response = client.post(group_url("sample-item-add", enrolment), target_data(enrolment, one, ""))
    assert response.status_code == 400
    assert b"There is a problem" in response.content
    assert not SampleItem.objects.exists()


# A sampled assessment's page ----------------------------------------------------------------


def test_the_iv_reads_the_sampled_assessment_with_its_signatures_checked(client, sampled):
    client.force_login(sampled.verifier)
    response = client.get(sampled.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "decisions, as sampled" in content
    assert content.count("cb-verification-valid") == 2
    assert "1.1" in content
    assert "1.2" in content
    assert review_url(sampled) in content
    assert "Your password, to sign" in content


def test_the_assessor_reads_it_without_the_review_form(client, sampled):
    client.force_login(sampled.assessor)
    response = client.get(sampled.get_absolute_url())
    assert response.status_code == 200
    assert review_url(sampled) not in response.content.decode()
    assert b"waiting for their review" in response.content


@pytest.mark.parametrize("who", ITEM_OUTSIDERS)
def test_everyone_else_gets_a_404_for_a_sampled_assessment(client, persona, sampled, who):
    client.force_login(persona(who))
    assert client.get(sampled.get_absolute_url()).status_code == 404
    assert client.post(review_url(sampled), {"verdict": "accept"}).status_code == 404
    assert client.post(respond_url(sampled), {"text": "x"}).status_code == 404
    assert not VerificationReview.objects.exists()


# Reviewing ----------------------------------------------------------------------------------


def test_reviewing_asks_for_the_password_and_keeps_the_comments(client, sampled):
    client.force_login(sampled.verifier)
    response = client.post(
        review_url(sampled), {"verdict": "refer_back", "comments": "Look at 1.2 again."}
    )
    assert response["Location"].startswith(reverse("portfolio:reauth"))
    assert not VerificationReview.objects.exists()
    page = client.get(sampled.get_absolute_url()).content.decode()
    assert "Look at 1.2 again." in page
    assert re.search(r'value="refer_back"[^>]*checked', page)


def test_the_iv_accepts_and_signs(client, confirmed, sampled):
    confirmed(sampled.verifier)
    response = client.post(review_url(sampled), {"verdict": "accept", "comments": "Sound."})
    assert response.status_code == 302
    assert "accepted, signed by you" in said(response)
    sampled.refresh_from_db()
    assert sampled.state == "accepted"
    signature = Signature.objects.get(role="verifier")
    page = client.get(sampled.get_absolute_url()).content.decode()
    assert signature.get_absolute_url() in page
    assert "Sound." in page
    assert review_url(sampled) not in page  # nothing left to review


def test_referring_back_without_comments_shows_the_error_summary(client, confirmed, sampled):
    confirmed(sampled.verifier)
    response = client.post(review_url(sampled), {"verdict": "refer_back", "comments": ""})
    assert response.status_code == 400
    assert b"There is a problem" in response.content
    assert b"Say what the assessor should look at again" in response.content
    assert not VerificationReview.objects.exists()


def test_the_assessor_may_not_review(client, confirmed, sampled):
    confirmed(sampled.assessor)
    assert client.post(review_url(sampled), {"verdict": "accept"}).status_code == 403
    assert not VerificationReview.objects.exists()


def test_a_learner_reads_the_review_signature_on_their_signature_page(
    client, sampled, verifier, learner
):
    signature = review_record(
        sample_item=sampled,
        by=verifier,
        verdict="accept",
        comments="",
        reauthenticated_at=timezone.now(),
    )
    client.force_login(learner)
    response = client.get(signature.get_absolute_url())
    assert response.status_code == 200
    assert b"Valid" in response.content


# Responding ---------------------------------------------------------------------------------


def test_the_assessor_responds_to_a_referral(client, referred):
    client.force_login(referred.assessor)
    page = client.get(referred.get_absolute_url()).content.decode()
    assert respond_url(referred) in page
    assert "1.2 rests on one call only." in page
    response = client.post(respond_url(referred), {"text": "The witness statement shows two."})
    assert response.status_code == 302
    referred.refresh_from_db()
    assert referred.state == "responded"
    client.force_login(referred.verifier)
    page = client.get(referred.get_absolute_url()).content.decode()
    assert "The witness statement shows two." in page
    assert "Review again" in page


def test_an_empty_response_shows_the_error_summary(client, referred):
    client.force_login(referred.assessor)
    response = client.post(respond_url(referred), {"text": ""})
    assert response.status_code == 400
    assert b"There is a problem" in response.content


def test_the_iv_may_not_respond_for_the_assessor(client, referred):
    client.force_login(referred.verifier)
    assert client.post(respond_url(referred), {"text": "Done."}).status_code == 403
    referred.refresh_from_db()
    assert referred.state == "referred"


# The assessor's referrals -------------------------------------------------------------------


def test_the_assessor_sees_referrals_to_respond_to(client, referred):
    client.force_login(referred.assessor)
    response = client.get(reverse("portfolio:referrals"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "1.2 rests on one call only." in content
    assert referred.get_absolute_url() in content
    assert "Respond" in content


def test_another_assessor_sees_none_of_them(client, referred, persona):
    client.force_login(persona("other_assessor"))
    response = client.get(reverse("portfolio:referrals"))
    assert response.status_code == 200
    assert b"Nothing is referred back to you" in response.content
    assert referred.get_absolute_url().encode() not in response.content


@pytest.mark.parametrize(
    "who", ["learner", "verifier", "manager", "centre_admin", "other_centre_verifier"]
)
def test_everyone_but_assessors_is_refused_the_referrals_page(client, persona, who):
    client.force_login(persona(who))
    assert client.get(reverse("portfolio:referrals")).status_code == 403


# Home pages and the portfolio ---------------------------------------------------------------


def test_the_iv_home_links_to_sampling_with_what_waits(client, sampled):
    client.force_login(sampled.verifier)
    content = client.get(reverse("home-verifier")).content.decode()
    assert reverse("portfolio:verification") in content
    assert "1 sampled assessment waits for your review" in content


def test_the_assessor_home_links_to_referrals_with_the_count(client, referred):
    client.force_login(referred.assessor)
    content = client.get(reverse("home-assessor")).content.decode()
    assert reverse("portfolio:referrals") in content
    assert "1 referral to respond to" in content


def test_the_learners_portfolio_shows_sampled_evidence(client, sampled, learner):
    client.force_login(learner)
    content = client.get(reverse("portfolio:home")).content.decode()
    assert "cb-sampled" in content


def test_responded_referral_then_accepted_leaves_the_referrals_list(client, referred, verifier):
    assessor_respond(sample_item=referred, by=referred.assessor, text="Added a second call.")
    review_record(
        sample_item=referred,
        by=verifier,
        verdict="accept",
        comments="",
        reauthenticated_at=timezone.now(),
    )
    client.force_login(referred.assessor)
    content = client.get(reverse("portfolio:referrals")).content.decode()
    assert "Nothing is referred back to you" in content
    assert "Accepted" in content


# The admin ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["samplingrate", "sample", "sampleitem", "verificationreview", "assessorresponse"]
)
def test_internal_verification_is_readable_not_writable_in_the_admin(
    client, referred, centre_admin, name
):
    client.force_login(centre_admin)
    assert client.get(reverse(f"admin:portfolio_{name}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:portfolio_{name}_add")).status_code == 403
