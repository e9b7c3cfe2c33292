"""Spike surveillance methods against hand-computed values (analytics.engine.surveillance).

Plain pytest, no database: the engine is pure numpy/scipy.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest
from scipy import optimize, stats

from analytics.engine import (
    RESULT_COLUMNS,
    FarringtonSettings,
    SpikePolicy,
    benjamini_hochberg,
    detect_spikes,
    ears,
    farrington_flexible,
    matrix_from_arrays,
    same_weekday_daily,
)
from analytics.engine.surveillance import (
    anscombe_weights,
    fit_quasi_poisson,
    nb_quantile,
    nb_upper_tail,
)

MONDAY = date(2020, 1, 6)


def weekly_periods(n: int) -> np.ndarray:
    return np.datetime64(MONDAY, "D") + 7 * np.arange(n)


def daily_periods(n: int) -> np.ndarray:
    return np.datetime64(MONDAY, "D") + np.arange(n)


# --- Benjamini–Hochberg -----------------------------------------------------------------------


def test_bh_matches_the_step_up_by_hand():
    # Sorted: 0.005, 0.01, 0.03, 0.04 (m = 4) -> p·m/rank = 0.02, 0.02, 0.04, 0.04.
    q = benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.005]))
    assert q == pytest.approx([0.02, 0.04, 0.04, 0.02])


def test_bh_takes_the_running_minimum_from_the_top():
    # Sorted 0.1, 0.125, 0.2, 0.9: p·m/rank = 0.4, 0.25, 0.2667, 0.9 -> 0.25, 0.25, 0.2667, 0.9.
    q = benjamini_hochberg(np.array([0.1, 0.2, 0.9, 0.125]))
    assert q == pytest.approx([0.25, 0.2666667, 0.9, 0.25])


def test_bh_passes_nans_through_and_does_not_count_them():
    q = benjamini_hochberg(np.array([0.01, np.nan, 0.04]))
    assert np.isnan(q[1])
    assert q[[0, 2]] == pytest.approx([0.02, 0.04])


def test_bh_along_an_axis_is_one_family_per_column():
    rng = np.random.default_rng(1)
    p = rng.random((6, 4))
    p[2, 1] = np.nan
    q = benjamini_hochberg(p, axis=0)
    for column in range(4):
        keep = ~np.isnan(p[:, column])
        assert q[keep, column] == pytest.approx(benjamini_hochberg(p[keep, column]))


# --- Negative binomial tails ------------------------------------------------------------------


def test_nb_quantile_and_tail_use_size_mean2_over_excess_variance():
    # mean 10, variance 20: size 10, prob 0.5 (R's qnbinom(0.95, 10, 0.5) = 18).
    assert nb_quantile(0.95, np.array([10.0]), np.array([20.0]))[0] == 18
    assert stats.nbinom.cdf(17, 10, 0.5) < 0.95 <= stats.nbinom.cdf(18, 10, 0.5)
    p = nb_upper_tail(np.array([19.0]), np.array([10.0]), np.array([20.0]))[0]
    assert p == pytest.approx(1 - stats.nbinom.cdf(18, 10, 0.5))


def test_nb_falls_back_to_poisson_when_the_variance_is_the_mean():
    assert nb_quantile(0.95, np.array([4.0]), np.array([4.0]))[0] == stats.poisson.ppf(0.95, 4)
    p = nb_upper_tail(np.array([8.0]), np.array([4.0]), np.array([3.0]))[0]
    assert p == pytest.approx(stats.poisson.sf(7, 4))


# --- EARS -------------------------------------------------------------------------------------


def test_ears_c1_uses_the_seven_previous_periods():
    y = np.array([[1, 2, 3, 4, 5, 6, 7, 20]])
    r = ears(y, method="C1", min_sigma=0)
    sd = np.sqrt(28 / 6)  # sample sd of 1..7
    assert np.isnan(r.statistic[0, :7]).all()
    assert r.expected[0, 7] == pytest.approx(4.0)
    assert r.statistic[0, 7] == pytest.approx(16 / sd)
    assert r.upper[0, 7] == pytest.approx(4 + 3 * sd)
    assert r.alarm[0].tolist() == [False] * 7 + [True]


def test_ears_c2_skips_a_two_period_guard_band():
    y = np.array([[1, 2, 3, 4, 5, 6, 7, 100, 100, 12]])
    r = ears(y, method="C2", min_sigma=0)
    assert np.isnan(r.statistic[0, :9]).all()
    assert r.expected[0, 9] == pytest.approx(4.0)
    assert r.statistic[0, 9] == pytest.approx(8 / np.sqrt(28 / 6))
    assert r.alarm[0, 9]


def test_ears_min_sigma_replaces_a_zero_sd():
    y = np.array([[5] * 9 + [7]])
    r = ears(y, method="C2", min_sigma=1.0)
    assert r.sigma[0, 9] == 1.0
    assert r.statistic[0, 9] == pytest.approx(2.0)
    assert not r.alarm[0, 9]  # 7 is not above 5 + 3·1


@pytest.mark.parametrize("last", [3, 9])
def test_ears_c3_bound_is_the_documented_formula_not_the_observed_count(last):
    # Baseline of 5s (sd 0 -> minSigma 1): C2(9) = 2, C2(10) = 1, so the lagged C3 terms are
    # max(0, 2 − 1) + max(0, 1 − 1) = 1 and U3(11) = 5 + 1·(2 − 1) = 6 whatever y(11) is.
    # (R's code line would give y(11) + 1: 4 and 10.)
    y = np.array([[5] * 9 + [7, 6, last]])
    r = ears(y, method="C3", min_sigma=1.0)
    assert r.upper[0, 11] == pytest.approx(6.0)
    assert r.statistic[0, 11] == pytest.approx(1 + 0 + max(0, last - 5 - 1))
    assert r.alarm[0, 11] == (last > 6)


def test_ears_on_an_all_zero_series_never_alarms():
    r = ears(np.zeros((1, 60)), method="C3")
    assert not r.alarm.any()
    assert np.nanmin(r.p_value) == 1.0


# --- Same-weekday daily -----------------------------------------------------------------------


def test_same_weekday_mean_and_pooled_dispersion():
    weekday = np.array([10, 12, 9, 11, 8, 3, 1])
    y = np.tile(weekday, 9)[None, :].astype(np.int64)  # 9 identical weeks
    y[0, 59] = 30  # a Friday surge in week 9 (column 59 = 8 weeks + 3 days)
    r = same_weekday_daily(y, daily_periods(63), eval_columns=np.array([56, 59, 62]))
    assert r.expected[0].tolist() == [weekday[0], weekday[3], weekday[6]]
    # Identical weeks: no extra dispersion, so the prediction variance is m·(1 + 1/8).
    assert r.variance[0, 1] == pytest.approx(11 * 1.125)
    assert r.p_value[0, 1] == pytest.approx(nb_upper_tail(30, 11.0, 11 * 1.125))
    assert r.alarm[0].tolist() == [False, True, False]


def test_same_weekday_needs_eight_weeks_of_history():
    y = np.ones((1, 70), dtype=np.int64)
    r = same_weekday_daily(y, daily_periods(70), eval_columns=np.arange(70))
    assert np.isnan(r.expected[0, :56]).all()
    assert not np.isnan(r.expected[0, 56:]).any()


def test_same_weekday_on_a_zero_baseline_keeps_the_tail_finite():
    y = np.zeros((1, 64), dtype=np.int64)
    r = same_weekday_daily(y, daily_periods(64), eval_columns=np.array([60]))
    assert r.p_value[0, 0] == 1.0
    assert not r.alarm.any()


# --- Quasi-Poisson IRLS -----------------------------------------------------------------------


def test_irls_factor_model_reproduces_the_block_means():
    # With only an intercept and a factor, the Poisson MLE is each level's mean.
    y = np.array([[3, 5, 4, 10, 12, 11, 0, 1, 2], [1, 1, 1, 2, 2, 2, 3, 3, 3]], dtype=float)
    levels = np.repeat([0, 1, 2], 3)
    X = np.column_stack([np.ones(9), levels == 1, levels == 2]).astype(float)
    fit = fit_quasi_poisson(y, X)
    for s in range(2):
        means = [y[s, levels == level].mean() for level in range(3)]
        assert fit.mu[s] == pytest.approx(np.repeat(means, 3), rel=1e-8)
        pearson = np.sum((y[s] - fit.mu[s]) ** 2 / fit.mu[s]) / (9 - 3)
        assert fit.dispersion[s] == pytest.approx(pearson)
    assert fit.converged.all()


def test_irls_trend_model_matches_direct_likelihood_maximisation():
    rng = np.random.default_rng(4)
    t = np.arange(40.0)
    X = np.column_stack([np.ones(40), t, (t % 4 == 0).astype(float)])
    y = rng.poisson(np.exp(2.0 + 0.02 * t + 0.3 * X[:, 2]))[None, :].astype(float)
    weights = rng.uniform(0.5, 1.5, size=(1, 40))
    fit = fit_quasi_poisson(y, X, weights)

    def negative_loglik(beta):
        eta = X @ beta
        return -np.sum(weights[0] * (y[0] * eta - np.exp(eta)))

    def gradient(beta):
        return -X.T @ (weights[0] * (y[0] - np.exp(X @ beta)))

    best = optimize.minimize(negative_loglik, np.zeros(3), jac=gradient, method="BFGS", tol=1e-12)
    assert fit.beta[0] == pytest.approx(best.x, abs=1e-6)
    information = X.T @ (weights[0, :, None] * np.exp(X @ fit.beta[0])[:, None] * X)
    assert fit.cov_unscaled[0] == pytest.approx(np.linalg.inv(information), rel=1e-6)


def test_anscombe_reweighting_downweights_an_outbreak_and_keeps_the_total():
    y = np.array([[10, 9, 11, 10, 12, 8] * 5], dtype=float)
    y[0, 4] = 60
    X = np.ones((30, 1))
    fit = fit_quasi_poisson(y, X)
    phi = np.maximum(fit.dispersion, 1.0)
    w = anscombe_weights(y, fit, X, phi, threshold=2.58)
    assert w.sum() == pytest.approx(30)
    assert w[0, 4] < 0.2 * w[0, 0]
    assert len(set(np.round(np.delete(w[0], 4), 12))) == 1  # the rest share gamma


# --- Improved Farrington (Noufaily) -----------------------------------------------------------


def test_farrington_reference_window_drops_the_last_26_weeks():
    y = np.full((1, 160), 20)
    r = farrington_flexible(y, weekly_periods(160), eval_columns=np.array([150]))
    assert r.years[0, 0] == 2  # 150 − 104 − 3 >= 0, but not 3 years
    assert r.baseline_last[0, 0] == 150 - 27
    assert r.baseline_first[0, 0] == 150 - 104 - 3
    assert r.expected[0, 0] == pytest.approx(20.0)
    assert r.phi[0, 0] == 1.0  # no dispersion in a constant series: floored at 1


def test_farrington_nb_plugin_threshold_and_p_value():
    rng = np.random.default_rng(2)
    y = rng.negative_binomial(10, 10 / 40, size=(3, 170))  # mean 30, variance 120
    y[:, 165] = [30, 60, 90]
    settings = FarringtonSettings(alpha=0.01)
    r = farrington_flexible(y, weekly_periods(170), eval_columns=np.array([165]), settings=settings)
    mu, phi = r.expected[:, 0], r.phi[:, 0]
    assert (phi > 1).all()
    size, prob = mu / (phi - 1), 1 / phi
    assert r.upper[:, 0] == pytest.approx(stats.nbinom.ppf(0.99, size, prob))
    assert r.p_value[:, 0] == pytest.approx(stats.nbinom.sf(y[:, 165] - 1, size, prob))
    assert r.score[:, 0] == pytest.approx((y[:, 165] - mu) / (r.upper[:, 0] - mu))
    assert r.alarm[:, 0].tolist() == [False, True, True]


def test_farrington_false_alarm_rate_on_stationary_counts_is_near_alpha():
    rng = np.random.default_rng(3)
    y = rng.poisson(25, size=(100, 200))
    r = farrington_flexible(y, weekly_periods(200), eval_columns=np.arange(160, 200))
    assert (r.years == 3).all()
    assert r.alarm.mean() < 0.08  # alpha = 0.05


def test_farrington_limit54_blocks_alarms_on_tiny_counts():
    y = np.zeros((1, 170), dtype=np.int64)
    y[0, 100] = 1
    y[0, 165] = 3  # far above a zero baseline, but fewer than 5 cases in 4 weeks
    r = farrington_flexible(y, weekly_periods(170), eval_columns=np.array([165]))
    assert r.p_value[0, 0] < 1e-6
    assert not r.enough_cases[0, 0]
    assert not r.alarm[0, 0]


def test_farrington_tests_nothing_without_enough_history():
    y = np.full((2, 120), 10)
    start = np.array([0, 30])
    r = farrington_flexible(
        y, weekly_periods(120), eval_columns=np.array([60, 119]), history_start=start
    )
    assert r.years.tolist() == [[1, 2], [0, 1]]
    settings = FarringtonSettings(min_b=2)
    r = farrington_flexible(
        y, weekly_periods(120), eval_columns=np.array([119]), settings=settings, history_start=start
    )
    assert r.years[:, 0].tolist() == [2, 0]
    assert np.isnan(r.expected[1, 0])


# --- detect_spikes ----------------------------------------------------------------------------


def spiky_daily(n_days: int = 140, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    weekday = np.array([1.3, 1.2, 1.1, 1.0, 0.9, 0.3, 0.2])
    mu = np.outer([20, 6, 2], np.tile(weekday, n_days // 7 + 1)[:n_days])
    return rng.poisson(mu)


def test_detect_spikes_daily_rows_methods_and_explanations():
    counts = spiky_daily()
    counts[0, 120] += 60
    counts[2, :] = 0  # a silent series is never tested
    matrix = matrix_from_arrays(counts, granularity="day", start=MONDAY)
    result = detect_spikes(matrix)
    assert list(result.columns) == list(RESULT_COLUMNS)
    assert set(result["series"]) == {0, 1}
    young = result[result["period_start"] < MONDAY + timedelta(days=56)]
    assert set(young["method"]) == {"ears_c2"}
    assert young["period_start"].min() == MONDAY + timedelta(days=9)
    old = result[result["period_start"] >= MONDAY + timedelta(days=56)]
    assert set(old["method"]) == {"same_weekday_nb"}
    alarms = result[result["alarm"]]
    assert alarms["period_start"].tolist() == [MONDAY + timedelta(days=120)]
    row = alarms.iloc[0]
    assert row.observed > row.threshold
    assert row.q_value <= 0.1
    assert row.baseline_start == MONDAY + timedelta(days=120 - 56)
    assert row.baseline_end == MONDAY + timedelta(days=113)


def test_detect_spikes_applies_bh_within_each_period():
    counts = spiky_daily(seed=5)
    matrix = matrix_from_arrays(counts, granularity="day", start=MONDAY)
    result = detect_spikes(matrix)
    for _, family in result.groupby("period_start"):
        assert family["q_value"].to_numpy() == pytest.approx(
            benjamini_hochberg(family["p_value"].to_numpy())
        )


def test_detect_spikes_weekly_switches_from_ears_c3_to_noufaily_after_two_years():
    rng = np.random.default_rng(6)
    counts = rng.poisson(30, size=(2, 130))
    counts[1, 125] = 80
    matrix = matrix_from_arrays(counts, granularity="week", start=MONDAY)
    result = detect_spikes(matrix)
    methods = result.groupby("method")["period_start"].agg(["min", "max"])
    assert methods.loc["ears_c3", "min"] == MONDAY + timedelta(weeks=11)
    assert methods.loc["farrington_flexible", "min"] == MONDAY + timedelta(weeks=107)
    assert methods.loc["ears_c3", "max"] < methods.loc["farrington_flexible", "min"]
    alarm = result[result["alarm"]]
    assert (alarm["series"].tolist(), alarm["period_start"].tolist()) == (
        [1],
        [MONDAY + timedelta(weeks=125)],
    )
    assert alarm.iloc[0].method == "farrington_flexible"


def test_detect_spikes_skips_a_partial_week_and_honours_eval_from():
    counts = np.random.default_rng(7).poisson(30, size=(1, 40))
    days = np.full(40, 7)
    days[-1] = 3
    matrix = matrix_from_arrays(counts, granularity="week", start=MONDAY, days_in_period=days)
    result = detect_spikes(matrix, eval_from=MONDAY + timedelta(weeks=30, days=2))
    assert result["period_start"].min() == MONDAY + timedelta(weeks=30)
    assert result["period_start"].max() == MONDAY + timedelta(weeks=38)
    with_partial = detect_spikes(matrix, policy=replace(SpikePolicy(), skip_partial=False))
    assert with_partial["period_start"].max() == MONDAY + timedelta(weeks=39)


def test_detect_spikes_sparse_series_never_alarm():
    rng = np.random.default_rng(8)
    counts = (rng.random((3, 400)) < 0.05).astype(np.int64)
    counts[1] = 0
    for granularity, n in (("day", 400), ("week", 130)):
        matrix = matrix_from_arrays(counts[:, :n], granularity=granularity, start=MONDAY)
        assert not detect_spikes(matrix)["alarm"].any()


def test_detect_spikes_on_too_little_history_returns_an_empty_frame():
    matrix = matrix_from_arrays(np.ones((2, 8), np.int64), granularity="day", start=MONDAY)
    result = detect_spikes(matrix)
    assert result.empty
    assert list(result.columns) == list(RESULT_COLUMNS)
