"""The portfolio's whole journey in a real browser, as issue 4's "done when" describes it: a
learner turns a logged problem into a mapped personal statement, adds a witness testimony
through the e-mailed link and submits; the assessor signs the outcomes and the element; the
candidate countersigns; the internal verifier samples and signs; the coverage page shows
exactly what is left; tampering with signed content is refused by the app and by
PostgreSQL, and detected by the verification page."""

import datetime
import re

import pytest
from django.core import mail
from django.db import IntegrityError, InternalError, connection, transaction
from django.utils import timezone
from playwright.sync_api import expect

from complaints.models import ActionKind
from portfolio.models import EvidenceItem, Signature
from portfolio.selectors import coverage_data
from tests.browser.conftest import PASSWORD, log_in
from tests.complaints.factories import ActionFactory, ProblemFactory

ELEMENT_1 = [
    (ActionKind.RESPONDED, "Apologised and promised a call back within the hour."),
    (ActionKind.SOLVED_IN_AUTHORITY, "Waived the late-payment fee, within my authority."),
    (ActionKind.WORKED_WITH_OTHERS, "Asked billing to correct the meter reading."),
    (ActionKind.KEPT_INFORMED, "Rang the customer to say billing had it in hand."),
    (ActionKind.SATISFACTION_CHECKED, "Checked the corrected bill with the customer: happy."),
    (ActionKind.SOLVED_BEFORE_AWARE, "Found two more bills with the same misread and fixed them."),
    (ActionKind.INFORMED_AUTHORITY, "Told my team leader and the billing team what I did."),
]


@pytest.fixture
def logged_problem(people):
    """A problem in the learner's log whose actions show every element 1 outcome."""
    learner = people["learner"]
    received = timezone.now().replace(microsecond=0) - datetime.timedelta(days=12)
    problem = ProblemFactory(
        centre=people["centre"],
        learner=learner,
        received_at=received,
        description="Customer billed twice after an estimated meter reading.",
    )
    for hours, (kind, text) in enumerate(ELEMENT_1, start=1):
        ActionFactory(
            problem=problem,
            kind=kind,
            description=text,
            taken_at=received + datetime.timedelta(hours=hours),
        )
    return problem


