"""The canonical serialisation signatures hash: explicit types, sorted keys, stable bytes."""

import datetime

import pytest

from portfolio import canonical


def test_a_string_and_a_number_never_serialise_alike():
    assert canonical.dumps({"a": "1"}) != canonical.dumps({"a": 1})


def test_a_date_and_its_spelling_never_serialise_alike():
    assert canonical.dumps(datetime.date(2026, 3, 2)) != canonical.dumps("2026-03-02")


def test_keys_are_sorted_so_insertion_order_does_not_change_the_hash():
    assert canonical.dumps({"b": 1, "a": 2}) == canonical.dumps({"a": 2, "b": 1})


def test_datetimes_are_written_in_utc_whatever_their_zone():
    utc = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    london_summer = datetime.timezone(datetime.timedelta(hours=1))
    assert canonical.dumps(utc) == canonical.dumps(utc.astimezone(london_summer))


def test_naive_datetimes_and_floats_are_refused():
    with pytest.raises(ValueError, match="naive"):
        canonical.dumps(datetime.datetime(2026, 3, 2, 9, 0))  # noqa: DTZ001
    with pytest.raises(TypeError):
        canonical.dumps(1.5)


def test_the_text_is_compact_json_with_non_ascii_kept():
    assert canonical.dumps({"w": "café"}) == '{"t":"dict","v":{"w":{"t":"str","v":"café"}}}'
    assert canonical.sha256("") == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
