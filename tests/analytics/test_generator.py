"""The synthetic problem-log generator: realistic shape, valid values and known ground truth.

Plain pytest with no database: the generator is a pure module.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics.generator import (
    ACTION_COLUMNS,
    PROBLEM_COLUMNS,
    GeneratedLog,
    GeneratorConfig,
    generate_log,
)

# Copied from complaints.models on purpose: this test module must not import Django.
CATEGORY_VALUES = {
    "expectations_gap",
    "system_failure",
    "resource_or_error",
    "other",
    "unclassified",
}
IDENTIFIED_BY_VALUES = {"customer", "learner", "colleague"}
CUSTOMER_KIND_VALUES = {"external", "internal"}
CHANNEL_VALUES = {"phone", "email", "in_person", "web", "social", "letter", "internal", "other"}
SEVERITY_VALUES = {"low", "medium", "high", "critical"}
STATUS_VALUES = {
    "new",
    "acknowledged",
    "in_progress",
    "awaiting_customer",
    "escalated",
    "resolved",
    "closed",
    "reopened",
}
OPEN_STATUS_VALUES = STATUS_VALUES - {"resolved", "closed"}
ACTION_KIND_VALUES = {
    "responded",
    "solved_in_authority",
    "worked_with_others",
    "kept_informed",
    "satisfaction_checked",
    "solved_before_aware",
    "informed_authority",
    "note",
}

START = date(2022, 1, 3)
DAYS = 3 * 365
MEAN_PER_DAY = 60.0


def three_year_config(**overrides) -> GeneratorConfig:
    settings = {
        "start": START,
        "days": DAYS,
        "mean_per_day": MEAN_PER_DAY,
        "seed": 11,
        "n_learners": 4,
    }
    return GeneratorConfig(**(settings | overrides))


@pytest.fixture(scope="module")
def log() -> GeneratedLog:
    return generate_log(three_year_config())


@pytest.fixture(scope="module")
def local_day(log: GeneratedLog) -> pd.Series:
    return log.problems["received_at"].dt.tz_convert("Europe/London").dt.date


def count_between(mask: pd.Series, local_day: pd.Series, first: date, stop: date) -> int:
    """Rows under ``mask`` received on local days first <= day < stop."""
    return int((mask & (local_day >= first) & (local_day < stop)).sum())


def tfidf(texts: list[str]) -> np.ndarray:
    """L2-normalised TF-IDF rows (smooth idf), enough to check near-duplicate wording."""
    tokens = [re.findall(r"[a-z0-9]+", t.lower()) for t in texts]
    vocabulary = {w: i for i, w in enumerate(sorted({w for ts in tokens for w in ts}))}
    counts = np.zeros((len(texts), len(vocabulary)))
    for row, ts in enumerate(tokens):
        for word, n in Counter(ts).items():
            counts[row, vocabulary[word]] = n
    idf = np.log((1 + len(texts)) / (1 + (counts > 0).sum(axis=0))) + 1
    weighted = counts * idf
    return weighted / np.linalg.norm(weighted, axis=1, keepdims=True)


def test_the_same_seed_gives_the_same_log():
    config = GeneratorConfig(start=date(2024, 1, 1), days=120, mean_per_day=25, seed=5)
    first, second = generate_log(config), generate_log(config)

    pd.testing.assert_frame_equal(first.problems, second.problems)
    pd.testing.assert_frame_equal(first.actions, second.actions)
    assert first.spikes == second.spikes
    assert first.clusters == second.clusters
    assert first.preventive_actions == second.preventive_actions


def test_a_different_seed_gives_a_different_log():
    config = GeneratorConfig(start=date(2024, 1, 1), days=120, mean_per_day=25, seed=5)
    other = GeneratorConfig(start=date(2024, 1, 1), days=120, mean_per_day=25, seed=6)

    first, second = generate_log(config).problems, generate_log(other).problems

    assert len(first) != len(second) or not first["description"].equals(second["description"])


def test_switching_actions_off_leaves_the_problems_unchanged():
    config = GeneratorConfig(start=date(2024, 1, 1), days=90, mean_per_day=20, seed=3)
    without = GeneratorConfig(
        start=date(2024, 1, 1), days=90, mean_per_day=20, seed=3, with_actions=False
    )

    full, bare = generate_log(config), generate_log(without)

    pd.testing.assert_frame_equal(full.problems, bare.problems)
    assert len(full.actions) > len(full.problems)
    assert bare.actions.empty
    assert list(bare.actions.columns) == list(ACTION_COLUMNS)


def test_the_row_count_is_near_mean_per_day_times_days(log):
    injected = sum(s.extra for s in log.spikes) + sum(len(c.row_ids) for c in log.clusters)

    background = len(log.problems) - injected

    assert background == pytest.approx(MEAN_PER_DAY * DAYS, rel=0.05)


def test_row_ids_count_up_from_zero_in_order_of_receipt(log):
    problems = log.problems

    assert list(problems.columns) == list(PROBLEM_COLUMNS)
    assert (problems["row_id"].to_numpy() == np.arange(len(problems))).all()
    assert problems["received_at"].is_monotonic_increasing
    assert str(problems["received_at"].dt.tz) == "UTC"


def test_mondays_are_busier_than_sundays(log):
    local = log.problems["received_at"].dt.tz_convert("Europe/London")

    per_weekday = local.dt.day_of_week.value_counts()

    assert per_weekday[0] > 3 * per_weekday[6]
    assert per_weekday.idxmax() == 0


def test_most_problems_arrive_in_london_business_hours(log):
    hour = log.problems["received_at"].dt.tz_convert("Europe/London").dt.hour

    assert hour.between(8, 17).mean() > 0.85


def test_winter_is_busier_than_summer(log, local_day):
    month = pd.to_datetime(local_day).dt.month

    winter = month.isin([12, 1, 2]).sum()
    summer = month.isin([6, 7, 8]).sum()

    assert winter > 1.1 * summer


def test_the_three_range_categories_dominate_and_other_is_a_minority(log):
    shares = log.problems["category"].value_counts(normalize=True)

    assert shares[["expectations_gap", "system_failure", "resource_or_error"]].min() > 0.2
    assert 0.02 < shares["other"] < 0.15


def test_each_injected_spike_window_has_clearly_more_rows_than_its_baseline(log, local_day):
    assert len(log.spikes) == 2
    for spike in log.spikes:
        in_series = log.problems[spike.dimension] == spike.key
        length = (spike.end - spike.start).days + 1
        during = count_between(in_series, local_day, spike.start, spike.end + timedelta(days=1))
        before = count_between(in_series, local_day, spike.start - timedelta(days=56), spike.start)

        assert 7 <= length <= 21
        assert during > 1.5 * before / 56 * length
        labelled = log.problems[log.problems["spike_id"] == spike.spike_id]
        assert len(labelled) == spike.extra > 0
        assert (labelled[spike.dimension] == spike.key).all()


def test_each_cluster_has_at_least_three_rows_within_90_days_sharing_its_theme_words(log):
    assert len(log.clusters) == 3
    for cluster in log.clusters:
        rows = log.problems.loc[list(cluster.row_ids)]

        assert len(rows) >= 3
        assert (rows["cluster_id"] == cluster.cluster_id).all()
        assert (rows["category"] == cluster.category).all()
        assert (rows["product"] == cluster.product).all()
        assert rows["received_at"].max() - rows["received_at"].min() < pd.Timedelta(days=90)
        for word in cluster.theme_words:
            assert rows["description"].str.contains(word, regex=False).all()
            others = log.problems["cluster_id"] != cluster.cluster_id
            assert not log.problems.loc[others, "description"].str.contains(word).any()


def test_cluster_members_are_each_others_nearest_neighbours_by_tfidf(log, local_day):
    """Within the block the analytics compares (same category, 30 days), each member's most
    similar description is another member, and background wording stays varied."""
    for cluster in log.clusters:
        block = log.problems[
            (log.problems["category"] == cluster.category)
            & (local_day >= cluster.first_day - timedelta(days=15))
            & (local_day <= cluster.last_day + timedelta(days=15))
        ]
        vectors = tfidf(block["description"].tolist())
        similarity = vectors @ vectors.T
        np.fill_diagonal(similarity, -1)
        members = np.flatnonzero(block["cluster_id"].to_numpy() == cluster.cluster_id)
        background = np.flatnonzero(block["cluster_id"].to_numpy() < 0)

        nearest = similarity[members].argmax(axis=1)
        assert set(nearest) <= set(members)
        pairs = similarity[np.ix_(members, members)][~np.eye(members.size, dtype=bool)]
        assert pairs.min() > 0.5
        assert np.median(similarity[np.ix_(background, background)]) < 0.25


def test_background_descriptions_are_varied(log):
    sample = log.problems["description"].sample(5_000, random_state=0)

    assert sample.nunique() > 0.95 * len(sample)
    assert log.problems["customer_expectation"].str.len().between(10, 120).all()


@pytest.mark.parametrize("effective", [True, False])
def test_an_exact_rate_ratio_test_finds_the_effective_action_but_not_the_null_one(
    log, local_day, effective
):
    (action,) = [a for a in log.preventive_actions if a.effective == effective]
    in_series = (log.problems["category"] == action.category) & (
        log.problems["product"] == action.product
    )
    window = timedelta(days=action.window_days)
    on = action.implemented_on

    before = count_between(in_series, local_day, on - window, on)
    after = count_between(in_series, local_day, on, on + window)
    p_value = stats.binomtest(after, before + after, 0.5, alternative="less").pvalue

    assert after / before == pytest.approx(action.true_rate_ratio, abs=0.15)
    assert before / action.window_days == pytest.approx(action.baseline_rate_per_day, rel=0.2)
    if effective:
        assert action.true_rate_ratio == 0.5
        assert p_value < 0.001
    else:
        assert action.true_rate_ratio == 1.0
        assert p_value > 0.05


def test_customer_refs_are_pseudonymous_codes_never_names(log):
    refs = log.problems["customer_ref"]

    assert refs.str.fullmatch(r"CUST-[0-9A-F]{6}").all()
    assert not refs.str.contains(r"[a-z\s]").any()
    assert 1 < refs.value_counts().max() < 20


def test_every_choice_column_holds_valid_values(log):
    problems, actions = log.problems, log.actions
    allowed = {
        "category": CATEGORY_VALUES,
        "identified_by": IDENTIFIED_BY_VALUES,
        "customer_kind": CUSTOMER_KIND_VALUES,
        "channel": CHANNEL_VALUES,
        "severity": SEVERITY_VALUES,
        "status": STATUS_VALUES,
    }
    for column, values in allowed.items():
        assert set(problems[column].astype(str)) <= values, column
    assert set(actions["kind"].astype(str)) == ACTION_KIND_VALUES
    assert problems["learner_index"].between(0, 3).all()
    assert problems["within_authority"].dtype == bool
    assert problems["product"].str.len().max() <= 120
    assert problems["customer_ref"].str.len().max() <= 60


def test_old_problems_are_settled_and_the_last_fortnight_has_open_ones(log):
    problems = log.problems
    cutoff = pd.Timestamp(log.generated_until) - pd.Timedelta(days=14)
    old, recent = (
        problems[problems["received_at"] < cutoff],
        problems[problems["received_at"] >= cutoff],
    )

    assert set(old["status"].astype(str)) == {"resolved", "closed"}
    assert len(set(recent["status"].astype(str)) & OPEN_STATUS_VALUES) >= 3
    is_open = problems["status"].astype(str).isin(OPEN_STATUS_VALUES)
    assert problems.loc[is_open, "resolved_at"].isna().all()
    settled = problems[~is_open]
    assert (settled["resolved_at"] >= settled["received_at"]).all()
    assert (settled["resolved_at"] <= pd.Timestamp(log.generated_until)).all()


def test_some_resolved_problems_have_a_root_cause_and_open_ones_have_none(log):
    problems = log.problems
    cause = problems["root_cause_category"].astype(str)
    is_open = problems["status"].astype(str).isin(OPEN_STATUS_VALUES)
    assert set(cause) <= {"", "people", "process", "systems", "materials", "environment", "policy"}
    assert (cause[is_open] == "").all()
    recorded = (cause[~is_open] != "").mean()
    assert 0.35 < recorded < 0.55
    system = cause[(problems["category"] == "system_failure") & (cause != "")]
    assert system.value_counts().index[0] == "systems"


def test_action_timelines_fall_between_receipt_and_now(log):
    actions = log.actions.merge(log.problems, on="row_id", suffixes=("", "_problem"))

    assert (actions["taken_at"] >= actions["received_at"]).all()
    assert (actions["taken_at"] <= pd.Timestamp(log.generated_until)).all()
    first = actions.sort_values(["row_id", "taken_at"]).groupby("row_id")["kind"].first()
    assert set(first.astype(str)) <= {"responded", "solved_before_aware", "note"}
    assert (first.astype(str) == "responded").mean() > 0.8


def test_action_details_match_their_kind(log):
    actions = log.actions.merge(log.problems[["row_id", "identified_by"]], on="row_id")
    kind = actions["kind"].astype(str)
    checked = kind == "satisfaction_checked"
    involves = kind.isin(["worked_with_others", "informed_authority"])

    assert actions.loc[checked, "satisfaction_score"].between(1, 5).all()
    assert actions.loc[~checked, "satisfaction_score"].isna().all()
    assert (actions.loc[checked, "customer_words"] != "").all()
    assert (actions.loc[involves, "with_whom"] != "").all()
    assert (actions.loc[~involves, "with_whom"] == "").all()
    spotted_by = actions.loc[kind == "solved_before_aware", "identified_by"].astype(str)
    assert set(spotted_by) <= {"learner", "colleague"}


def test_actions_recent_days_limits_timelines_to_recent_problems():
    config = GeneratorConfig(
        start=date(2024, 1, 1), days=200, mean_per_day=20, seed=9, actions_recent_days=30
    )
    log = generate_log(config)
    cutoff = pd.Timestamp(log.generated_until) - pd.Timedelta(days=30)

    with_actions = log.problems[log.problems["row_id"].isin(log.actions["row_id"])]

    assert (with_actions["received_at"] >= cutoff).all()
    assert log.problems["received_at"].ge(cutoff).sum() == len(with_actions)


def test_a_200000_row_log_generates():
    config = GeneratorConfig(
        start=date(2023, 1, 2),
        days=730,
        mean_per_day=200_000 / 730,
        seed=2,
        n_learners=50,
        actions_recent_days=14,
    )

    log = generate_log(config)

    assert len(log.problems) == pytest.approx(200_000, rel=0.05)
    assert not log.actions.empty


@pytest.mark.parametrize(
    "overrides",
    [{"days": 0}, {"mean_per_day": 0}, {"products": ()}, {"cluster_size": (2, 4)}],
)
def test_the_config_refuses_nonsense(overrides):
    with pytest.raises(ValueError, match="must"):
        three_year_config(**overrides)


def test_the_generator_imports_nothing_from_django():
    package = Path(__file__).resolve().parents[2] / "analytics" / "generator"
    imported = set()
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module or "")

    assert not {name for name in imported if name.split(".")[0] == "django"}
