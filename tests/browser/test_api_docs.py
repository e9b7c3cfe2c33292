"""The API's browsable page (issue 9, item 4): Swagger UI from drf-spectacular-sidecar's local
files runs under the site's strict Content Security Policy, with nothing refused, and lists
the API's operations. (Swagger UI is a third party's page: it is not in the axe-core audit
of Casebook's own pages.)"""

from pathlib import Path

from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]


def test_swagger_ui_runs_under_the_content_security_policy(browser, live_server, transactional_db):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    refused, requests_off_site = [], []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith(live_server.url)
            else requests_off_site.append(request.url)
        ),
    )

    response = page.goto("/api/v1/docs/")

    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Casebook API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/problems/batch/" in p.replace("\u200b", "") for p in paths)
    (ROOT / "test-results").mkdir(exist_ok=True)
    page.screenshot(path=ROOT / "test-results" / "api-docs.png", full_page=True)
    assert refused == []
    assert requests_off_site == []
    context.close()
