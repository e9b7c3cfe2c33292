"""Reading dates in a company export and settling a file's day/month order
(complaints/importing/dates.py, pure)."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest

from complaints.importing import dates as d


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2017-08-25", d.DMY, datetime.datetime(2017, 8, 25)),
        ("2017-08-25 14:05", d.MDY, datetime.datetime(2017, 8, 25, 14, 5)),
        ("2017-08-25T14:05:09", d.ISO, datetime.datetime(2017, 8, 25, 14, 5, 9)),
        ("2017/08/25", d.DMY, datetime.datetime(2017, 8, 25)),
        ("25/08/2017", d.DMY, datetime.datetime(2017, 8, 25)),
        ("5/8/2017", d.DMY, datetime.datetime(2017, 8, 5)),
        ("5/8/2017", d.MDY, datetime.datetime(2017, 5, 8)),
        ("25.08.2017", d.DMY, datetime.datetime(2017, 8, 25)),
        ("25-08-17", d.DMY, datetime.datetime(2017, 8, 25)),
        ("25/08/2017 09:30", d.DMY, datetime.datetime(2017, 8, 25, 9, 30)),
        ("08/25/2017 9:30 PM", d.MDY, datetime.datetime(2017, 8, 25, 21, 30)),
        ("08/25/2017 12:10 am", d.MDY, datetime.datetime(2017, 8, 25, 0, 10)),
        ("25 Aug 2017", d.DMY, datetime.datetime(2017, 8, 25)),
        ("25th August 2017", d.MDY, datetime.datetime(2017, 8, 25)),
        ("August 25, 2017", d.DMY, datetime.datetime(2017, 8, 25)),
    ],
)
def test_iso_uk_us_and_spelled_out_dates_are_read(text, order, expected):
    assert d.parse_date(text, order) == expected


def test_an_iso_date_with_an_offset_keeps_it():
    parsed = d.parse_date("2017-08-25T10:00:00Z", d.DMY)
    assert parsed == datetime.datetime(2017, 8, 25, 10, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("text", "order", "reason"),
    [
        ("31/02/2017", d.DMY, "“31/02/2017” is not a real date"),
        ("2017-02-30", d.DMY, "“2017-02-30” is not a real date"),
        ("08/25/2017", d.DMY, "“08/25/2017” is not a date when read day-first (UK)"),
        ("25/08/2017", d.MDY, "“25/08/2017” is not a date when read month-first (US)"),
        ("25/08/2017", d.ISO, "“25/08/2017” is not an ISO date like 2017-08-25"),
        ("last Tuesday", d.DMY, "“last Tuesday” is not a date"),
        ("=1+1", d.DMY, "“=1+1” is not a date"),
        ("13/08/2017 13:00 pm", d.DMY, "impossible time"),
    ],
)
def test_a_date_that_cannot_be_read_says_why(text, order, reason):
    with pytest.raises(d.DateError, match=re.escape(reason)):
        d.parse_date(text, order)


def evidence(*texts: str) -> d.DateEvidence:
    found = d.DateEvidence()
    for text in texts:
        found.add(text)
    return found


def test_a_day_above_twelve_settles_the_file_as_day_first():
    assert evidence("03/04/2017", "25/08/2017").order() == d.DMY


def test_a_month_position_above_twelve_settles_the_file_as_month_first():
    assert evidence("03/04/2017", "08/25/2017").order() == d.MDY


def test_when_every_day_is_twelve_or_less_the_user_must_choose():
    found = evidence("03/04/2017", "11/12/2017", "05/05/2017")
    assert found.order() is None
    assert "“03/04/2017” could be day-first (UK) or month-first (US)" in found.question()


def test_a_file_mixing_both_orders_asks_the_user_with_an_example_of_each():
    found = evidence("25/08/2017", "08/25/2017")
    assert found.order() is None
    assert "“25/08/2017”" in found.question()
    assert "“08/25/2017”" in found.question()


def test_iso_dates_need_no_choice():
    found = evidence("2017-08-25", "2017-01-02", "05/05/2017")
    assert found.order() == d.DMY
    assert not found.has_numeric()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("dmy", d.DMY), ("UK", d.DMY), ("dd/mm/yyyy", d.DMY), ("mdy", d.MDY), ("us", d.MDY),
     ("iso", d.ISO), ("", ""), ("auto", ""), ("%d/%m/%Y", d.DMY), ("yesterday", None)],
)  # fmt: skip
def test_date_formats_are_named_in_several_ways(typed, expected):
    assert d.date_format_from(typed) == expected


# --- The fast reader the validator uses -------------------------------------------------------

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2017-08-25", d.DMY, ("2017-08-25 00:00:00", d.SHAPE_ISO, "")),
        ("2017-08-25 14:05", d.DMY, ("2017-08-25 14:05:00", d.SHAPE_ISO, "")),
        ("2017-08-25T14:05:09", d.MDY, ("2017-08-25 14:05:09", d.SHAPE_ISO, "")),
        ("2017/08/25", d.DMY, ("2017-08-25 00:00:00", d.SHAPE_ISO, "")),
        ("25/08/2017 14:05", d.DMY, ("2017-08-25 14:05:00", d.SHAPE_DAY_FIRST, "")),
        ("03/04/2017", d.DMY, ("2017-04-03 00:00:00", d.SHAPE_EITHER, "")),
        ("03/04/2017", d.MDY, ("2017-03-04 00:00:00", d.SHAPE_EITHER, "")),
        ("08.25.2017", d.MDY, ("2017-08-25 00:00:00", d.SHAPE_MONTH_FIRST, "")),
        ("5/8/2017 9:30 PM", d.DMY, ("2017-08-05 21:30:00", d.SHAPE_EITHER, "")),
        ("25 August 2017", d.DMY, ("2017-08-25 00:00:00", d.SHAPE_ISO, "")),
        ("2017-08-25T10:00:00+00:00", d.DMY, ("2017-08-25 11:00:00", d.SHAPE_ISO, "")),
        ("2017-01-25T10:00:00Z", d.DMY, ("2017-01-25 10:00:00", d.SHAPE_ISO, "")),
    ],
)
def test_the_fast_reader_gives_wall_clock_iso_text_and_the_dates_shape(text, order, expected):
    assert d.DateReader(order, LONDON).read(text) == expected


@pytest.mark.parametrize(
    ("text", "order", "reason"),
    [
        ("31/02/2017", d.DMY, "“31/02/2017” is not a real date"),
        ("25/08/2017 25:00", d.DMY, "“25/08/2017 25:00” is not a real date"),
        ("08/25/2017", d.DMY, "is not a date when read day-first (UK)"),
        ("25/08/2017", d.ISO, "is not an ISO date like 2017-08-25"),
        ("2017-13-01", d.DMY, "“2017-13-01” is not a real date"),
        ("=1+1", d.DMY, "“=1+1” is not a date"),
    ],
)
def test_the_fast_reader_says_why_a_date_cannot_be_read(text, order, reason):
    value, _, why = d.DateReader(order, LONDON).read(text)
    assert value == ""
    assert reason in why


def test_the_fast_reader_agrees_with_the_general_parser_on_every_day_of_a_leap_year():
    reader = d.DateReader(d.DMY, LONDON)
    day = datetime.date(2016, 1, 1)
    while day.year == 2016:
        for text in (day.strftime("%d/%m/%Y 07:45"), day.isoformat()):
            expected = d.parse_date(text, d.DMY).isoformat(sep=" ")
            assert reader.read(text)[0] == expected
        day += datetime.timedelta(days=1)
