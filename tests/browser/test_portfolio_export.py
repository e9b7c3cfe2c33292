"""The full portfolio PDF in a real browser (issue 7, item 7): the learner asks for it from
the records page, the page follows the background job (a real worker where CI has a broker)
until the PDF is ready, the downloaded file is the one whose SHA-256 the page shows, and a
notification says it is ready."""

import hashlib
import re
import subprocess

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.complaints.factories import ProblemFactory
from tests.portfolio.printing_helpers import sign_every_outcome_and_record


@pytest.fixture
def private_storage(tmp_path, settings, monkeypatch):
    """One private folder for the live server and the worker (which reads the environment)."""
    folder = tmp_path / "private"
    monkeypatch.setenv("CASEBOOK_PRIVATE_STORAGE", str(folder))
    settings.PRIVATE_STORAGE_ROOT = folder
    return folder


def test_the_learner_prepares_and_downloads_the_full_portfolio_pdf(
    new_context, private_storage, people, jobs, tmp_path
):
    enrolment = people["enrolment"]
    problem = ProblemFactory(
        centre=people["centre"],
        learner=people["learner"],
        received_at=timezone.now().replace(microsecond=0),
    )
    sign_every_outcome_and_record(enrolment, problem)

    page = new_context().new_page()
    log_in(page, people["learner"])
    page.goto("/portfolio/records/")
    page.get_by_role("button", name="Prepare the full portfolio PDF").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Portfolio of evidence")

    download_link = page.get_by_role("link", name="Download the PDF")
    expect(download_link).to_be_visible(timeout=90_000)
    shown_hash = page.locator("code.text-break").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", shown_hash)
    with page.expect_download() as download_info:
        download_link.click()
    path = tmp_path / "downloaded.pdf"
    download_info.value.save_as(path)
    body = path.read_bytes()
    assert body.startswith(b"%PDF")
    assert hashlib.sha256(body).hexdigest() == shown_hash
    text = subprocess.run(  # noqa: S603
        ["pdftotext", str(path), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Portfolio of evidence" in text
    assert "Evidence achievement record" in text
    assert "Sampling record" in text

    page.goto("/notifications/")
    expect(page.get_by_text("Your portfolio PDF is ready")).to_be_visible()
