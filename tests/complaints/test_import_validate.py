"""One row → the clean values of a problem, or every reason it cannot be one
(complaints/importing/validate.py, pure: no database)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from complaints.importing import dates as d
from complaints.importing import mapping as m
from complaints.importing.validate import RowError, RowValidator, Vocabulary
from complaints.models import Category, Channel, CustomerKind, IdentifiedBy, Severity, Status

LONDON = ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC)
HEADERS = ["Ref", "Received", "Closed", "Product", "Channel", "Type", "Details", "Status",
           "Customer ID"]  # fmt: skip
MAPPING = {
    "external_ref": "Ref",
    "received_at": "Received",
    "resolved_at": "Closed",
    "product": "Product",
    "channel": "Channel",
    "category": "Type",
    "description": "Details",
    "status": "Status",
    "customer_ref": "Customer ID",
}


def vocabulary() -> Vocabulary:
    return Vocabulary(
        channel=m.choices_for("channel", Channel.choices),
        identified_by=m.choices_for("identified_by", IdentifiedBy.choices),
        customer_kind=m.choices_for("customer_kind", CustomerKind.choices),
        severity=m.choices_for("severity", Severity.choices),
        status=m.choices_for("status", Status.choices),
        category=m.choices_for("category", Category.choices),
        unclassified=Category.UNCLASSIFIED,
        defaults={
            "channel": "other",
            "identified_by": "customer",
            "customer_kind": "external",
            "severity": "medium",
        },
    )


def validator(mapping=MAPPING, *, order=d.DMY, categories=None) -> RowValidator:
    return RowValidator(
        headers=HEADERS,
        mapping=mapping,
        date_order=order,
        categories=categories or {},
        vocabulary=vocabulary(),
        tz=LONDON,
        now=NOW,
    )


def row(**cells: str) -> list[str]:
    values = {
        "Ref": "A1", "Received": "25/08/2017", "Closed": "", "Product": "Home insurance",
        "Channel": "Phone call", "Type": "Claims", "Details": "Roof claim not answered",
        "Status": "", "Customer ID": "C-1001",
    }  # fmt: skip
    values.update(cells)
    return [values[h] for h in HEADERS]


def test_a_good_row_becomes_complete_clean_values_with_dates_as_wall_clock_text():
    clean, errors = validator().check(2, row())
    assert errors == []
    assert clean == {
        "external_ref": "A1",
        "received_at": "2017-08-25 00:00:00",
        "resolved_at": None,
        "customer_ref": "C-1001",
        "product": "Home insurance",
        "description": "Roof claim not answered",
        "personal_data_flags": [],
        "channel": "phone",
        "identified_by": "customer",
        "customer_kind": "external",
        "severity": "medium",
        "category": "unclassified",
        "status": "new",
    }


def test_blank_product_and_description_take_the_documented_defaults():
    clean, _ = validator().check(2, row(Product="", Details=""))
    assert clean["product"] == "Not stated"
    assert clean["description"] == "Not described in the imported file."


def test_a_closed_date_makes_the_default_status_resolved():
    clean, _ = validator().check(2, row(Closed="26/08/2017"))
    assert clean["status"] == "resolved"
    assert clean["resolved_at"] == "2017-08-26 00:00:00"


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ({"Received": ""}, "Received", "is blank: every problem needs the date it was received"),
        ({"Received": "31/02/2017"}, "Received", "“31/02/2017” is not a real date"),
        ({"Received": "=1+1"}, "Received", "“=1+1” is not a date"),
        ({"Received": "25/08/2099"}, "Received", "is in the future"),
        ({"Closed": "24/08/2017"}, "Closed", "is before the date the problem was received"),
        ({"Channel": "Fax"}, "Channel", "“Fax” is not a channel Casebook knows: use Phone, "),
        ({"Status": "Closed"}, "Closed", "is blank, but the status is closed"),
        ({"Status": "In progress", "Closed": "26/08/2017"}, "Status", "still open"),
        ({"Ref": "R" * 101}, "Ref", "is 101 characters long; at most 100 fit"),
        ({"Product": "P" * 121}, "Product", "is 121 characters long; at most 120 fit"),
    ],
)
def test_a_bad_value_is_reported_with_its_row_column_and_reason(cells, column, reason):
    clean, errors = validator().check(7, row(**cells))
    assert clean is None
    assert len(errors) == 1
    assert (errors[0].row, errors[0].column) == (7, column)
    assert reason in errors[0].reason


def test_every_problem_in_a_row_is_reported_not_just_the_first():
    _, errors = validator().check(3, row(Received="", Channel="Fax", Ref="R" * 101))
    assert {e.column for e in errors} == {"Received", "Channel", "Ref"}


def test_a_customer_reference_that_is_contact_details_is_refused_without_repeating_it():
    _, errors = validator().check(4, row(**{"Customer ID": "jo.bloggs@example.org"}))
    assert errors == [
        RowError(
            4,
            "Customer ID",
            "looks like an e-mail address: use a pseudonymous customer reference, never a "
            "customer's contact details",
        )
    ]


def test_a_reference_repeated_in_the_file_is_refused_naming_its_first_row():
    check = validator()
    assert check.check(2, row(Ref="A1"))[1] == []
    _, errors = check.check(9, row(Ref="A1"))
    assert errors == [RowError(9, "Ref", "“A1” is also in row 2: each reference may appear once")]


def test_more_values_than_headings_is_reported_as_a_likely_unquoted_comma():
    _, errors = validator().check(5, [*row(), "stray"])
    assert errors[0].column == "Column J"
    assert "unquoted" in errors[0].reason or "not quoted" in errors[0].reason


def test_extra_empty_cells_at_the_end_of_a_row_are_ignored():
    assert validator().check(5, [*row(), "", " "])[1] == []


def test_categories_use_the_centres_mapping_then_the_unit_names_then_unclassified():
    check = validator(categories={"claims": "system_failure"})
    assert check.check(2, row(Ref="1", Type="CLAIMS "))[0]["category"] == "system_failure"
    assert check.check(3, row(Ref="2", Type="Human error"))[0]["category"] == "unclassified"
    assert (
        check.check(4, row(Ref="3", Type="Shortage of resources or human error"))[0]["category"]
        == "resource_or_error"
    )
    assert check.check(5, row(Ref="4", Type=""))[0]["category"] == "unclassified"
    check.check(6, row(Ref="5", Type="claims"))
    assert check.category_counts() == {
        "CLAIMS": 2,  # as the file first spelled it
        "Human error": 1,
        "Shortage of resources or human error": 1,
    }


def test_unmapped_fields_are_left_to_their_defaults():
    clean, errors = validator({"received_at": "Received"}).check(2, row())
    assert errors == []
    assert clean["external_ref"] == ""
    assert clean["category"] == "unclassified"
    assert (clean["channel"], clean["severity"], clean["status"]) == ("other", "medium", "new")


def test_formula_like_text_is_kept_as_text():
    clean, _ = validator().check(2, row(Details='=HYPERLINK("http://x","y")'))
    assert clean["description"] == '=HYPERLINK("http://x","y")'


def test_month_first_order_reads_us_dates():
    clean, _ = validator(order=d.MDY).check(2, row(Received="08/25/2017 9:30 PM"))
    assert clean["received_at"] == "2017-08-25 21:30:00"


def test_the_validator_gathers_date_shapes_to_settle_the_order():
    check = validator()
    check.check(2, row(Ref="1", Received="03/04/2017"))
    assert check.dates.order() is None
    check.check(3, row(Ref="2", Received="25/04/2017"))
    assert check.dates.order() == d.DMY


def test_personal_data_in_a_description_is_flagged_not_refused():
    clean, errors = validator().check(2, row(Details="Mrs Jones rang from 07700 900123"))
    assert errors == []
    assert clean["personal_data_flags"] == [
        {"field": "description", "kind": "name with a title"},
        {"field": "description", "kind": "phone number"},
    ]


def test_a_date_with_an_offset_is_converted_to_the_centres_wall_clock():
    clean, _ = validator().check(2, row(Received="2017-08-25T10:00:00Z"))
    assert clean["received_at"] == "2017-08-25 11:00:00"
