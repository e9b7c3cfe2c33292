"""Personal data typed into free text is spotted and redacted."""

import pytest

from complaints.privacy import find_personal_data, flags_for, redact


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Customer emailed from jane.doe@example.co.uk twice", "e-mail address"),
        ("Called back on 07700 900123 at 3pm", "phone number"),
        ("Called back on +44 20 7946 0958", "phone number"),
        ("Delivery to SW1A 1AA failed", "postcode"),
        ("Card 4111 1111 1111 1111 was charged", "card or account number"),
        ("Spoke to Mrs Patel about the refund", "name with a title"),
    ],
)
def test_personal_data_of_each_kind_is_found(text, kind):
    assert [f.kind for f in find_personal_data(text)] == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "Order 12345 was delayed by two days",
        "Refund of £45.99 issued on 12/03/2026",
        "The billing system update on 3 March caused double charges",
        "Customer CUST-4F2A9C called about meter reading M12",
    ],
)
def test_ordinary_service_text_is_not_flagged(text):
    assert find_personal_data(text) == []


def test_redaction_replaces_only_the_personal_data():
    assert (
        redact("Mrs Patel (07700 900123) wants a refund")
        == "[redacted] ([redacted]) wants a refund"
    )


def test_flags_name_the_field_and_kind_once_each():
    flags = flags_for({"description": "a@b.com and c@d.org", "customer_expectation": "fine"})
    assert flags == [{"field": "description", "kind": "e-mail address"}]


@pytest.mark.parametrize(
    "text",
    ["jane@example.org", "07700 900123", "SW1A 1AA", "Mrs Patel", "4111 1111 1111 1111", ""],
)
def test_the_fast_screen_never_misses_what_the_full_search_finds(text):
    from complaints.privacy import may_contain_personal_data

    assert may_contain_personal_data(text) == bool(find_personal_data(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4929 1234 5678 9012 was charged", "card [redacted] was charged"),
        ("rang from 07700 900123 twice", "rang from [redacted] twice"),
    ],
)
def test_a_redacted_number_keeps_the_space_after_it(text, expected):
    assert redact(text) == expected


def test_a_redacted_view_redacts_only_the_fields_it_names():
    from types import SimpleNamespace

    from complaints.privacy import Redacted

    record = SimpleNamespace(
        description="Mail jo@example.com", author="Dr Ann Shaw", whys=["call 07700 900123", 3]
    )
    view = Redacted(record, ("description", "whys"))
    assert view.description == "Mail [redacted]"
    assert view.author == "Dr Ann Shaw"
    assert view.whys == ["call [redacted]", 3]
    assert view.wrapped is record