def test_a_logged_problem_becomes_signed_countersigned_verified_evidence(
    new_context, people, logged_problem, jobs
):
    learner, assessor = people["learner"], people["assessor"]
    as_learner = new_context().new_page()

    # The learner drafts a personal statement from the problem and confirms the mapping.
    log_in(as_learner, learner)
    as_learner.goto(logged_problem.get_absolute_url())
    as_learner.get_by_role("button", name="Draft a personal statement").click()
    expect(as_learner.get_by_text("draft personal statement from")).to_be_visible()
    item = EvidenceItem.objects.get(enrolment=people["enrolment"])
    as_learner.goto(item.get_absolute_url())
    suggested = as_learner.locator(".cb-mapping-suggested input[type=checkbox]")
    expect(suggested.first).to_be_visible()
    for box in suggested.all():
        box.check()
    as_learner.get_by_role("button", name="Save the mapping").click()
    expect(as_learner.locator(".alert-success")).to_be_visible()
    claimed = set(
        item.outcome_mappings.filter(confirmed=True).values_list("outcome__code", flat=True)
    )
    assert claimed == {f"1.{n}" for n in range(1, 8)}

    # A witness testimony on the same problem: the learner asks a colleague, who writes it
    # through the e-mailed link with no account.
    as_learner.goto("/portfolio/")
    as_learner.get_by_role("link", name="Add evidence").click()
    as_learner.get_by_label("Witness Testimony").check()
    as_learner.get_by_role("button", name="Continue").click()
    as_learner.get_by_label("Title").fill("Team leader's account of the double-billing call")
    as_learner.get_by_label("What the evidence is and what it shows").fill(
        "My team leader's statement of how I worked with billing and kept the customer informed."
    )
    as_learner.get_by_label("Problems from your log").select_option(value=str(logged_problem.pk))
    as_learner.get_by_role("button", name="Add to my portfolio").click()
    expect(as_learner.get_by_text("is in your portfolio")).to_be_visible()
    testimony = EvidenceItem.objects.get(enrolment=people["enrolment"], evidence_type__code="WT")
    assert list(testimony.problems.all()) == [logged_problem]
    as_learner.get_by_role("link", name="Ask a witness").click()
    as_learner.get_by_label("Witness's name").fill("Priya Shah")
    as_learner.get_by_label("Their role, and how they know your work").fill(
        "Team leader; sat beside me during the calls"
    )
    as_learner.get_by_label("Their e-mail address").fill("priya.shah@example.com")
    as_learner.get_by_label("What would you like them to describe?").fill(
        "How I handled the double-billing complaint."
    )
    as_learner.get_by_role("button", name="Send the request").click()
    expect(as_learner.locator(".alert-success")).to_be_visible()
    (email,) = [m for m in mail.outbox if m.to == ["priya.shah@example.com"]]
    link = re.search(r"https?://\S+/witness/\S+", email.body).group(0)
    as_witness = new_context().new_page()
    as_witness.goto(link)
    as_witness.get_by_label("Your statement").fill(
        "Lena apologised at once, got billing to fix the reading the same day and rang the "
        "customer back twice. The customer thanked her."
    )
    as_witness.get_by_label("Your name").fill("Priya Shah")
    as_witness.get_by_label("Your role").fill("Team leader")
    as_witness.get_by_label("I confirm this is a true account of what I saw").check()
    as_witness.get_by_role("button", name="Send my statement").click()
    expect(as_witness.get_by_text("Thank you")).to_be_visible()
    as_witness.goto(link)
    expect(as_witness.get_by_text("already been used")).to_be_visible()

    # The learner maps the testimony, sees the statement, and submits both items.
    as_learner.goto(testimony.get_absolute_url())
    expect(as_learner.get_by_text("got billing to fix the reading")).to_be_visible()
    for code in ("1.3", "1.4"):
        as_learner.locator(".cb-mapping-choice", has_text=code).get_by_role("checkbox").check()
    as_learner.get_by_role("button", name="Save the mapping").click()
    for evidence in (testimony, item):
        as_learner.goto(evidence.get_absolute_url())
        as_learner.get_by_role("button", name=f"Submit EI {evidence.ei}").click()
        expect(as_learner.locator(".alert-success")).to_be_visible()
        evidence.refresh_from_db()
        assert evidence.status == EvidenceItem.Status.SUBMITTED

    # The assessor decides competent on each outcome, signs each, then signs the element.
    as_assessor = new_context().new_page()
    log_in(as_assessor, assessor)
    for evidence, codes in ((item, range(1, 8)), (testimony, (3, 4))):
        as_assessor.goto(f"/portfolio/evidence/{evidence.pk}/assess/")
        for radio in as_assessor.get_by_role("radio", name="Competent").all():
            radio.check()
        as_assessor.get_by_role("button", name="Record the decisions").click()
        sign_all = as_assessor.locator(".cb-sign-all")
        password = sign_all.get_by_label("Your password, to sign")
        if password.count():
            password.fill(PASSWORD)
        sign_all.get_by_role("button", name=re.compile("Sign and date")).click()
        expect(as_assessor.get_by_text(f"{len(codes)} outcomes signed and dated")).to_be_visible()
        for n in codes:
            expect(
                as_assessor.get_by_role("link", name=f"Verify the signature on 1.{n}")
            ).to_be_visible()
        evidence.refresh_from_db()
        assert evidence.is_locked
    records = f"/portfolio/learners/{people['enrolment'].pk}/records/"
    as_assessor.goto(records)
    as_assessor.get_by_label("Feedback").fill("Calm, thorough and kept the customer informed.")
    as_assessor.get_by_role("button", name="Sign element 1").click()
    expect(as_assessor.get_by_text("The element 1 record is signed")).to_be_visible()

    # The candidate countersigns.
    as_learner.goto("/portfolio/records/")
    as_learner.get_by_label("Your password, to sign").fill(PASSWORD)
    as_learner.get_by_role("button", name="Countersign element 1").click()
    expect(as_learner.get_by_text("Countersigned and locked")).to_be_visible()
    roles = set(Signature.objects.filter(voided_at__isnull=True).values_list("role", flat=True))
    assert roles == {"assessor", "learner"}

    # The internal verifier samples the assessor's decisions (every one, for a new
    # assessor), accepts the personal statement's and signs.
    as_verifier = new_context().new_page()
    log_in(as_verifier, people["verifier"])
    as_verifier.goto("/portfolio/verification/")
    as_verifier.get_by_label("Sampling rate (%)").fill("100")
    as_verifier.get_by_label("Why this rate").fill("A new assessor: every decision is checked.")
    as_verifier.get_by_role("button", name="Set the rate").click()
    as_verifier.get_by_role("button", name="Draw sample").click()
    expect(as_verifier.locator(".alert-success")).to_be_visible()
    as_verifier.get_by_role("link", name=f"EI {item.ei}: {item.title}").first.click()
    as_verifier.get_by_label("Accept the assessor's decisions").check()
    as_verifier.get_by_label("Comments").fill("Decisions consistent with the standard.")
    as_verifier.get_by_label("Your password, to sign").fill(PASSWORD)
    as_verifier.get_by_role("button", name="Sign your review").click()
    expect(as_verifier.locator(".alert-success")).to_contain_text("signed by you")
    review_signature = Signature.objects.get(role="verifier")
    as_verifier.goto(review_signature.get_absolute_url())
    expect(as_verifier.locator(".cb-verification").first).to_contain_text("Valid")
    as_learner.goto("/portfolio/")
    expect(as_learner.get_by_text("Sampled").first).to_be_visible()

    # The coverage page lists exactly what is left: element 1 is done, the rest is not.
    as_learner.goto("/portfolio/coverage/")
    expected = [m.text for m in coverage_data(enrolment=people["enrolment"]).missing]
    shown = as_learner.locator(".cb-cov-missing > li > .fw-semibold").all_inner_texts()
    assert shown == expected
    assert "Outcome 2.1 has no confirmed evidence yet" in shown
    assert not [t for t in shown if t.startswith("Outcome 1.")]

    # Tampering: the app refuses to change signed evidence...
    as_learner.goto(f"/portfolio/evidence/{item.pk}/edit/")
    expect(as_learner.get_by_role("status")).to_contain_text("it can no longer be changed")
    # ...so does PostgreSQL...
    if connection.vendor == "postgresql":
        with (
            pytest.raises((InternalError, IntegrityError), match="signed and locked"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "UPDATE portfolio_evidenceitem SET result = 'Changed' WHERE id = %s", [item.pk]
            )
    # ...and a change made behind both (here with the unlock's own bypass, as someone with
    # the database's keys could) shows on the verification page.
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('casebook.unlock', %s, true)", [str(item.pk)])
        cursor.execute(
            "UPDATE portfolio_evidenceitem SET result = 'The customer left.' WHERE id = %s",
            [item.pk],
        )
    signature = Signature.objects.filter(
        role="assessor", subject_id__in=item.decisions.values("pk")
    ).first()
    as_assessor.goto(signature.get_absolute_url())
    expect(as_assessor.get_by_role("alert")).to_contain_text("Not valid")
