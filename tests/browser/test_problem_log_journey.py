"""The problem log in a real browser (issue 8, items 1 and 7): a learner logs a problem and
its actions with the keyboard alone, and imports their company system's CSV export, a job
that a real Celery worker runs in CI. axe-core audits every page on the way (conftest)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from complaints.models import Action, ActionKind, ImportJob, Problem
from tests.browser.conftest import PASSWORD, log_in
from tests.browser.keyboard import choose, focused, press_button, tab_to, type_into

TEXAS_SAMPLE = Path(__file__).parents[1] / "data" / "imports" / "tx_tdi_complaints_sample.csv"
TEXAS_ROWS = 2000


def test_a_learner_logs_a_problem_and_two_actions_with_the_keyboard_alone(new_context, people):
    learner = people["learner"]
    page = new_context().new_page()

    page.goto("/accounts/login/")
    type_into(page, learner.username, name="username")
    type_into(page, PASSWORD, name="password")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Problem log")).to_be_visible()

    # The skip link comes first, then the site's navigation.
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to main content"
    tab_to(page, text="Problem log")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/log/problems/$"))
    tab_to(page, text="Log a problem")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Log a problem")).to_be_visible()

    # When it was received is filled in with now; the learner fills in the rest in order.
    choose(page, "The customer", name="identified_by")
    choose(page, "E-mail", name="channel")
    type_into(page, "ORD-20431", name="customer_ref")
    choose(page, "High", name="severity")
    type_into(page, "Smart meter installation", name="product")
    choose(page, "System or procedure failure", name="category")
    type_into(page, "An engineer on the booked day.", name="customer_expectation")
    type_into(
        page,
        "The booking system cancelled the installation without telling the customer.",
        name="description",
    )
    choose(page, "Yes", name="within_authority")
    press_button(page, "Log the problem")

    expect(page.locator(".alert-success")).to_be_visible()
    problem = Problem.objects.get(learner=learner)
    expect(page).to_have_url(re.compile(f"/log/problems/{problem.pk}/$"))
    assert (problem.channel, problem.severity, problem.category) == (
        "email",
        "high",
        "system_failure",
    )
    assert problem.customer_ref == "ORD-20431"
    assert problem.within_authority is True

    # Two actions on the problem's timeline: the first response (1.1), then the
    # satisfaction check (1.5) with a score and the customer's words.
    choose(page, "1.1 Responded", name="kind")
    type_into(page, "Apologised and rebooked the engineer for Friday.", name="description")
    press_button(page, "Add to the timeline")
    expect(page.locator(".alert-success")).to_be_visible()

    choose(page, "1.5 Checked", name="kind")
    type_into(page, "Rang after the visit: the meter works.", name="description")
    type_into(page, "Thanks for sorting it so fast.", name="customer_words")
    choose(page, "5", name="satisfaction_score")
    press_button(page, "Add to the timeline")
    expect(page.locator(".alert-success")).to_be_visible()

    actions = list(Action.objects.filter(problem=problem).order_by("taken_at", "pk"))
    assert [a.kind for a in actions] == [ActionKind.RESPONDED, ActionKind.SATISFACTION_CHECKED]
    assert actions[1].satisfaction_score == 5
    assert actions[1].customer_words == "Thanks for sorting it so fast."
    expect(page.get_by_text("Rang after the visit: the meter works.")).to_be_visible()


def test_a_learner_imports_their_company_systems_csv_export(new_context, people, jobs, settings):
    # Big enough to go to the background job (a real worker in CI) with its progress bar.
    settings.CASEBOOK_IMPORT_BACKGROUND_ROWS = 500
    learner = people["learner"]
    page = new_context().new_page()
    log_in(page, learner)
    page.goto("/log/problems/")
    page.get_by_role("link", name=re.compile("Import")).first.click()
    expect(page.get_by_role("heading", name=re.compile("Import"))).to_be_visible()
    page.get_by_label("File to import").set_input_files(TEXAS_SAMPLE)
    page.locator("main form button[type=submit]").first.click()

    # Casebook matched the columns from the headings; the learner checks them, says the
    # Texas "Property and Casualty" complaints are expectation gaps, and checks the file.
    expect(page.get_by_role("heading", name="Match the columns")).to_be_visible()
    expect(page.get_by_label("Date received")).to_have_value("received_date")
    page.get_by_role("row", name=re.compile("Property and Casualty")).get_by_role(
        "combobox"
    ).select_option(label="Customer expectations vs products or services")
    page.get_by_role("button", name="Check the file").click()

    import_button = page.get_by_role("button", name=f"Import {TEXAS_ROWS:,} problems")
    expect(import_button).to_be_visible(timeout=60_000)
    import_button.click()
    expect(page.get_by_text(f"{TEXAS_ROWS:,} problems joined your problem log")).to_be_visible(
        timeout=90_000
    )

    job = ImportJob.objects.get()
    assert (job.state, job.imported_count) == (ImportJob.State.DONE, TEXAS_ROWS)
    mine = Problem.objects.filter(learner=learner)
    assert mine.count() == TEXAS_ROWS
    assert mine.values("external_ref").distinct().count() == TEXAS_ROWS
    assert mine.filter(category="expectations_gap").count() == 1277

    # The imported problems are in the log: a search for a complaint number finds it.
    page.goto("/log/problems/")
    page.get_by_label("Search").fill("159573")
    page.get_by_label("Search").press("Enter")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link").click()
    expect(page.get_by_text("159573").first).to_be_visible()
    assert mine.get(external_ref="159573").get_absolute_url() in page.url
