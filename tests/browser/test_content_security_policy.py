"""The Content Security Policy (issue 8, item 3) in a real browser: every page carries it, and
the pages each role opens (the log, the portfolio, the records, the dashboard with its charts,
the admin) run with no script, style or resource refused by it."""

from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.complaints.factories import ProblemFactory

PAGES = {
    "learner": [
        "home",
        "complaints:problem-list",
        "complaints:problem-create",
        "complaints:repeated-list",
        "complaints:prevent-list",
        "portfolio:home",
        "portfolio:coverage",
        "portfolio:records",
        "accounts:notifications",
    ],
    "manager": ["home", "analytics:dashboard", "complaints:problem-list"],
}


def test_no_page_a_learner_or_manager_opens_breaks_the_content_security_policy(new_context, people):
    ProblemFactory(centre=people["centre"], learner=people["learner"])
    refused = []
    for who, names in PAGES.items():
        page = new_context().new_page()
        page.on(
            "console",
            lambda message, who=who: (
                refused.append((who, message.text))
                if "Content Security Policy" in message.text
                else None
            ),
        )
        log_in(page, people[who])
        for name in names:
            response = page.goto(reverse(name))
            assert response.status == 200, name
            policy = response.headers["content-security-policy"]
            assert "script-src 'self'" in policy
            assert "style-src 'self'" in policy
            expect(page.locator("main")).to_be_visible()
    assert refused == []
