"""The spike detectors against ground truth: generated logs with injected spikes, and the real
Texas complaint log around Hurricane Harvey (tests/data/analytics, see tests/data/README.md).

Plain pytest, no database. Figures are printed (run with ``-s``); bench/bench_detection_quality.py
runs the same scoring over more seeds.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from analytics.engine import count_matrix, detect_spikes
from analytics.generator import generate_log
from bench.bench_detection_quality import log_config, score_log, summarise

SEEDS = (7, 8, 9, 10, 11, 12)
TEXAS = Path(__file__).resolve().parents[1] / "data" / "analytics" / "tx_tdi_complaints_harvey.csv"
TEXAS_TZ = "America/Chicago"


@pytest.fixture(scope="module")
def scores():
    return [score_log(generate_log(log_config(seed))) for seed in SEEDS]


def test_injected_spikes_are_found_without_flagging_quiet_series_weeks(scores):
    strong = [s for score in scores for s in score.spikes if s.multiplier >= 2]
    found = [s for s in strong if s.detected]
    figures = summarise(scores)
    print(
        f"\nspike validation over seeds {SEEDS}: {len(found)}/{len(strong)} spikes "
        f"(multiplier >= 2) detected within span + 1 week, "
        f"median delay {figures['median_delay_days']:.1f} d "
        f"(p90 {figures['p90_delay_days']:.1f} d), false-flag rate "
        f"{figures['false_flag_rate']:.2%} of {sum(s.clean_series_weeks for s in scores)} "
        f"clean series-weeks, {figures['alerts_per_week']:.2f} alerts/week"
    )
    assert len(strong) >= 10
    assert len(found) / len(strong) >= 0.8
    assert figures["false_flag_rate"] <= 0.01
    assert figures["median_delay_days"] <= 7


def texas_frame() -> pd.DataFrame:
    """The Texas log as the engine's input: received_date is the local (Central) day."""
    log = pd.read_csv(TEXAS, usecols=["received_date", "complaint_type", "coverage_type"])
    local = pd.to_datetime(log["received_date"]).dt.tz_localize(TEXAS_TZ)
    return pd.DataFrame(
        {
            "received_at": local.dt.tz_convert("UTC"),
            "category": log["complaint_type"],
            "product": log["coverage_type"],
        }
    )


@pytest.fixture(scope="module")
def texas():
    frame = texas_frame()
    out = {}
    for granularity in ("week", "day"):
        matrix = count_matrix(
            frame,
            granularity=granularity,
            start=date(2017, 1, 1),
            end=date(2018, 7, 1),
            tz=TEXAS_TZ,
            dimensions=("category", "product"),
        )
        result = detect_spikes(matrix)
        out[granularity] = result[(result["dimension"] == "product") & result["alarm"]]
    return out


def test_harvey_rise_in_homeowners_complaints_is_flagged(texas):
    weekly = texas["week"][texas["week"]["key"] == "Homeowners"]
    daily = texas["day"][texas["day"]["key"] == "Homeowners"]
    print(
        "\nHomeowners weekly alarms:",
        [
            (str(r.period_start), r.observed, round(r.expected, 1), r.method)
            for r in weekly.itertuples()
        ],
        "\nHomeowners daily alarms:",
        [(str(r.period_start), r.observed, round(r.expected, 1)) for r in daily.itertuples()],
    )
    in_window = weekly[
        (weekly["period_start"] >= date(2017, 9, 4)) & (weekly["period_start"] <= date(2017, 9, 25))
    ]
    assert len(in_window) >= 1
    assert (in_window["observed"] > in_window["threshold"]).all()


def test_homeowners_is_quiet_before_the_storm(texas):
    for granularity in ("week", "day"):
        alarms = texas[granularity]
        early = alarms[(alarms["key"] == "Homeowners") & (alarms["period_end"] < date(2017, 8, 1))]
        assert len(early) <= 1, early
