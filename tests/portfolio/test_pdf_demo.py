"""Issue 7's "Done when", on the demo learner's portfolio: the printed records read like the
unit's forms filled in (every outcome in its exact words, the signatures with their codes in
their cells, DRAFT while the record is not fully signed), and a signature changed behind
Casebook's back prints and verifies as not valid."""

from __future__ import annotations

import pytest
from django.urls import reverse

from config.demo import demo_seed
from portfolio.models import ElementRecord, Enrolment
from portfolio.selectors import live_signatures, signature_code
from portfolio.services.printing import record_print
from tests.portfolio.printing_helpers import pdf_words
from tests.portfolio.verification_helpers import tamper


@pytest.fixture
def demo(db, settings):
    settings.CASEBOOK_DEMO = True
    demo_seed(days=60)
    return Enrolment.objects.select_related("unit", "learner").get(learner__username="learner")


def test_the_demo_portfolio_prints_every_outcome_in_the_units_words(demo, tmp_path):
    text = pdf_words(record_print(enrolment=demo, part="portfolio").body)
    for outcome in demo.unit.outcomes.all():
        assert f"{outcome.code} {' '.join(outcome.text.split())}" in text
    for element in demo.unit.elements.all():
        assert f"Element {element.number} {element.title}" in text


def test_the_demo_records_signatures_print_with_their_codes_and_the_record_is_draft(demo, tmp_path):
    document = record_print(enrolment=demo, part="achievement")
    text = pdf_words(document.body)
    record = ElementRecord.objects.get(enrolment=demo, element__number=1)
    signatures = live_signatures(record)
    assert sorted(s.role for s in signatures) == ["assessor", "learner"]
    for signature in signatures:
        assert f"{signature.signer.display_name} ({signature.get_role_display().lower()})" in text
        assert signature_code(signature) in text
    # Elements 2 and 3 are not signed yet: the record is a draft, and says so.
    assert document.is_draft
    assert "DRAFT" in text
    assert "Not signed" in text


def test_the_demo_ivs_signed_review_prints_in_the_sampling_record(demo, tmp_path):
    text = pdf_words(record_print(enrolment=demo, part="portfolio").body)
    review = demo.signatures.get(role="verifier")
    sampling = text[text.index("The assessments of this portfolio the internal verifier") :]
    assert signature_code(review) in sampling
    assert "Accept" in sampling


def test_a_tampered_signature_prints_not_valid_and_the_verification_page_says_so(
    demo, client, tmp_path
):
    record = ElementRecord.objects.get(enrolment=demo, element__number=1)
    countersigned = next(s for s in live_signatures(record) if s.role == "learner")
    tamper(
        "UPDATE portfolio_elementrecord SET feedback = %s WHERE id = %s",
        ["Excellent in every way.", record.pk],
    )
    text = pdf_words(record_print(enrolment=demo, part="achievement").body)
    assert f"{signature_code(countersigned)} NOT VALID" in text
    client.force_login(demo.learner)
    response = client.get(
        reverse("portfolio:signature-verify"), {"code": signature_code(countersigned)}
    )
    assert response.status_code == 200
    assert b"Not valid:" in response.content
