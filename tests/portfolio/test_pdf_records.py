"""The printed records (issue 7): the evidence achievement record and the knowledge evidence
record as PDF, their signatures with codes, the DRAFT mark, and who may print them."""

import pytest
from django.urls import reverse
from django.utils import timezone

from portfolio.selectors import signature_code
from portfolio.services import evidence_unlock
from portfolio.services.printing import record_print
from tests.accounts.factories import member
from tests.portfolio.printing_helpers import (
    pdf_words as pdf_text_of,
)
from tests.portfolio.printing_helpers import (
    sign_every_outcome_and_record,
    sign_knowledge_record,
)


def pdf_text(response, tmp_path) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return pdf_text_of(response.content)


def achievement_url(enrolment):
    return reverse("portfolio:achievement-pdf", args=[enrolment.pk])


def knowledge_url(enrolment):
    return reverse("portfolio:knowledge-pdf", args=[enrolment.pk])


def index_url(enrolment):
    return reverse("portfolio:index-pdf", args=[enrolment.pk])


@pytest.fixture
def all_signed(enrolment, problem):
    return sign_every_outcome_and_record(enrolment, problem)


@pytest.fixture
def knowledge_signed(enrolment, knowledge_covered):
    return sign_knowledge_record(enrolment)


# The evidence achievement record ------------------------------------------------------------


def test_the_achievement_record_prints_every_outcome_in_the_units_words(
    client, enrolment, tmp_path
):
    client.force_login(enrolment.learner)
    text = " ".join(pdf_text(client.get(achievement_url(enrolment)), tmp_path).split())
    for outcome in enrolment.unit.outcomes.all():
        assert f"{outcome.code} {outcome.text}" in text
    assert "Evidence achievement record" in text
    assert "Assessor to sign and date when competence demonstrated" in text
    assert enrolment.centre.name in text
    assert enrolment.assessor.display_name in text


def test_an_unsigned_achievement_record_is_marked_draft(client, enrolment, tmp_path):
    client.force_login(enrolment.learner)
    response = client.get(achievement_url(enrolment))
    assert "DRAFT" in pdf_text(response, tmp_path)
    assert "draft.pdf" in response["Content-Disposition"]


def test_a_fully_signed_achievement_record_shows_signers_dates_and_codes_without_draft(
    client, enrolment, all_signed, tmp_path
):
    client.force_login(enrolment.assessor)
    response = client.get(achievement_url(enrolment))
    text = pdf_text(response, tmp_path)
    assert "DRAFT" not in text
    assert response["Content-Disposition"].startswith("attachment; filename=")
    for signature in enrolment.signatures.all():
        assert signature_code(signature) in text
    assert enrolment.assessor.display_name in text
    assert enrolment.learner.display_name in text
    assert timezone.localdate().strftime("%-d %B %Y") in text
    assert "Element 3: consistently calm and thorough." in text


def test_an_unlocked_record_prints_draft_again(
    client, enrolment, all_signed, centre_admin, tmp_path
):
    evidence_unlock(item=all_signed, by=centre_admin, reason="Wrong learner's observation.")
    client.force_login(enrolment.learner)
    assert "DRAFT" in pdf_text(client.get(achievement_url(enrolment)), tmp_path)


# The knowledge evidence record --------------------------------------------------------------


def test_the_knowledge_record_prints_items_aspects_types_and_ei_numbers(
    client, enrolment, knowledge_covered, tmp_path
):
    client.force_login(enrolment.learner)
    text = " ".join(pdf_text(client.get(knowledge_url(enrolment)), tmp_path).split())
    for code in ["EI", "WT", "APEL", "Q&A", "EWE", "PD"]:
        assert code in text
    assert "major competitors of your organisation" in text
    assert "disability discrimination" in text
    assert "how to negotiate with and reassure customers" in text
    assert " 9 " in text  # EI 9 in the P column
    assert "DRAFT" in text


def test_a_knowledge_record_signed_by_all_three_has_no_draft_mark(
    client, enrolment, knowledge_signed, tmp_path
):
    client.force_login(enrolment.verifier)
    text = pdf_text(client.get(knowledge_url(enrolment)), tmp_path)
    assert "DRAFT" not in text
    flat = " ".join(text.split())
    assert "The candidate has satisfied the assessor and internal verifier" in flat
    for signature in enrolment.signatures.all():
        assert signature_code(signature) in text
        assert signature.signer.display_name in text


