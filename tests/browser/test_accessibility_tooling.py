"""The accessibility check itself (issue 8, item 7): the committed axe-core is the one
fetched from npm, and a journey's page with a WCAG failure is caught and named."""

from tests.browser.accessibility import AXE, AXE_SHA256, AXE_VERSION, axe_sha256

BROKEN = (
    "<!doctype html><html lang='en'><head><title>Broken</title></head><body><main>"
    "<h1>Broken</h1><img src='/static/nothing.png'><a href='/'></a></main></body></html>"
)


def test_the_committed_axe_core_is_the_npm_release():
    assert axe_sha256() == AXE_SHA256
    assert AXE.read_text(encoding="utf-8").startswith(f"/*! axe v{AXE_VERSION}\n")


def test_a_page_failing_wcag_is_named_with_its_rule_and_element(
    new_context, live_server, accessibility
):
    page = new_context().new_page()
    page.route(
        f"{live_server.url}/broken/",
        lambda route: route.fulfill(body=BROKEN, content_type="text/html"),
    )
    page.goto("/broken/")
    page.goto("/accounts/login/")  # leaving the page audits it first

    rules = {(v.url.removeprefix(live_server.url), v.rule) for v in accessibility.violations}
    assert rules == {("/broken/", "image-alt"), ("/broken/", "link-name")}
    assert f"{live_server.url}/broken/" in accessibility.audited
    # The login page was audited too (when the context closed) and found clean.
    accessibility.violations.clear()


def test_the_login_page_passes_wcag_22_aa(new_context, accessibility):
    page = new_context().new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("nobody")
    assert accessibility.audited
    assert not accessibility.violations
