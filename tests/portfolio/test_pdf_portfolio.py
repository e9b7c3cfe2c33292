"""The evidence index and the full portfolio as PDF (issue 7, items 3, 5 and 6): every item
with its type, date, mapping, narrative, witness statements and attachments' SHA-256; the
problem log records it draws on and the learner's element 2 and 3 work with the dashboard's
charts; the sampling record with its signatures; personal data redacted; a good document."""

from __future__ import annotations

import datetime
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from analytics.models import Effectiveness, SeriesCount
from complaints.models import Action, ActionKind
from portfolio.models import WitnessRequest, WitnessStatement
from portfolio.selectors import signature_code
from portfolio.services import (
    attachment_add,
    evidence_create,
    evidence_submit,
    mapping_save,
    review_record,
    sample_item_add,
)
from portfolio.services.printing import record_print
from tests.complaints.factories import (
    PreventiveActionFactory,
    ProblemFactory,
    RepeatedProblemFactory,
    decide,
)
from tests.portfolio.printing_helpers import (
    pdf_words,
    sign_every_outcome_and_record,
    sign_knowledge_record,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


@pytest.fixture
def problem(enrolment):
    problem = ProblemFactory(
        centre=enrolment.centre,
        learner=enrolment.learner,
        customer_ref="CUST-04417",
        product="Broadband",
        description="Router not sent. Customer is Mrs Olive Grant, olive.grant@example.com, "
        "on 07700 900123, living at SW1A 1AA.",
    )
    Action.objects.create(
        problem=problem,
        kind=ActionKind.RESPONDED,
        taken_at=problem.received_at + datetime.timedelta(hours=1),
        taken_by=enrolment.learner,
        description="Apologised and booked a courier for the next morning.",
    )
    return problem


@pytest.fixture
def statement_item(enrolment, problem, evidence_type):
    """EI 1: a personal statement in the STAR shape with personal data typed into it, mapped,
    with a witness statement and an attachment."""
    item = evidence_create(
        enrolment=enrolment,
        by=enrolment.learner,
        evidence_type=evidence_type("P"),
        title="Router that never arrived",
        date=datetime.date(2026, 10, 5),
        situation="A customer rang; her card 4929 1234 5678 9012 had been charged twice.",
        task="Put it right within my authority.",
        action="I booked a courier and refunded the second charge.",
        result="The router arrived the next morning; she rated us 5 of 5.",
        problems=[problem],
    )
    unit = enrolment.unit
    mapping_save(
        item=item,
        by=enrolment.learner,
        outcomes=list(unit.outcomes.filter(code__in=["1.1", "1.2"])),
        knowledge_items=list(unit.knowledge_items.filter(code="8")),
        range_items=list(unit.range_items.filter(code="identified_by_customer")),
    )
    attachment_add(
        item=item,
        by=enrolment.learner,
        upload=SimpleUploadedFile("refund-note.pdf", PDF_BYTES, content_type="application/pdf"),
    )
    now = timezone.now()
    request = WitnessRequest.objects.create(
        evidence=item,
        witness_name="Sam Okoye",
        witness_role="Team leader",
        witness_email="sam@example.org",
        prompt="What did you see?",
        status=WitnessRequest.Status.WRITTEN,
        nonce="n" * 32,
        sent_at=now,
        expires_at=now + datetime.timedelta(days=14),
        requested_by=enrolment.learner,
    )
    WitnessStatement.objects.create(
        request=request,
        evidence=item,
        text="I heard Priya stay calm and fix it on the call.",
        witness_name="Sam Okoye",
        witness_role="Team leader",
        confirmed=True,
        written_at=now,
    )
    return item


def printed(enrolment, part, tmp_path):
    document = record_print(enrolment=enrolment, part=part)
    return document, pdf_words(document.body)


# The evidence index -------------------------------------------------------------------------


def test_the_index_lists_each_item_with_type_date_mapping_and_star_narrative(
    enrolment, statement_item, tmp_path
):
    document, text = printed(enrolment, "index", tmp_path)
    assert "Evidence index" in text
    assert "EI 1: Router that never arrived" in text
    assert "Personal Statement" in text
    assert "5 October 2026" in text
    assert "1.1, 1.2" in text
    assert "Range: problems which are identified by your customers" in text
    assert "I booked a courier and refunded the second charge." in text
    assert document.filename.endswith("-draft.pdf")


def test_the_index_prints_witness_statements_with_the_witness_and_attachments_with_sha256(
    enrolment, statement_item, tmp_path
):
    _, text = printed(enrolment, "index", tmp_path)
    assert "I heard Priya stay calm and fix it on the call." in text
    assert "Sam Okoye, Team leader" in text
    attachment = statement_item.attachments.get()
    assert "refund-note.pdf" in text
    # A 64-character hash may wrap inside its cell: compare without spaces.
    assert attachment.sha256 in text.replace(" ", "")


def test_the_index_names_what_each_item_draws_on_by_reference(
    enrolment, statement_item, problem, tmp_path
):
    _, text = printed(enrolment, "index", tmp_path)
    assert (
        f"What it draws on: problem {problem.reference} (system or procedure failure, "
        "Broadband, received" in text
    )


def test_personal_data_typed_into_the_evidence_is_redacted_in_the_export(
    enrolment, statement_item, tmp_path
):
    _, text = printed(enrolment, "portfolio", tmp_path)
    for personal in [
        "4929 1234 5678 9012",
        "olive.grant@example.com",
        "07700 900123",
        "SW1A 1AA",
        "Olive Grant",
    ]:
        assert personal not in text
    assert "her card [redacted] had been charged twice" in text
    assert "Customer is [redacted], [redacted], on [redacted], living at [redacted]." in text
    # Customers appear by their reference; the people in the process by name.
    assert "CUST-04417" in text
    assert "Sam Okoye" in text
    assert enrolment.learner.display_name in text


def test_the_index_is_draft_until_every_item_is_assessed_and_locked(
    enrolment, statement_item, tmp_path
):
    _, text = printed(enrolment, "index", tmp_path)
    assert "DRAFT" in text


def test_a_knowledge_only_item_still_in_draft_keeps_the_index_draft(
    enrolment, problem, knowledge_covered, tmp_path
):
    sign_every_outcome_and_record(enrolment, problem)
    document, _ = printed(enrolment, "index", tmp_path)
    assert document.is_draft


def test_an_index_of_assessed_and_signed_evidence_has_no_draft_mark(enrolment, problem, tmp_path):
    sign_every_outcome_and_record(enrolment, problem)
    document, text = printed(enrolment, "index", tmp_path)
    assert not document.is_draft
    assert "DRAFT" not in text
    assert "Assessed, locked" in text


# The full portfolio -------------------------------------------------------------------------


@pytest.fixture
def element_2_and_3(enrolment, problem):
    """The learner's repeated problem (decided, with two options) and the preventive action
    carrying it out, measured by the analysis; and the weekly counts the engine stored."""
    incidents = [problem] + ProblemFactory.create_batch(
        2, centre=enrolment.centre, learner=enrolment.learner
    )
    record = decide(
        RepeatedProblemFactory(
            centre=enrolment.centre, learner=enrolment.learner, incidents=incidents
        )
    )
    action = PreventiveActionFactory(
        centre=enrolment.centre,
        learner=enrolment.learner,
        repeated_problem=record,
        product="Broadband",
    )
    monday = problem.received_at.date() - datetime.timedelta(days=problem.received_at.weekday())
    for week in range(-4, 3):
        for dimension, key in [("category", problem.category), ("product", "Broadband")]:
            SeriesCount.objects.create(
                centre=enrolment.centre,
                granularity="week",
                dimension=dimension,
                key=key,
                day=monday + datetime.timedelta(weeks=week),
                count=3 + week % 3,
            )
    start = action.implemented_on - datetime.timedelta(weeks=8)
    Effectiveness.objects.create(
        action=action,
        computed_at=timezone.now(),
        before_start=start,
        before_end=action.implemented_on,
        after_start=action.implemented_on,
        after_end=action.implemented_on + datetime.timedelta(weeks=3),
        count_before=24,
        count_after=3,
        rate_ratio=0.35,
        p_value=0.01,
        verdict="effective",
        summary="Effective: down 65%.",
        weekly=[
            {
                "start": str(start + datetime.timedelta(weeks=i)),
                "days": 7,
                "count": 3 if i < 8 else 1,
                "phase": "before" if i < 7 else ("lag" if i == 7 else "after"),
            }
            for i in range(11)
        ],
    )
    return record, action


def test_the_portfolio_holds_every_part_in_order_with_a_contents_page(
    enrolment, statement_item, tmp_path
):
    document, text = printed(enrolment, "portfolio", tmp_path)
    parts = [
        "Portfolio of evidence",
        "Contents",
        "Evidence achievement record",
        "Knowledge evidence record",
        "Evidence index",
        "The problem log behind the evidence",
        "Sampling record",
    ]
    positions = [text.index(p) for p in parts]
    assert positions == sorted(positions)
    assert document.title.startswith("Portfolio of evidence, unit F6")
    for outcome in enrolment.unit.outcomes.all():
        assert f"{outcome.code} {outcome.text}" in text


def test_a_problem_told_in_a_statement_drafted_from_it_is_not_printed_twice(
    enrolment, problem, tmp_path
):
    from portfolio.services import evidence_draft_from_problem

    item, _ = evidence_draft_from_problem(problem=problem, by=enrolment.learner)
    _, text = printed(enrolment, "portfolio", tmp_path)
    log = text[text.index("The problem log behind the evidence The problems") :]
    assert f"Problem {problem.reference}" in log
    assert f"are told in the personal statement drafted from it: EI {item.ei}." in log
    assert "Apologised and booked a courier" not in log


def test_the_portfolio_prints_the_problem_it_draws_on_with_its_actions(
    enrolment, statement_item, problem, tmp_path
):
    _, text = printed(enrolment, "portfolio", tmp_path)
    assert f"Problem {problem.reference}: System or procedure failure, Broadband" in text
    assert "Apologised and booked a courier for the next morning." in text
    assert "1.1 Responded positively" in text


def test_the_portfolio_prints_the_repeated_problem_options_and_the_trend_chart(
    enrolment, statement_item, element_2_and_3, tmp_path
):
    record, _ = element_2_and_3
    _, text = printed(enrolment, "portfolio", tmp_path)
    assert record.title in text
    assert "Chosen: Daily dispatch check" in text
    assert "Courier upgrade" in text
    assert "Try a daily dispatch check." in text
    # The dashboard's line chart, drawn from the stored weekly counts: its axis titles.
    assert "Problems a week: Broadband" in text
    assert "Week starting" in text


def test_the_portfolio_prints_the_preventive_action_and_its_before_after_chart(
    enrolment, statement_item, element_2_and_3, tmp_path
):
    _, action = element_2_and_3
    _, text = printed(enrolment, "portfolio", tmp_path)
    assert action.title in text
    assert "Did it work? Effective." in text
    assert "Change took effect" in text  # the before/after chart's marker
    assert "problems a week before and after the change took effect" in text


def test_without_an_analysis_the_repeated_problem_says_why_there_is_no_chart(
    enrolment, problem, tmp_path
):
    RepeatedProblemFactory(centre=enrolment.centre, learner=enrolment.learner)
    _, text = printed(enrolment, "portfolio", tmp_path)
    assert "No trend chart: The analysis has not yet run on the log." in text


def test_incidents_newer_than_the_analysis_print_without_a_chart_rather_than_fail(
    enrolment, problem, tmp_path
):
    RepeatedProblemFactory(centre=enrolment.centre, learner=enrolment.learner)
    SeriesCount.objects.create(
        centre=enrolment.centre,
        granularity="week",
        dimension="category",
        key=problem.category,
        day=datetime.date(2020, 1, 6),
        count=2,
    )
    _, text = printed(enrolment, "portfolio", tmp_path)
    assert "No trend chart: The analysis has not yet counted the weeks of these incidents." in text


def test_the_sampling_record_prints_the_ivs_review_and_its_signature_code(
    enrolment, problem, tmp_path
):
    item = sign_every_outcome_and_record(enrolment, problem)
    sampled = sample_item_add(
        evidence=item, verifier=enrolment.verifier, reason="First portfolio of this assessor."
    )
    review_record(
        sample_item=sampled,
        by=enrolment.verifier,
        verdict="accept",
        comments="Sound decisions, clear feedback.",
        reauthenticated_at=timezone.now(),
    )
    _, text = printed(enrolment, "portfolio", tmp_path)
    sampling = text[text.index("Sampling record") :]
    assert "EI 1: Observed handling a billing complaint" in sampling
    assert "chosen directly: First portfolio of this assessor." in sampling
    assert "Sound decisions, clear feedback." in sampling
    review_signature = enrolment.signatures.get(role="verifier")
    assert signature_code(review_signature) in sampling


def test_a_portfolio_fully_signed_and_verified_has_no_draft_mark(
    enrolment, problem, knowledge_covered, tmp_path
):
    sign_every_outcome_and_record(enrolment, problem)
    # EI 9 claims knowledge only: there is no outcome to assess; submitted, it is final.
    evidence_submit(item=knowledge_covered, by=enrolment.learner)
    sign_knowledge_record(enrolment)
    document, text = printed(enrolment, "portfolio", tmp_path)
    assert not document.is_draft
    assert "DRAFT" not in text


def test_the_portfolio_is_a_tagged_a4_pdf_with_embedded_fonts_title_and_author(
    enrolment, statement_item, tmp_path
):
    document, _ = printed(enrolment, "portfolio", tmp_path)
    path = tmp_path / "portfolio.pdf"
    path.write_bytes(document.body)
    info = subprocess.run(  # noqa: S603
        ["pdfinfo", str(path)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"Title:           {document.title}" in info
    assert f"Author:          {enrolment.learner.display_name}" in info
    assert "Tagged:          yes" in info
    assert "pts (A4)" in info
    fonts = subprocess.run(  # noqa: S603
        ["pdffonts", str(path)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[2:]
    # name, type, encoding, then emb sub uni, then the object number and generation.
    assert fonts
    assert [line.split()[-5] for line in fonts] == ["yes"] * len(fonts)


def test_the_command_writes_the_index_and_the_portfolio(enrolment, statement_item, tmp_path):
    for part, heading in [("index", "Evidence index"), ("portfolio", "Portfolio of evidence")]:
        out = tmp_path / f"{part}.pdf"
        call_command("export_record", learner=enrolment.learner.username, out=str(out), part=part)
        assert heading in pdf_words(out.read_bytes())