# Who may print ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["learner", "assessor", "verifier", "centre_admin"])
@pytest.mark.parametrize("url", [achievement_url, knowledge_url, index_url])
def test_the_learner_their_assessor_iv_and_centre_admins_may_print(
    client, enrolment, centre_admin, who, url
):
    user = centre_admin if who == "centre_admin" else getattr(enrolment, who)
    client.force_login(user)
    assert client.get(url(enrolment)).status_code == 200


@pytest.mark.parametrize(
    "who", ["other_assessor", "other_learner", "manager", "other_centre_assessor"]
)
@pytest.mark.parametrize("url", [achievement_url, knowledge_url, index_url])
def test_anyone_else_gets_404(client, enrolment, other_enrolment, request, who, url):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(enrolment)).status_code == 404


def test_a_centre_admin_of_another_centre_gets_404(client, enrolment, other_centre):
    from accounts.models import Role

    client.force_login(member(centre=other_centre, role=Role.CENTRE_ADMIN, username="oca"))
    assert client.get(achievement_url(enrolment)).status_code == 404


def test_anonymous_readers_are_sent_to_log_in(client, enrolment):
    assert client.get(achievement_url(enrolment)).status_code == 302


def test_the_learner_prints_their_own_records_without_an_id(client, enrolment, tmp_path):
    client.force_login(enrolment.learner)
    for name in ["portfolio:achievement-pdf-home", "portfolio:knowledge-pdf-home"]:
        assert pdf_text(client.get(reverse(name)), tmp_path)
    client.force_login(enrolment.assessor)
    assert client.get(reverse("portfolio:achievement-pdf-home")).status_code == 404


def test_the_records_page_links_to_both_pdfs(client, enrolment):
    client.force_login(enrolment.assessor)
    page = client.get(reverse("portfolio:enrolment-records", args=[enrolment.pk])).content
    assert achievement_url(enrolment).encode() in page
    assert knowledge_url(enrolment).encode() in page


def test_the_learner_prints_their_own_records_from_the_short_urls(client, enrolment, tmp_path):
    client.force_login(enrolment.learner)
    for name, heading in [
        ("achievement-pdf-home", "Evidence achievement record"),
        ("knowledge-pdf-home", "Knowledge evidence record"),
        ("index-pdf-home", "Evidence index"),
    ]:
        assert heading in pdf_text(client.get(reverse(f"portfolio:{name}")), tmp_path)


def test_the_records_page_links_to_each_printed_record_and_the_full_portfolio(client, enrolment):
    client.force_login(enrolment.assessor)
    page = client.get(reverse("portfolio:enrolment-records", args=[enrolment.pk]))
    for url in (achievement_url, knowledge_url, index_url):
        assert url(enrolment).encode() in page.content
    assert b"Prepare the full portfolio PDF" in page.content


