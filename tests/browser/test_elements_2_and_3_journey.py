"""Elements 2 and 3 in a real browser, on the demo centre (issue 6's "done when"): the
manager sees the centre's spikes and suggested repeated problems; the demo learner confirms
the suggestion in their log, appraises two options, records the agreement and the choice,
logs the preventive action from the demo story's date and, over the demo's later months,
sees its measured effect; evidence drafted from both appears mapped in the portfolio."""

import datetime
import re

import pytest
from django.conf import settings as django_settings
from django.db.models import Q
from playwright.sync_api import expect

from analytics.models import Effectiveness
from complaints.models import PreventiveAction, RepeatedProblem
from config.demo import demo_seed
from portfolio.models import EvidenceItem
from tests.browser.conftest import log_in


@pytest.fixture
def demo(transactional_db, settings):
    settings.CASEBOOK_DEMO = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    summary = demo_seed()
    assert summary.story is not None
    return summary


def test_a_suggested_repeated_problem_becomes_a_measured_preventive_action_and_evidence(
    new_context, demo, jobs
):
    story = demo.story
    password = django_settings.DEMO_PASSWORD

    # The manager sees the centre's spikes and the suggested repeated problems.
    as_manager = new_context().new_page()
    log_in(as_manager, "manager", password)
    as_manager.goto("/analysis/")
    trend = as_manager.locator("section[aria-labelledby=trend-heading]")
    expect(trend.locator("svg")).to_be_visible()
    expect(trend).to_contain_text("spike")
    candidates = as_manager.locator("section[aria-labelledby=candidates-heading]")
    expect(candidates.locator("tbody tr").first).to_be_visible()

    # The learner confirms the suggestion holding their incidents.
    as_learner = new_context().new_page()
    log_in(as_learner, "learner", password)
    as_learner.goto("/analysis/suggestions/")
    suggestion = as_learner.locator("article", has_text=story.product).filter(
        has_text=f"{story.incidents} of your problems"
    )
    suggestion.get_by_role("button", name="Confirm as a repeated problem").click()
    record = RepeatedProblem.objects.get(learner__username="learner")
    expect(as_learner).to_have_url(re.compile(rf"/log/repeated/{record.pk}/"))

    # Two options, appraised for the customer and the organisation.
    for title, basis, feasibility in (
        (
            "Reword the returns policy on receipts",
            "A formal organisational procedure",
            "high",
        ),
        (
            "Refund outside the window when staff agree",
            "An agreed/authorised exception",
            "medium",
        ),
    ):
        as_learner.goto(record.get_absolute_url())
        as_learner.get_by_role("link", name="Add an option").click()
        as_learner.get_by_label("The option, in a few words").fill(title)
        as_learner.get_by_label("What it would involve").fill(f"{title}, from next month.")
        as_learner.get_by_label(re.compile(basis)).check()
        for field, text in (
            ("customer_advantages", "Clear about refunds before buying"),
            ("customer_disadvantages", "Small print some will not read"),
            ("organisation_advantages", "Fewer returns complaints"),
            ("organisation_disadvantages", "Receipt template change"),
        ):
            as_learner.locator(f"#id_{field}").fill(text)
        as_learner.get_by_label("Cost").fill("A day of the team leader's time")
        as_learner.get_by_label("How feasible is it?").select_option(feasibility)
        as_learner.get_by_role("button", name="Save the option").click()
        expect(as_learner.locator(".alert-success")).to_be_visible()
    assert record.options.count() == 2

    # Who agreed the way forward, and the choice.
    as_learner.get_by_role("link", name="Record who you agreed it with").click()
    as_learner.get_by_label("Who did you work with to agree the way forward?").fill(
        "Store manager and the returns team leader"
    )
    as_learner.get_by_label("When?").fill(
        (story.implemented_on - datetime.timedelta(days=14)).isoformat()
    )
    as_learner.get_by_label("What was agreed?").fill("Reword the policy on every receipt.")
    as_learner.get_by_role("button", name="Save the consultation").click()
    expect(as_learner.locator(".alert-success")).to_be_visible()
    as_learner.get_by_role("radio", name="Reword the returns policy on receipts").check()
    as_learner.get_by_label(
        "Why is it the best option for both your customers and your organisation?"
    ).fill("Customers know the rules before they buy; staff stop arguing refunds.")
    as_learner.get_by_role("button", name="Choose this option").click()
    expect(as_learner.locator(".alert-success")).to_be_visible()
    record.refresh_from_db()
    assert record.chosen_option is not None

    # The preventive action, from the day the change took effect.
    as_learner.get_by_role("link", name="Plan a preventive action").click()
    as_learner.get_by_label("Name the change").fill("Returns policy printed on receipts")
    as_learner.get_by_label("What did you propose?").fill("Print the returns window on receipts.")
    as_learner.get_by_label("Who did you negotiate it with?").fill("Store manager")
    as_learner.get_by_label("Their decision").select_option("approved")
    as_learner.get_by_label("Decided on").fill(
        (story.implemented_on - datetime.timedelta(days=7)).isoformat()
    )
    as_learner.get_by_label("What changed in systems or procedures?").fill(
        "Every receipt now prints the returns window and what counts as faulty."
    )
    as_learner.get_by_label("The day it took effect").fill(story.implemented_on.isoformat())
    as_learner.get_by_label("How will you monitor it?").fill(
        "Watch returns complaints weekly for three months."
    )
    as_learner.get_by_role("button", name="Save the preventive action").click()
    expect(as_learner.locator(".alert-success")).to_be_visible()
    action = PreventiveAction.objects.get(title="Returns policy printed on receipts")

    # The engine measures it (the save queued a re-measure) over the demo's later months.
    for _ in range(60):
        if Effectiveness.objects.filter(action=action).exists():
            break
        as_learner.wait_for_timeout(1000)
    as_learner.goto(action.get_absolute_url())
    expect(as_learner.get_by_text(re.compile("Effective: down"))).to_be_visible()

    # Evidence from both, drafted and then confirmed by the learner, appears mapped.
    for page_url in (record.get_absolute_url(), action.get_absolute_url()):
        as_learner.goto(page_url)
        as_learner.get_by_role("button", name="Draft a personal statement").click()
        expect(as_learner.locator(".alert-success")).to_be_visible()
        suggested = as_learner.locator(".cb-mapping-suggested input[type=checkbox]")
        expect(suggested.first).to_be_visible()
        for box in suggested.all():
            box.check()
        as_learner.get_by_role("button", name="Save the mapping").click()
        expect(as_learner.locator(".alert-success")).to_be_visible()
    drafted = EvidenceItem.objects.filter(
        Q(drafted_from_repeated=record) | Q(drafted_from_action=action)
    )
    assert drafted.count() == 2
    codes = set(
        drafted.filter(outcome_mappings__confirmed=True).values_list(
            "outcome_mappings__outcome__code", flat=True
        )
    )
    assert {"2.1", "2.2", "2.3", "2.4", "3.1", "3.2", "3.4"} <= codes
    as_learner.goto("/portfolio/coverage/")
    for code in ("2.1", "2.4", "3.1", "3.2"):
        expect(
            as_learner.get_by_text(f"Outcome {code} has no confirmed evidence yet")
        ).to_have_count(0)
