"""The manager's side in a real browser (issue 8, item 1): a manager opens the dashboard of
a centre that has never been analysed, starts the analysis, watches it run (a real Celery
worker on Redis in CI, which the dashboard polls), sees the spikes and suggested repeated
problems it found, and downloads a table of them. axe-core audits every page (conftest)."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import expect

from analytics.models import AnalysisRun, Signal
from tests.analytics.conftest import store_generated
from tests.browser.conftest import log_in


def test_a_manager_starts_an_analysis_and_sees_what_it_found(new_context, people, jobs):
    centre = people["centre"]
    # A year of the centre's log, with two spikes and three repeated problems in it.
    store_generated(centre, [people["learner"]])
    page = new_context().new_page()
    log_in(page, people["manager"])

    page.get_by_role("link", name="Analysis", exact=True).click()
    run_state = page.locator("#run-state")
    expect(run_state).to_contain_text(f"{centre.name} has not been analysed yet")

    page.get_by_role("button", name="Run the analysis now").click()
    expect(page.locator(".alert-success")).to_contain_text(f"Analysis of {centre.name} started")
    # The box updates itself while the pass runs and offers the results when it is done.
    page.get_by_role("link", name="Show the new results").or_(
        page.get_by_text("Last analysed on")
    ).first.wait_for(timeout=120_000)
    run = AnalysisRun.objects.get(centre=centre)
    assert run.status == AnalysisRun.Status.SUCCEEDED
    assert run.requested_by == people["manager"]
    page.goto(page.url)  # the new results
    expect(run_state).to_contain_text("Started by")

    trend = page.locator("section[aria-labelledby=trend-heading]")
    expect(trend.locator("svg")).to_be_visible()
    spikes = Signal.objects.filter(centre=centre, active=True)
    assert spikes.exists()
    candidates = page.locator("section[aria-labelledby=candidates-heading]")
    expect(candidates.locator("tbody tr").first).to_be_visible()

    # The spikes table downloads as CSV for the same filters.
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("CSV")).first.click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert len(rows) >= 2
    assert download.value.suggested_filename.endswith(".csv")