def test_records_print_styled_under_productions_hashed_static_files(enrolment, settings, tmp_path):
    """In production the static files storage hashes names (pdf.3f2a….css) that exist only
    after collectstatic: the print stylesheet must not depend on them. The page numbers
    come from the stylesheet's @page rules, so they show it was applied."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    settings.STATIC_ROOT = tmp_path / "collected-nothing-yet"
    printed = record_print(enrolment=enrolment, part="achievement")
    text = pdf_text_of(printed.body)
    assert "Page 1 of" in text
    assert "Evidence achievement record" in text


# An outcome shown on many items -------------------------------------------------------------


def decision_signature(item):
    """The assessor's signature on the item's one outcome decision."""
    from django.contrib.contenttypes.models import ContentType

    from portfolio.models import OutcomeDecision, Signature

    return Signature.objects.get(
        subject_type=ContentType.objects.get_for_model(OutcomeDecision),
        subject_id=item.decisions.get().pk,
    )


def test_an_outcome_signed_on_several_items_prints_the_first_and_counts_the_rest(
    enrolment, tmp_path
):
    from tests.portfolio.verification_helpers import signed_assessment

    first = signed_assessment(enrolment, ("1.1",), title="First call")
    signed_assessment(enrolment, ("1.1",), title="Second call")
    signed_assessment(enrolment, ("1.1",), title="Third call")
    text = pdf_text_of(record_print(enrolment=enrolment, part="achievement").body)
    earliest = decision_signature(first)
    assert signature_code(earliest) in text
    assert "Also signed competent on EI 2, 3: 2 more signatures, each valid." in text


def test_a_signature_no_longer_valid_prints_in_full_beside_the_first(enrolment, tmp_path):
    from tests.portfolio.verification_helpers import signed_assessment, tamper

    signed_assessment(enrolment, ("1.1",), title="First call")
    second = signed_assessment(enrolment, ("1.1",), title="Second call")
    tamper("UPDATE portfolio_evidenceitem SET title = %s WHERE id = %s", ["Changed", second.pk])
    text = pdf_text_of(record_print(enrolment=enrolment, part="achievement").body)
    broken = decision_signature(second)
    assert f"{signature_code(broken)} NOT VALID" in text
    assert "Also signed competent" not in text


def test_checking_signatures_in_bulk_agrees_with_checking_each(enrolment):
    from portfolio.models import Signature
    from portfolio.services import signature_verify, signatures_verify
    from tests.portfolio.verification_helpers import signed_assessment, tamper

    signed_assessment(enrolment, ("1.1", "1.2"))
    second = signed_assessment(enrolment, ("1.1", "1.3"))
    tamper("UPDATE portfolio_evidenceitem SET title = %s WHERE id = %s", ["Changed", second.pk])
    signatures = list(Signature.objects.filter(enrolment=enrolment))
    bulk = signatures_verify(signatures=signatures)
    assert sorted(v.state for v in bulk.values()) == ["not valid"] * 2 + ["valid"] * 2
    for signature in signatures:
        one = signature_verify(signature=signature)
        assert (bulk[signature.pk].state, bulk[signature.pk].recomputed_sha256) == (
            one.state,
            one.recomputed_sha256,
        )


def test_checking_every_kind_of_signature_in_bulk_agrees_with_checking_each(
    enrolment, all_signed, knowledge_signed, django_assert_max_num_queries
):
    """Element records, the knowledge record and the IV's reviews are read a kind at a time
    in a bulk check, and a change to any of them still shows, as it does one by one."""
    from portfolio.models import ElementRecord
    from portfolio.selectors.signatures import signatures_base
    from portfolio.services import (
        review_record,
        sample_item_add,
        signature_verify,
        signatures_verify,
    )
    from tests.portfolio.verification_helpers import tamper

    sampled = sample_item_add(evidence=all_signed, verifier=enrolment.verifier, reason="First.")
    review_signature = review_record(
        sample_item=sampled,
        by=enrolment.verifier,
        verdict="accept",
        comments="Sound decisions.",
        reauthenticated_at=timezone.now(),
    )
    element_2 = ElementRecord.objects.get(enrolment=enrolment, element__number=2)
    tamper(
        "UPDATE portfolio_elementrecord SET feedback = %s WHERE id = %s", ["Edited", element_2.pk]
    )
    tamper(
        "UPDATE portfolio_verificationreview SET comments = %s WHERE id = %s",
        ["Edited", review_signature.subject_id],
    )
    tamper(
        "UPDATE portfolio_knowledgerecord SET feedback = %s WHERE id = %s",
        ["Edited", enrolment.knowledge_record.pk],
    )
    signatures = list(signatures_base().filter(enrolment=enrolment))  # as the records read them
    kinds = {s.subject_type.model for s in signatures}
    assert kinds == {"outcomedecision", "elementrecord", "knowledgerecord", "verificationreview"}

    with django_assert_max_num_queries(25):
        bulk = signatures_verify(signatures=signatures)
    not_valid = {s.subject_type.model for s in signatures if bulk[s.pk].state == "not valid"}
    assert not_valid == {"elementrecord", "knowledgerecord", "verificationreview"}
    for signature in signatures:
        one = signature_verify(signature=signature)
        assert (bulk[signature.pk].state, bulk[signature.pk].recomputed_sha256) == (
            one.state,
            one.recomputed_sha256,
        )


def test_a_record_is_gathered_and_laid_out_with_the_cycle_collector_paused(enrolment):
    import gc

    seen = []
    record_print(
        enrolment=enrolment,
        part="achievement",
        progress=lambda percent, words: seen.append((percent, gc.isenabled())),
    )
    assert seen == [(5, False), (30, False), (80, False)]
    assert gc.isenabled()
