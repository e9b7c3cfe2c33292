"""Guessing which column holds which field, and reading choice values
(complaints/importing/mapping.py, pure)."""

from __future__ import annotations

import pytest

from complaints.importing import mapping as m
from complaints.models import Channel, Severity, Status

TEXAS_HEADERS = [
    "complaint_number", "received_date", "closed_date", "complaint_filed_by",
    "complainant_type", "involved_party_type", "complaint_type", "coverage_type",
    "coverage_level", "finding_type", "keywords",
]  # fmt: skip


def test_the_texas_log_is_mapped_from_its_headers_alone():
    assert m.guess_mapping(TEXAS_HEADERS) == {
        "external_ref": "complaint_number",
        "received_at": "received_date",
        "resolved_at": "closed_date",
        "product": "coverage_type",
        "category": "complaint_type",
        "description": "keywords",
    }


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Ref", "external_ref"),
        ("Case ID", "external_ref"),
        ("Ticket No.", "external_ref"),
        ("Date received", "received_at"),
        ("RECEIVED_DATE", "received_at"),
        ("Date Closed", "resolved_at"),
        ("Resolution date", "resolved_at"),
        ("Product", "product"),
        ("Details", "description"),
        ("Description", "description"),
        ("Contact channel", "channel"),
        ("Priority", "severity"),
        ("Customer ID", "customer_ref"),
        ("Status", "status"),
        ("Category", "category"),
    ],
)
def test_common_headings_are_recognised_in_any_case_and_punctuation(header, field):
    assert m.guess_mapping(["Something else", header]) == {field: header}


def test_headings_that_only_look_related_are_left_for_the_user():
    assert m.guess_mapping(["complaint_filed_by", "complainant_type", "finding_type"]) == {}


def test_the_leftmost_of_two_candidate_headings_wins():
    assert m.guess_mapping(["Details", "Description"]) == {"description": "Details"}


def test_a_mapping_must_name_real_fields_and_columns_and_the_date_received():
    problems = m.mapping_problems(
        {"colour": "Case ID", "product": "Missing", "description": "Case ID"},
        ["Case ID", "Details"],
    )
    assert problems == [
        "“colour” is not a field Casebook imports.",
        "The file has no column “Missing” (for Product or service).",
        "Choose the column that holds the date received.",
        "The column “Case ID” is chosen 2 times (colour, What went wrong (description)): "
        "choose it for one field only.",
    ]


# --- Choice values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("e-mail", "email"),
        ("EMAIL", "email"),
        ("E-mail", "email"),
        ("Phone call", "phone"),
        ("telephone", "phone"),
        ("In person", "in_person"),
        ("in_person", "in_person"),
        ("Website or chat", "web"),
        ("live chat", "web"),
        ("Twitter", "social"),
        ("Post", "letter"),
        ("fax", None),
    ],
)
def test_channels_are_read_by_value_label_or_synonym_in_any_case(text, expected):
    assert m.choices_for("channel", Channel.choices).parse(text) == expected


def test_severity_and_status_synonyms():
    severity = m.choices_for("severity", Severity.choices)
    status = m.choices_for("status", Status.choices)
    assert [severity.parse(t) for t in ("P1", "major", "Low")] == ["critical", "high", "low"]
    assert [status.parse(t) for t in ("Open", "On hold", "Closed", "Re-opened")] == [
        "new",
        "awaiting_customer",
        "closed",
        "reopened",
    ]
