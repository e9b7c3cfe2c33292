"""Service levels, satisfaction and the before/after weekly profile, computed by the engine
without a database."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from analytics.engine.effectiveness import EffectSettings, effect_windows, weekly_profile
from analytics.engine.service import (
    SERVICE_COLUMNS,
    SatisfactionWeekRow,
    satisfaction_weeks,
    service_weeks,
)

TZ = "Europe/London"
NOW = pd.Timestamp("2026-03-20 12:00", tz="UTC")


def _problem(received, *, category="system_failure", status="resolved", ack=None, resolved=None):
    """A problem with a 24-hour response and 120-hour resolution target; times in hours
    after receipt (None: not yet)."""
    at = pd.Timestamp(received, tz="UTC")
    hours = pd.Timedelta(hours=1)
    return {
        "received_at": at,
        "category": category,
        "status": status,
        "acknowledged_at": at + ack * hours if ack is not None else pd.NaT,
        "first_response_due": at + 24 * hours,
        "resolved_at": at + resolved * hours if resolved is not None else pd.NaT,
        "resolution_due": at + 120 * hours,
    }


def _frame(*problems) -> pd.DataFrame:
    frame = pd.DataFrame(list(problems), columns=list(SERVICE_COLUMNS))
    for column in SERVICE_COLUMNS:
        if column.endswith(("_at", "_due")):
            frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def _by_key(rows):
    return {(row.week, row.category): row for row in rows}


def test_first_responses_and_resolutions_are_counted_within_or_over_target():
    frame = _frame(
        _problem("2026-03-02 09:00", ack=2, resolved=50),  # both on time
        _problem("2026-03-03 09:00", ack=30, resolved=130),  # both late
        _problem("2026-03-04 09:00", category="other", ack=1, resolved=100),
    )
    rows = _by_key(service_weeks(frame, as_of=NOW, tz=TZ))
    monday = datetime.date(2026, 3, 2)
    system = rows[(monday, "system_failure")]
    assert (system.received, system.response_measured, system.response_on_time) == (2, 2, 1)
    assert (system.resolution_measured, system.resolution_on_time) == (2, 1)
    every = rows[(monday, "")]
    assert (every.received, every.response_on_time, every.resolution_on_time) == (3, 2, 2)


def test_a_problem_inside_its_target_is_not_counted_until_its_outcome_is_known():
    frame = _frame(_problem("2026-03-20 09:00", status="new"))
    [row, _] = service_weeks(frame, as_of=NOW, tz=TZ)
    assert (row.received, row.response_measured, row.resolution_measured) == (1, 0, 0)


def test_a_problem_past_its_due_time_without_an_answer_counts_as_late():
    frame = _frame(_problem("2026-03-09 09:00", status="in_progress"))
    row = _by_key(service_weeks(frame, as_of=NOW, tz=TZ))[(datetime.date(2026, 3, 9), "")]
    assert (row.response_measured, row.response_on_time) == (1, 0)
    assert (row.resolution_measured, row.resolution_on_time) == (1, 0)


def test_a_problem_waiting_on_the_customer_is_not_late_while_its_clock_is_stopped():
    frame = _frame(_problem("2026-03-09 09:00", status="awaiting_customer", ack=3))
    row = _by_key(service_weeks(frame, as_of=NOW, tz=TZ))[(datetime.date(2026, 3, 9), "")]
    assert (row.response_measured, row.response_on_time) == (1, 1)
    assert row.resolution_measured == 0


def test_weeks_are_local_mondays_so_a_sunday_night_in_summer_time_is_still_sunday():
    # 23:30 on Sunday 29 March 2026 in London is 22:30 UTC.
    frame = _frame(_problem("2026-03-29 22:30", ack=1, resolved=2))
    weeks = {row.week for row in service_weeks(frame, as_of=NOW + pd.Timedelta(days=30), tz=TZ)}
    assert weeks == {datetime.date(2026, 3, 23)}


def test_no_problems_give_no_rows():
    assert service_weeks(_frame(), as_of=NOW, tz=TZ) == []


def test_satisfaction_scores_are_counted_per_week_and_type_with_a_mean():
    frame = pd.DataFrame(
        {
            "taken_at": pd.to_datetime(
                ["2026-03-02 10:00", "2026-03-03 10:00", "2026-03-04 10:00", "2026-03-10 10:00"],
                utc=True,
            ),
            "score": [5, 4, 1, 3],
            "category": ["system_failure", "system_failure", "other", "other"],
        }
    )
    rows = _by_key(satisfaction_weeks(frame, tz=TZ))
    first = rows[(datetime.date(2026, 3, 2), "")]
    assert first.scores == (1, 0, 0, 1, 1)
    assert first.count == 3
    assert first.mean == 10 / 3
    assert rows[(datetime.date(2026, 3, 2), "system_failure")].scores == (0, 0, 0, 1, 1)
    assert rows[(datetime.date(2026, 3, 9), "other")].mean == 3


def test_a_week_with_no_scores_has_no_mean():
    assert SatisfactionWeekRow(datetime.date(2026, 3, 2), "", (0, 0, 0, 0, 0)).mean is None


def test_the_weekly_profile_marks_before_guard_lag_and_after_weeks_and_keeps_every_problem():
    settings = EffectSettings(before_weeks=4, guard_weeks=2, lag_weeks=1, after_weeks=4)
    implemented = datetime.date(2026, 3, 2)
    windows = effect_windows(implemented, datetime.date(2026, 3, 26), settings)
    days = np.arange(
        np.datetime64("2026-01-01"), np.datetime64("2026-03-26"), dtype="datetime64[D]"
    )
    target = np.ones(days.size)
    weeks = weekly_profile(days=days, target=target, windows=windows, implemented_on=implemented)
    assert [w.phase for w in weeks] == ["before"] * 4 + ["guard"] * 2 + ["lag"] + ["after"] * 3
    assert weeks[0].start == windows.before_start
    assert weeks[6].start == implemented
    assert all(w.count == 7 == w.days for w in weeks[:-1])
    assert (weeks[-1].days, weeks[-1].count) == (3, 3)  # cut short by the end of the data


def test_the_weekly_profile_says_which_weeks_came_before_the_log_began():
    settings = EffectSettings(before_weeks=4, guard_weeks=1, lag_weeks=1, after_weeks=4)
    implemented = datetime.date(2026, 3, 2)
    windows = effect_windows(implemented, datetime.date(2026, 4, 6), settings)
    # The log starts on the third day of the second week of the before window.
    days = np.arange(
        np.datetime64(windows.before_start) + 9, np.datetime64("2026-04-06"), dtype="datetime64[D]"
    )
    weeks = weekly_profile(
        days=days, target=np.ones(days.size), windows=windows, implemented_on=implemented
    )
    assert [(w.days, w.count) for w in weeks[:3]] == [(0, 0), (5, 5), (7, 7)]
