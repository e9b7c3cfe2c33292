"""Who hears about what: submitting tells the learner's assessor, deciding tells the
learner (assessed, or referred back with the feedback), a witness's statement tells the
learner. Nobody else is notified, the e-mail goes out after the action commits, and a mail
server that refuses does not undo the action."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Notification
from portfolio.models import EvidenceItem
from portfolio.services import (
    evidence_create,
    evidence_submit,
    mapping_save,
    witness_request_create,
    witness_statement_write,
)
from portfolio.services.assessment import Decision, evidence_assess
from portfolio.services.witness import witness_token
from tests.portfolio.factories import EvidenceItemFactory

# The e-mails go out through a job: follow its effect here, broker or not.
pytestmark = pytest.mark.usefixtures("eager_jobs")

Kind = Notification.Kind
EVERYONE = [
    "learner",
    "assessor",
    "verifier",
    "manager",
    "centre_admin",
    "other_learner",
    "other_assessor",
    "other_centre_learner",
    "other_centre_assessor",
    "other_centre_manager",
]


@pytest.fixture
def everyone(request, other_enrolment):
    return {name: request.getfixturevalue(name) for name in EVERYONE}


@pytest.fixture
def ready(enrolment, problem):
    """EI 1, an observation claiming outcomes 1.1 and 1.2, mapped but not yet submitted."""
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
        knowledge_items=[],
        range_items=[],
    )
    return item


def decide(item, verdicts: dict):
    outcomes = {o.code: o for o in item.enrolment.unit.outcomes.filter(code__in=verdicts)}
    return evidence_assess(
        item=item,
        by=item.enrolment.assessor,
        decisions=[
            Decision(outcomes[code], v, feedback) for code, (v, feedback) in verdicts.items()
        ],
    )


def notified(everyone, since: int = 0) -> dict[str, list[str]]:
    """Who received notifications (with pk above `since`), by persona: kinds, oldest first."""
    by_user = {user.pk: name for name, user in everyone.items()}
    result: dict[str, list[str]] = {}
    for n in Notification.objects.filter(pk__gt=since).order_by("pk"):
        result.setdefault(by_user[n.recipient_id], []).append(n.kind)
    return result


def last_pk() -> int:
    return Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# Submitted -------------------------------------------------------------------------------


def test_submitting_notifies_the_learners_assessor_and_nobody_else(
    everyone, ready, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        evidence_submit(item=ready, by=everyone["learner"])
    assert notified(everyone) == {"assessor": [Kind.EVIDENCE_SUBMITTED]}
    notification = Notification.objects.get()
    assert notification.title == (
        f"{everyone['learner'].display_name} submitted EI 1: Observed handling a billing complaint"
    )
    assert notification.url == reverse("portfolio:evidence-assess", args=[ready.pk])
    (message,) = mail.outbox
    assert message.to == [everyone["assessor"].email]
    assert "submitted EI 1" in message.subject


def test_resubmitting_after_a_referral_says_so(everyone, ready):
    evidence_submit(item=ready, by=everyone["learner"])
    item = decide(ready, {"1.1": ("competent", ""), "1.2": ("not_yet", "Say how you checked.")})
    since = last_pk()
    evidence_submit(item=item, by=everyone["learner"])
    assert notified(everyone, since) == {"assessor": [Kind.EVIDENCE_SUBMITTED]}
    notification = Notification.objects.get(pk__gt=since)
    assert " resubmitted EI 1" in notification.title
    assert "changed after feedback" in notification.body


def test_a_refused_submit_notifies_nobody(everyone, enrolment):
    draft = EvidenceItemFactory(enrolment=enrolment, ei=1)  # claims nothing yet
    with pytest.raises(ValidationError):
        evidence_submit(item=draft, by=everyone["learner"])
    assert not Notification.objects.exists()


def test_submitting_through_the_page_succeeds_when_the_mail_server_refuses(
    client, everyone, ready, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.accounts.test_notifications.RefusingBackend"
    client.force_login(everyone["learner"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portfolio:evidence-submit", args=[ready.pk]))
    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.status == EvidenceItem.Status.SUBMITTED
    notification = Notification.objects.get(recipient=everyone["assessor"])
    assert notification.emailed_at is None


def test_an_assessor_who_turned_email_off_is_notified_on_the_site_only(
    everyone, ready, django_capture_on_commit_callbacks
):
    assessor = everyone["assessor"]
    assessor.email_notifications = False
    assessor.save()
    with django_capture_on_commit_callbacks(execute=True):
        evidence_submit(item=ready, by=everyone["learner"])
    assert notified(everyone) == {"assessor": [Kind.EVIDENCE_SUBMITTED]}
    assert mail.outbox == []


# Assessed or referred back ---------------------------------------------------------------


def test_all_competent_notifies_the_learner_that_it_is_assessed(
    everyone, submitted, django_capture_on_commit_callbacks
):
    since = last_pk()
    with django_capture_on_commit_callbacks(execute=True):
        decide(submitted, {"1.1": ("competent", ""), "1.2": ("competent", "")})
    assert notified(everyone, since) == {"learner": [Kind.EVIDENCE_ASSESSED]}
    notification = Notification.objects.get(pk__gt=since)
    assert notification.title == "EI 1 is assessed: Observed handling a billing complaint"
    assert "competent on outcomes 1.1 and 1.2" in notification.body
    assert notification.url == submitted.get_absolute_url()
    (message,) = mail.outbox
    assert message.to == [everyone["learner"].email]


def test_a_not_yet_notifies_the_learner_that_it_is_referred_back_with_the_feedback(
    everyone, submitted, django_capture_on_commit_callbacks
):
    since = last_pk()
    with django_capture_on_commit_callbacks(execute=True):
        decide(
            submitted,
            {"1.1": ("competent", ""), "1.2": ("not_yet", "Say how you checked the bill.")},
        )
    assert notified(everyone, since) == {"learner": [Kind.EVIDENCE_REFERRED_BACK]}
    notification = Notification.objects.get(pk__gt=since)
    assert notification.title == "EI 1 is referred back: Observed handling a billing complaint"
    assert "on outcome 1.2:" in notification.body
    assert "1.2: Say how you checked the bill." in notification.body
    assert "1.1:" not in notification.body
    (message,) = mail.outbox
    assert message.to == [everyone["learner"].email]
    assert "1.2: Say how you checked the bill." in message.body


def test_the_same_feedback_on_several_outcomes_is_given_once(everyone, submitted):
    since = last_pk()
    decide(submitted, {"1.1": ("not_yet", "Say how."), "1.2": ("not_yet", "Say how.")})
    body = Notification.objects.get(pk__gt=since).body
    assert "on outcomes 1.1 and 1.2:" in body
    assert body.count("Say how.") == 1
    assert "1.1 and 1.2: Say how." in body


def test_refused_decisions_notify_nobody(everyone, submitted):
    since = last_pk()
    with pytest.raises(ValidationError):
        decide(submitted, {"1.1": ("competent", "")})  # 1.2 left undecided
    assert notified(everyone, since) == {}


# A witness has written -------------------------------------------------------------------


@pytest.fixture
def witness_request(enrolment, evidence_type):
    item = EvidenceItemFactory(
        enrolment=enrolment, ei=2, evidence_type=evidence_type("WT"), title="Refund call"
    )
    request = witness_request_create(
        item=item,
        by=enrolment.learner,
        witness_name="Sam Lead",
        witness_role="Team leader",
        witness_email="sam@example.org",
        prompt="Describe how I handled the refund call.",
        site_url="http://testserver/",
    )
    mail.outbox.clear()  # the witness's own e-mail
    return request


def write(request, **overrides):
    fields = {
        "text": "I sat next to Lena and heard the whole call.",
        "witness_name": "Sam Lead",
        "witness_role": "Team leader",
        "confirmed": True,
        **overrides,
    }
    return witness_statement_write(token=witness_token(request), **fields)


def test_a_witness_statement_notifies_the_learner_and_nobody_else(
    everyone, witness_request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        write(witness_request)
    assert notified(everyone) == {"learner": [Kind.WITNESS_WRITTEN]}
    notification = Notification.objects.get()
    assert notification.title == "Sam Lead wrote a witness statement for EI 2"
    assert notification.url == witness_request.evidence.get_absolute_url()
    (message,) = mail.outbox
    assert message.to == [everyone["learner"].email]
    # The statement stays in Casebook: the e-mail only says that it was written.
    assert "heard the whole call" not in message.body


def test_a_statement_refused_for_missing_text_notifies_nobody(everyone, witness_request):
    with pytest.raises(ValidationError):
        write(witness_request, text=" ")
    assert not Notification.objects.exists()


def test_the_witness_page_thanks_the_witness_when_the_mail_server_refuses(
    client, everyone, witness_request, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.accounts.test_notifications.RefusingBackend"
    url = reverse("portfolio:witness-statement", args=[witness_token(witness_request)])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "text": "I heard the whole call.",
                "witness_name": "Sam Lead",
                "witness_role": "Team leader",
                "confirmed": "on",
            },
        )
    assert response.status_code == 200
    assert witness_request.evidence.witness_statements.count() == 1
    assert Notification.objects.get().emailed_at is None


# From the notification to the page -------------------------------------------------------


def test_the_assessor_follows_the_notification_to_the_assess_page(client, everyone, ready):
    evidence_submit(item=ready, by=everyone["learner"])
    client.force_login(everyone["assessor"])
    page = client.get(reverse("accounts:notifications")).content.decode()
    notification = Notification.objects.get()
    assert notification.get_absolute_url() in page
    response = client.get(notification.get_absolute_url(), follow=True)
    assert response.redirect_chain[-1][0] == reverse("portfolio:evidence-assess", args=[ready.pk])
    assert response.status_code == 200


# Internal verification ------------------------------------------------------------------------


@pytest.fixture
def signed(enrolment):
    from tests.portfolio.verification_helpers import signed_assessment

    return signed_assessment(enrolment)


def review(sample_item, verdict, comments=""):
    from django.utils import timezone

    from portfolio.services import review_record

    return review_record(
        sample_item=sample_item,
        by=sample_item.evidence.enrolment.verifier,
        verdict=verdict,
        comments=comments,
        reauthenticated_at=timezone.now(),
    )


def test_sampling_tells_the_assessor_and_the_learner_and_nobody_else(
    everyone, enrolment, signed, django_capture_on_commit_callbacks
):
    from portfolio.services import sample_draw

    since = last_pk()
    with django_capture_on_commit_callbacks(execute=True):
        sample = sample_draw(
            verifier=enrolment.verifier, assessor=enrolment.assessor, centre=enrolment.centre
        )
    assert notified(everyone, since) == {
        "assessor": [Kind.EVIDENCE_SAMPLED],
        "learner": [Kind.EVIDENCE_SAMPLED],
    }
    item = sample.items.get()
    to_assessor = Notification.objects.get(pk__gt=since, recipient=enrolment.assessor)
    assert to_assessor.url == item.get_absolute_url()
    assert f"sampled your assessment of EI {signed.ei}" in to_assessor.title
    to_learner = Notification.objects.get(pk__gt=since, recipient=enrolment.learner)
    assert to_learner.url == signed.get_absolute_url()
    assert {m.to[0] for m in mail.outbox} == {enrolment.assessor.email, enrolment.learner.email}


def test_a_targeted_sample_gives_its_reason_to_the_assessor(everyone, enrolment, signed):
    from portfolio.services import sample_item_add

    since = last_pk()
    sample_item_add(verifier=enrolment.verifier, evidence=signed, reason="A new assessor.")
    body = Notification.objects.get(pk__gt=since, recipient=enrolment.assessor).body
    assert "for this reason: A new assessor." in body


def test_a_referral_tells_the_assessor_with_the_comments_and_their_response_tells_the_iv(
    everyone, enrolment, signed
):
    from portfolio.services import assessor_respond, sample_item_add

    item = sample_item_add(verifier=enrolment.verifier, evidence=signed, reason="Spot check.")
    since = last_pk()
    review(item, "refer_back", "Say how 1.2 was within their authority.")
    assert notified(everyone, since) == {"assessor": [Kind.SAMPLE_REFERRED]}
    assert (
        "Say how 1.2 was within their authority." in Notification.objects.order_by("pk").last().body
    )
    since = last_pk()
    assessor_respond(sample_item=item, by=enrolment.assessor, text="Added a note to 1.2.")
    assert notified(everyone, since) == {"verifier": [Kind.SAMPLE_RESPONDED]}
    since = last_pk()
    review(item, "accept")
    assert notified(everyone, since) == {"assessor": [Kind.SAMPLE_ACCEPTED]}


def test_a_refused_review_notifies_nobody(everyone, enrolment, signed):
    from portfolio.services import sample_item_add

    item = sample_item_add(verifier=enrolment.verifier, evidence=signed, reason="Spot check.")
    since = last_pk()
    with pytest.raises(ValidationError):
        review(item, "refer_back", "")
    assert notified(everyone, since) == {}
