"""Counts per series and local period (analytics.engine.counts): plain pytest, no database."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.engine import count_matrix, matrix_from_arrays, to_weekly
from analytics.engine.counts import local_day_index
from analytics.generator import GeneratorConfig, generate_log

ENGINE = Path(__file__).resolve().parents[2] / "analytics" / "engine"


def utc(*stamps: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(stamps), utc=True))


def frame(rows: list[tuple[str, str | None, str | None]], categorical: bool = False):
    received, product, category = zip(*rows, strict=True)
    out = pd.DataFrame({"received_at": utc(*received), "product": product, "category": category})
    if categorical:
        out["product"] = out["product"].astype("category")
    return out


def test_local_days_follow_the_business_time_zone_across_clock_changes():
    stamps = utc(
        "2021-03-27 23:30",  # GMT: Saturday 27 March
        "2021-03-28 00:30",  # GMT still (clocks go forward at 01:00 UTC): Sunday 28th
        "2021-03-28 23:30",  # BST: 00:30 on Monday 29th
        "2021-10-30 23:30",  # BST: 00:30 on Sunday 31 October
        "2021-10-31 23:30",  # GMT again: Sunday 31st, 23:30
    )
    day = local_day_index(stamps, date(2021, 3, 27), 300, "Europe/London")
    assert day.tolist() == [0, 1, 2, 218, 218]
    new_york = local_day_index(utc("2021-03-28 03:00"), date(2021, 3, 27), 3, "America/New_York")
    assert new_york.tolist() == [0]


def test_rows_outside_the_range_and_missing_instants_are_dropped():
    stamps = pd.Series(pd.to_datetime(["2021-01-03 12:00", None, "2021-01-06 12:00"], utc=True))
    assert local_day_index(stamps, date(2021, 1, 4), 2, "UTC").tolist() == [-1, -1, -1]


@pytest.mark.parametrize("categorical", [False, True])
def test_daily_counts_per_series_sorted_keys_and_skipped_blanks(categorical):
    rows = [
        ("2021-01-04 09:00", "Meters", "billing"),
        ("2021-01-04 10:00", "Billing", None),
        ("2021-01-05 09:00", "Meters", ""),
        ("2021-01-06 09:00", "", "billing"),
        ("2021-01-06 10:00", "Meters", "access"),
        ("2021-01-09 10:00", "Meters", "access"),  # after end: dropped
    ]
    m = count_matrix(
        frame(rows, categorical),
        granularity="day",
        start=date(2021, 1, 4),
        end=date(2021, 1, 7),
        tz="UTC",
        dimensions=("product", "category"),
    )
    assert m.dimensions == ("product", "product", "category", "category")
    assert m.keys == ("Billing", "Meters", "access", "billing")
    assert m.counts.tolist() == [[1, 0, 0], [1, 1, 1], [0, 0, 1], [1, 0, 1]]
    assert m.counts.dtype == np.int64
    assert m.series_index("category", "billing") == 3
    assert m.series_index("category", "Meters") is None
    assert m.period_start(2) == m.period_end(2) == date(2021, 1, 6)
    assert m.last_period_complete


def test_categorical_keys_are_sorted_and_unused_categories_left_out():
    data = frame([("2021-01-04 09:00", "b", "x"), ("2021-01-04 09:00", "a", "x")])
    data["product"] = pd.Categorical(data["product"], categories=["b", "zz", "a"])
    m = count_matrix(
        data,
        granularity="day",
        start=date(2021, 1, 4),
        end=date(2021, 1, 5),
        tz="UTC",
        dimensions=("product",),
    )
    assert m.keys == ("a", "b")
    assert m.counts.tolist() == [[1], [1]]


def test_weeks_start_on_monday_and_a_partial_last_week_is_marked():
    rows = [("2021-01-06 09:00", "A", "c"), ("2021-01-12 09:00", "A", "c")]
    m = count_matrix(
        frame(rows),
        granularity="week",
        start=date(2021, 1, 6),
        end=date(2021, 1, 14),
        tz="UTC",
        dimensions=("product",),
    )
    assert m.periods.astype(str).tolist() == ["2021-01-04", "2021-01-11"]
    assert m.days_in_period.tolist() == [7, 3]
    assert m.complete.tolist() == [True, False]
    assert not m.last_period_complete
    assert m.counts.tolist() == [[1, 1]]
    assert m.period_end(0) == date(2021, 1, 10)


def test_naive_timestamps_are_refused():
    data = pd.DataFrame({"received_at": pd.to_datetime(["2021-01-04"]), "product": ["A"]})
    with pytest.raises(ValueError, match="timezone-aware"):
        count_matrix(
            data,
            granularity="day",
            start=date(2021, 1, 4),
            end=date(2021, 1, 5),
            dimensions=("product",),
        )


def test_generated_log_counts_match_pandas_and_weekly_sums_match_daily():
    log = generate_log(GeneratorConfig(start=date(2021, 3, 1), days=240, mean_per_day=30, seed=3))
    problems = log.problems
    start, end = log.config.start, log.config.end
    daily = count_matrix(problems, granularity="day", start=start, end=end)
    local = problems["received_at"].dt.tz_convert("Europe/London").dt.date
    expected = pd.crosstab(problems["category"], local)
    for i, key in enumerate(daily.keys):
        if daily.dimensions[i] == "category":
            row = expected.loc[key].reindex(
                [daily.period_start(j) for j in range(240)], fill_value=0
            )
            assert daily.counts[i].tolist() == row.tolist()
    for dimension in ("category", "product", "channel", "identified_by"):
        rows = [i for i, d in enumerate(daily.dimensions) if d == dimension]
        assert daily.counts[rows].sum() == len(problems)  # every row counted once per dimension
    weekly = count_matrix(problems, granularity="week", start=start, end=end)
    derived = to_weekly(daily)
    assert np.array_equal(derived.counts, weekly.counts)
    assert np.array_equal(derived.days_in_period, weekly.days_in_period)
    assert derived.keys == weekly.keys


def test_matrix_from_arrays_names_and_checks():
    m = matrix_from_arrays([[1, 2], [3, 4]], granularity="week", start=date(2024, 1, 1))
    assert m.keys == ("s0", "s1")
    assert m.periods.astype(str).tolist() == ["2024-01-01", "2024-01-08"]
    with pytest.raises(ValueError, match="Monday"):
        matrix_from_arrays([[1]], granularity="week", start=date(2024, 1, 2))
    with pytest.raises(ValueError, match="shape"):
        matrix_from_arrays(
            [[1]], granularity="day", start=date(2024, 1, 2), dimensions=("x",) * 2, keys=("a", "b")
        )


def test_engine_modules_import_nothing_from_django():
    for name in ("counts.py", "surveillance.py", "__init__.py"):
        tree = ast.parse((ENGINE / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("django") for a in node.names), name
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("django"), name
