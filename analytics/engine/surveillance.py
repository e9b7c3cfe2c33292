"""Spike surveillance on count series (ANALYTICS.md A.3 and C).

Methods, each vectorised over series (rows) and periods (columns):

* ``ears``: CDC EARS C1/C2/C3 (Hutwagner et al. 2003; R ``surveillance::earsC``), the
  short-history fallback.
* ``farrington_flexible``: the improved Farrington method of Noufaily et al. (2013, Stat Med
  32:1206), i.e. Farrington et al. (1996) with a 10-level seasonal factor, 26 recent weeks left
  out, Anscombe-residual reweighting at 2.58 and a negative-binomial plug-in threshold, as in R
  ``surveillance::farringtonFlexible``. The quasi-Poisson GLM is fitted for all series at once by
  batched IRLS.
* ``same_weekday_daily``: daily counts against the same weekday of the previous weeks, with a
  negative-binomial upper-tail p-value.
* ``benjamini_hochberg``: the Benjamini & Hochberg (1995) step-up q-values.

``detect_spikes`` applies the policy of section C to a ``CountMatrix`` and returns one
explainable row per tested (series, period). No Django imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy import stats

from analytics.engine.counts import CountMatrix

FARRINGTON = "farrington_flexible"
EARS_C2 = "ears_c2"
EARS_C3 = "ears_c3"
SAME_WEEKDAY = "same_weekday_nb"
METHODS = (FARRINGTON, EARS_C2, EARS_C3, SAME_WEEKDAY)
RESULT_COLUMNS = (
    "series",
    "dimension",
    "key",
    "granularity",
    "period_start",
    "period_end",
    "observed",
    "expected",
    "threshold",
    "score",
    "p_value",
    "q_value",
    "method",
    "alarm",
    "baseline_start",
    "baseline_end",
)
EARS_Z = {"C1": 3.0, "C2": 3.0, "C3": 2.0}  # CDC thresholds on the statistic
EARS_GUARD = {"C1": 0, "C2": 2, "C3": 2}
EARS_BASELINE = 7
EARS_MEAN_FLOOR = 0.5 / EARS_BASELINE  # half a case over the baseline, so p stays finite


# --------------------------------------------------------------------------------------------
# Shared pieces: multiple testing and negative-binomial tails
# --------------------------------------------------------------------------------------------


def benjamini_hochberg(p: np.ndarray, *, axis: int | None = None) -> np.ndarray:
    """Benjamini–Hochberg (1995) q-values: the smallest FDR level at which each test rejects.

    With ``axis=None`` all values form one family; with an axis, each slice along it is a
    family (``axis=0`` on a series × period array: one family per period). NaNs are
    untested: they pass through and do not count in m.
    """
    p = np.asarray(p, dtype=float)
    if axis is None:
        return _bh_columns(p.reshape(-1, 1)).reshape(p.shape)
    moved = np.moveaxis(p, axis, 0)
    q = _bh_columns(moved.reshape(moved.shape[0], -1)).reshape(moved.shape)
    return np.moveaxis(q, 0, axis)


def _bh_columns(p: np.ndarray) -> np.ndarray:
    """BH within each column of a 2-D array (NaN = not tested)."""
    order = np.argsort(p, axis=0, kind="stable")  # NaNs sort last
    ranked = np.take_along_axis(p, order, axis=0)
    m = np.sum(~np.isnan(p), axis=0, keepdims=True)
    raw = ranked * m / np.arange(1, p.shape[0] + 1)[:, None]
    stepped = np.minimum(np.fmin.accumulate(raw[::-1], axis=0)[::-1], 1.0)
    q = np.empty_like(p)
    np.put_along_axis(q, order, stepped, axis=0)
    q[np.isnan(p)] = np.nan
    return q


def nb_upper_tail(y: np.ndarray, mean: np.ndarray, variance: np.ndarray) -> np.ndarray:
    """P(Y >= y) for Y negative binomial with this mean and variance (Poisson if var <= mean).

    The NB is parametrised as in R's ``pnbinom(size = mean²/(var − mean), prob = mean/var)``;
    NaN in, NaN out.
    """
    y, mean, var = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (y, mean, variance)))
    out = np.full(y.shape, np.nan)
    ok = np.isfinite(y) & np.isfinite(mean) & np.isfinite(var) & (mean > 0)
    nb = ok & (var > mean * (1 + 1e-9))
    po = ok & ~nb
    size, prob = _nb_parameters(mean[nb], var[nb])
    out[nb] = stats.nbinom.sf(y[nb] - 1, size, prob)
    out[po] = stats.poisson.sf(y[po] - 1, mean[po])
    return out


def nb_quantile(level: float, mean: np.ndarray, variance: np.ndarray) -> np.ndarray:
    """The ``level`` quantile (smallest x with CDF >= level) of the same NB / Poisson."""
    mean, var = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (mean, variance)))
    out = np.full(mean.shape, np.nan)
    ok = np.isfinite(mean) & np.isfinite(var) & (mean >= 0)
    out[ok & (mean == 0)] = 0.0
    ok &= mean > 0
    nb = ok & (var > mean * (1 + 1e-9))
    po = ok & ~nb
    size, prob = _nb_parameters(mean[nb], var[nb])
    out[nb] = stats.nbinom.ppf(level, size, prob)
    out[po] = stats.poisson.ppf(level, mean[po])
    return out


def _nb_parameters(mean: np.ndarray, var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return mean**2 / (var - mean), mean / var


# --------------------------------------------------------------------------------------------
# EARS C1 / C2 / C3
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class EarsResult:
    """EARS output, each array shaped like the counts; NaN (alarm False) without a baseline.

    ``expected`` and ``sigma`` are the baseline mean and max(sample sd, minSigma); ``upper``
    the alarm bound in counts; ``p_value`` an NB upper tail with the baseline mean and the
    prediction variance max(sd², mean)·(1 + 1/7) (the 1/7 is the error of a 7-point mean), so
    EARS tests can join a Benjamini–Hochberg family.
    """

    method: str
    statistic: np.ndarray
    expected: np.ndarray
    sigma: np.ndarray
    upper: np.ndarray
    p_value: np.ndarray
    alarm: np.ndarray
    baseline_lags: tuple[int, int]  # (oldest, newest) lag of the baseline, in periods
    variance: np.ndarray  # the prediction variance behind p_value

    def count_bound(self, alpha: float) -> np.ndarray:
        """The (1 − alpha) quantile of the NB behind ``p_value`` (y above it ⟺ p <= alpha)."""
        return nb_quantile(1 - alpha, np.maximum(self.expected, EARS_MEAN_FLOOR), self.variance)


def ears(
    counts: np.ndarray,
    *,
    method: str = "C2",
    min_sigma: float = 1.0,
    threshold: float | None = None,
) -> EarsResult:
    """CDC EARS C1, C2 or C3 for every series and period (ANALYTICS.md A.3).

    C1 uses the 7 periods before t; C2 the 7 before a 2-period guard band (t−9 … t−3); C3
    sums max(0, C2 − 1) over t−2 … t. The default thresholds are CDC's (3, 3 and 2). The C3
    bound is the documented Ȳ₂(t) + S₂(t)·(z − Σ_{t−2..t−1} max(0, C2 − 1)), floored at 0; R's
    code line that puts the observed Y(t) in place of Ȳ₂(t) is deliberately not followed.
    """
    if method not in EARS_Z:
        raise ValueError("method must be C1, C2 or C3")
    y = np.atleast_2d(np.asarray(counts, dtype=float))
    guard = EARS_GUARD[method]
    mean, sd = lagged_moments(y, EARS_BASELINE, guard)
    sigma = np.maximum(sd, min_sigma)
    z = EARS_Z[method] if threshold is None else threshold
    c2 = (y - mean) / sigma
    if method == "C3":
        excess = np.maximum(0.0, c2 - 1.0)
        lagged = _shift(excess, 1) + _shift(excess, 2)
        statistic = excess + lagged
        upper = np.maximum(0.0, mean + sigma * (z - lagged))
    else:
        statistic = c2
        upper = mean + z * sigma
    with np.errstate(invalid="ignore"):
        alarm = np.nan_to_num(y > upper, nan=0).astype(bool) & ~np.isnan(upper)
    floored = np.maximum(mean, EARS_MEAN_FLOOR)
    variance = np.fmax(sd**2, floored) * (1 + 1 / EARS_BASELINE)
    p = nb_upper_tail(y, floored, variance)
    lags = (EARS_BASELINE + guard, 1 + guard)
    return EarsResult(method, statistic, mean, sigma, upper, p, alarm, lags, variance)


def lagged_moments(y: np.ndarray, window: int, guard: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample sd (ddof 1) of y[t−window−guard … t−1−guard] for every column t.

    Cumulative sums keep it O(n) and exact for integer counts; NaN where the window does not fit.
    """
    n_series, n = y.shape
    mean = np.full((n_series, n), np.nan)
    sd = np.full((n_series, n), np.nan)
    first = window + guard
    if n <= first:
        return mean, sd
    c1 = np.concatenate([np.zeros((n_series, 1)), np.cumsum(y, axis=1)], axis=1)
    c2 = np.concatenate([np.zeros((n_series, 1)), np.cumsum(y * y, axis=1)], axis=1)
    hi = np.arange(first, n) - guard  # exclusive end of each window
    s1 = c1[:, hi] - c1[:, hi - window]
    s2 = c2[:, hi] - c2[:, hi - window]
    mean[:, first:] = s1 / window
    sd[:, first:] = np.sqrt(np.maximum(0.0, (s2 - s1 * s1 / window) / (window - 1)))
    return mean, sd


def _shift(a: np.ndarray, k: int) -> np.ndarray:
    """a shifted k columns to the right (column t holds a[:, t−k]), NaN-filled."""
    out = np.full(a.shape, np.nan)
    out[:, k:] = a[:, :-k]
    return out


# --------------------------------------------------------------------------------------------
# Same-weekday baseline for daily counts
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DailyResult:
    """Same-weekday test per (series, evaluated column); NaN where the baseline is missing."""

    eval_columns: np.ndarray
    observed: np.ndarray
    expected: np.ndarray
    variance: np.ndarray
    upper: np.ndarray
    p_value: np.ndarray
    alarm: np.ndarray
    weeks: int


def same_weekday_daily(
    counts: np.ndarray,
    periods: np.ndarray,
    *,
    eval_columns: np.ndarray,
    weeks: int = 8,
    alpha: float = 0.05,
) -> DailyResult:
    """Daily counts against the same weekday in the previous ``weeks`` weeks (ANALYTICS.md C).

    Expected m = mean of y[t−7], …, y[t−7·weeks], so weekday effects cancel. The p-value is
    the upper tail P(Y >= y) of a negative binomial with mean m and the prediction variance
    max(φ, 1)·m·(1 + 1/weeks): φ is the empirical variance-to-mean ratio pooled over the seven
    weekday baselines of the last ``weeks`` weeks (7·(weeks − 1) degrees of freedom instead
    of weeks − 1, so one quiet weekday cannot shrink the tail), and 1/weeks adds the error of
    the mean. ``upper`` is the (1 − alpha) quantile; ``alarm`` is y > upper (the policy's
    rules are applied by ``detect_spikes``). An all-zero baseline has m floored at 0.5/weeks.
    """
    _check_contiguous(periods, 1)
    y = np.atleast_2d(np.asarray(counts, dtype=float))
    cols = np.asarray(eval_columns, dtype=np.int64)
    mean, ratio = _same_weekday_moments(y, np.arange(y.shape[1] + 6), weeks)
    fits = cols - 7 * weeks >= 0
    phi = np.mean(np.stack([ratio[:, cols + i] for i in range(7)]), axis=0)
    mean = np.where(fits, mean[:, cols], np.nan)
    floored = np.maximum(mean, 0.5 / weeks)
    var = np.maximum(phi, 1.0) * floored * (1 + 1 / weeks)
    observed = y[:, cols]
    upper = nb_quantile(1 - alpha, floored, var)
    p = nb_upper_tail(observed, floored, var)
    alarm = np.nan_to_num(observed > upper, nan=0).astype(bool) & fits
    return DailyResult(cols, observed, mean, var, upper, p, alarm, weeks)


def _same_weekday_moments(
    y: np.ndarray, cols: np.ndarray, weeks: int
) -> tuple[np.ndarray, np.ndarray]:
    """Same-weekday baseline mean and variance-to-mean ratio for each column in ``cols``.

    Columns may run up to 6 past the data: their baselines (t−7 and older) still exist.
    """
    total = np.zeros((y.shape[0], cols.size))
    square = np.zeros_like(total)
    for lag in range(1, weeks + 1):
        values = y[:, np.clip(cols - 7 * lag, 0, y.shape[1] - 1)]
        total += values
        square += values * values
    mean = total / weeks
    var = np.maximum(0.0, square - total * mean) / (weeks - 1)
    return mean, var / np.maximum(mean, 0.5 / weeks)


def _check_contiguous(periods: np.ndarray, step: int) -> None:
    days = np.asarray(periods, dtype="datetime64[D]").astype(np.int64)
    if days.size > 1 and not np.all(np.diff(days) == step):
        raise ValueError(f"periods must be contiguous, {step} day(s) apart")


# --------------------------------------------------------------------------------------------
# Quasi-Poisson GLM by batched IRLS
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class QuasiPoissonFit:
    """A log-link quasi-Poisson fit per series (rows) sharing one design matrix."""

    beta: np.ndarray  # (S, p)
    mu: np.ndarray  # (S, n) fitted means
    cov_unscaled: np.ndarray  # (S, p, p) = (X'WX)^-1
    dispersion: np.ndarray  # (S,) Pearson χ² / (n − p), not floored
    converged: np.ndarray  # (S,) bool


def fit_quasi_poisson(
    y: np.ndarray,
    X: np.ndarray,
    prior_weights: np.ndarray | None = None,
    *,
    max_iter: int = 50,
    tol: float = 1e-8,
) -> QuasiPoissonFit:
    """Fit log E[y] = X·β for every row of ``y`` at once by IRLS (Fisher scoring).

    Same start (μ = y + 0.1), deviance convergence rule (|Δdev|/(|dev| + 0.1) < tol) and
    Pearson dispersion as R's ``glm(family = quasipoisson)``; weights are prior weights. The
    linear predictor is clipped to ±30 so all-zero series and empty blocks stay finite.
    """
    y = np.atleast_2d(np.asarray(y, dtype=float))
    w = np.ones_like(y) if prior_weights is None else np.asarray(prior_weights, dtype=float)
    mu = y + 0.1
    eta = np.log(mu)
    dev = _deviance(y, mu, w)
    converged = np.zeros(y.shape[0], dtype=bool)
    for _ in range(max_iter):
        beta = _weighted_solve(X, w * mu, eta + (y - mu) / mu)
        eta = np.clip(beta @ X.T, -30.0, 30.0)
        mu = np.exp(eta)
        new_dev = _deviance(y, mu, w)
        converged = np.abs(new_dev - dev) / (np.abs(new_dev) + 0.1) < tol
        dev = new_dev
        if converged.all():
            break
    cov = _inverse_information(X, w * mu)
    pearson = np.sum(w * (y - mu) ** 2 / mu, axis=1)
    dispersion = pearson / max(1, X.shape[0] - X.shape[1])
    return QuasiPoissonFit(beta, mu, cov, dispersion, converged)


def _weighted_solve(X: np.ndarray, w: np.ndarray, z: np.ndarray) -> np.ndarray:
    """β per row solving (X'WX) β = X'Wz, with a tiny ridge against empty factor levels."""
    xtwx = _information(X, w)
    xtwz = (w * z) @ X
    return np.linalg.solve(xtwx, xtwz[..., None])[..., 0]


def _information(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """X'WX per row of w, plus a ridge of 1e-10 × its mean diagonal."""
    xtwx = np.matmul(X.T[None, :, :] * w[:, None, :], X)
    scale = np.trace(xtwx, axis1=1, axis2=2) / X.shape[1]
    return xtwx + (1e-10 * scale + 1e-300)[:, None, None] * np.eye(X.shape[1])


def _inverse_information(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.linalg.inv(_information(X, w))


def _deviance(y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return 2 * np.sum(w * (term - (y - mu)), axis=1)


# --------------------------------------------------------------------------------------------
# Improved Farrington (Noufaily 2013)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FarringtonSettings:
    """farringtonFlexible control, with Noufaily's recommended values as defaults.

    b: years of reference data at most (fewer when the series is younger); min_b: fewest
    years to test at all; w: half-window around the same week of past years; no_periods:
    levels of the seasonal factor; past_weeks_not_included: recent weeks left out so an
    ongoing outbreak does not raise its own baseline; weights_threshold: Anscombe residual
    above which a past week is down-weighted; alpha: one-sided level of the NB plug-in bound;
    p_threshold_trend: trend p-value needed to keep the trend (1 = whenever b >= 3 and the
    trend does not extrapolate past the largest reference count); limit54: (cases, weeks),
    no alarm unless the last ``weeks`` weeks, the current one included, hold that many cases;
    trend_min_years: R's "at least three years" for a trend; estimation_variance: add
    Var(μ̂₀) ≈ μ̂₀²·φ·x₀'(X'WX)⁻¹x₀ to the NB variance φ·μ̂₀ (the τ of Farrington 1996), so a
    baseline fitted on few weeks widens the bound; False is R's plain nbPlugin.
    """

    b: int = 5
    min_b: int = 1
    w: int = 3
    no_periods: int = 10
    past_weeks_not_included: int = 26
    weights_threshold: float = 2.58
    alpha: float = 0.05
    p_threshold_trend: float = 1.0
    limit54: tuple[int, int] = (5, 4)
    trend_min_years: int = 3
    estimation_variance: bool = False


@dataclass(frozen=True, eq=False)
class FarringtonResult:
    """Per (series, evaluated column): NaN / -1 / False where the series was not tested."""

    eval_columns: np.ndarray
    observed: np.ndarray
    expected: np.ndarray
    upper: np.ndarray
    p_value: np.ndarray
    score: np.ndarray
    phi: np.ndarray
    trend: np.ndarray  # bool: the trend term was kept
    years: np.ndarray  # int: b used, 0 = not tested
    enough_cases: np.ndarray  # bool: the limit54 rule holds
    alarm: np.ndarray
    baseline_first: np.ndarray  # int column of the oldest reference week, -1 = none
    baseline_last: np.ndarray  # int column of the newest reference week, -1 = none


@dataclass(frozen=True, eq=False)
class _Design:
    rows: np.ndarray  # reference columns
    X: np.ndarray  # (n, p): intercept, time, seasonal dummies 2..no_periods
    x0: np.ndarray  # the evaluated week's row


def farrington_flexible(
    counts: np.ndarray,
    periods: np.ndarray,
    *,
    eval_columns: np.ndarray,
    settings: FarringtonSettings = FarringtonSettings(),  # noqa: B008 - frozen, shared safely
    history_start: np.ndarray | None = None,
) -> FarringtonResult:
    """Noufaily's improved Farrington on weekly counts, batched over series.

    For each evaluated week k the reference data are all weeks of the past b years except
    the most recent ``past_weeks_not_included``, with a ``no_periods``-level seasonal factor
    (level 10 for the ±w windows around week k of each past year). All series with the same b
    share the design, so the GLM is fitted for them together. ``history_start`` is each
    series' first usable column (default 0): b is the most years whose windows fit after it.
    """
    _check_contiguous(periods, 7)
    y = np.atleast_2d(np.asarray(counts, dtype=float))
    cols = np.asarray(eval_columns, dtype=np.int64)
    start = np.zeros(y.shape[0], np.int64) if history_start is None else np.asarray(history_start)
    out = _empty_farrington(y.shape[0], cols)
    dates = np.asarray(periods, dtype="datetime64[D]")
    for j, k in enumerate(cols):
        refs = {b: _reference_weeks(dates, int(k), b) for b in range(1, settings.b + 1)}
        years = _years_available(refs, start, settings)
        for b in np.unique(years[years >= max(1, settings.min_b)]):
            rows = np.flatnonzero(years == b)
            design = _design(refs[int(b)], int(k), settings)
            _evaluate(y, rows, j, int(k), int(b), design, settings, out)
    return FarringtonResult(eval_columns=cols, **out)


def _empty_farrington(n_series: int, cols: np.ndarray) -> dict[str, np.ndarray]:
    shape = (n_series, cols.size)
    out = {k: np.full(shape, np.nan) for k in ("observed", "expected", "upper", "p_value")}
    out |= {k: np.full(shape, np.nan) for k in ("score", "phi")}
    out |= {k: np.zeros(shape, bool) for k in ("trend", "enough_cases", "alarm")}
    out |= {k: np.full(shape, -1, np.int64) for k in ("years", "baseline_first", "baseline_last")}
    out["years"][:] = 0
    return out


def _reference_weeks(dates: np.ndarray, k: int, b: int) -> np.ndarray:
    """Column of the week nearest to week k's start date i years back, i = 0..b (R's rule)."""
    start = _as_date(dates[k])
    offsets = [round((_years_back(start, i) - start).days / 7) for i in range(b + 1)]
    return k + np.asarray(offsets, dtype=np.int64)


def _years_available(
    refs: dict[int, np.ndarray], start: np.ndarray, settings: FarringtonSettings
) -> np.ndarray:
    """Per series, the largest b <= settings.b whose oldest window starts on/after its start."""
    years = np.zeros(start.size, dtype=np.int64)
    for b in range(1, settings.b + 1):
        oldest = refs[b][-1] - settings.w
        years = np.where(oldest >= start, b, years)
    return years


def _design(refs: np.ndarray, k: int, settings: FarringtonSettings) -> _Design:
    """Reference columns and the design matrix (R's ``blocks`` and ``algo.farrington.data.glm``).

    Each ±w window around a past reference week gets level ``no_periods``; the weeks between
    consecutive windows are cut into ``no_periods − 1`` blocks (the first ones one week longer
    when it does not divide). The last ``past_weeks_not_included`` weeks before k are dropped.
    """
    w, p = settings.w, settings.no_periods
    level = {}
    for i in range(1, refs.size):
        ref, newer = int(refs[i]), int(refs[i - 1])
        level |= dict.fromkeys(range(ref - w, ref + w + 1), p)
        span = newer - 2 * w - 1 - ref
        lengths = np.full(p - 1, span // (p - 1)) + (np.arange(p - 1) < span % (p - 1))
        edges = ref + w + 1 + np.concatenate([[0], np.cumsum(lengths)])
        for block in range(p - 1):
            level |= dict.fromkeys(range(int(edges[block]), int(edges[block + 1])), block + 1)
    cut = k - settings.past_weeks_not_included
    rows = np.array(sorted(c for c in level if c < cut), dtype=np.int64)
    levels = np.array([level[c] for c in rows])
    X = np.column_stack([np.ones(rows.size), rows - rows[0], _dummies(levels, p)])
    x0 = np.concatenate([[1.0, k - rows[0]], _dummies(np.array([p]), p)[0]])
    return _Design(rows, X, x0)


def _dummies(levels: np.ndarray, p: int) -> np.ndarray:
    """Treatment contrasts for levels 1..p (level 1 is the reference)."""
    return (levels[:, None] == np.arange(2, p + 1)[None, :]).astype(float)


def _evaluate(
    y: np.ndarray,
    rows: np.ndarray,
    j: int,
    k: int,
    b: int,
    design: _Design,
    settings: FarringtonSettings,
    out: dict[str, np.ndarray],
) -> None:
    """Fit the series ``rows`` at week k, with or without trend, and fill column j of out."""
    ref = y[np.ix_(rows, design.rows)]
    flat = np.delete(np.arange(design.X.shape[1]), 1)
    mu0, phi, var_mu0 = _noufaily_fit(ref, design.X[:, flat], design.x0[flat], settings)
    trend = np.zeros(rows.size, dtype=bool)
    if b >= settings.trend_min_years:
        (mu_t, phi_t, var_t), keep = _trend_fit(ref, design, settings)
        mu0, phi, var_mu0 = (
            np.where(keep, a, b) for a, b in ((mu_t, mu0), (phi_t, phi), (var_t, var_mu0))
        )
        trend = keep
    observed = y[rows, k]
    cases, weeks = settings.limit54
    recent = y[rows, max(0, k - weeks + 1) : k + 1].sum(axis=1)
    variance = phi * mu0 + (var_mu0 if settings.estimation_variance else 0.0)
    upper = nb_quantile(1 - settings.alpha, mu0, variance)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = (observed - mu0) / (upper - mu0)
    values = {
        "observed": observed,
        "expected": mu0,
        "upper": upper,
        "p_value": nb_upper_tail(observed, mu0, variance),
        "score": score,
        "phi": phi,
        "trend": trend,
        "years": b,
        "enough_cases": recent >= cases,
        "alarm": (recent >= cases) & (observed > upper) & (observed > 0),
        "baseline_first": design.rows[0],
        "baseline_last": design.rows[-1],
    }
    for name, value in values.items():
        out[name][rows, j] = value


def _noufaily_fit(
    ref: np.ndarray, X: np.ndarray, x0: np.ndarray, settings: FarringtonSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit, reweight by Anscombe residuals, refit; return μ̂₀, φ (floored at 1), Var(μ̂₀)."""
    return _prediction(_reweighted_fit(ref, X, settings), x0)


def _prediction(fit: QuasiPoissonFit, x0: np.ndarray) -> tuple[np.ndarray, ...]:
    """μ̂₀ = exp(x₀β), φ = max(1, dispersion) and the delta-method Var(μ̂₀) = μ̂₀²·φ·x₀'Cx₀."""
    mu0 = np.exp(np.clip(fit.beta @ x0, -30.0, 30.0))
    phi = np.maximum(fit.dispersion, 1.0)
    return mu0, phi, mu0**2 * phi * np.einsum("i,sij,j->s", x0, fit.cov_unscaled, x0)


def _reweighted_fit(
    ref: np.ndarray, X: np.ndarray, settings: FarringtonSettings
) -> QuasiPoissonFit:
    first = fit_quasi_poisson(ref, X)
    phi = np.maximum(first.dispersion, 1.0)
    weights = anscombe_weights(ref, first, X, phi, settings.weights_threshold)
    return fit_quasi_poisson(ref, X, weights)


def _trend_fit(
    ref: np.ndarray, design: _Design, settings: FarringtonSettings
) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """The with-trend prediction and where R keeps it: p(β) < threshold, μ̂₀ <= max reference."""
    fit = _reweighted_fit(ref, design.X, settings)
    prediction = _prediction(fit, design.x0)
    mu0 = prediction[0]
    se = np.sqrt(fit.dispersion * fit.cov_unscaled[:, 1, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        t = fit.beta[:, 1] / se
    df = max(1, design.X.shape[0] - design.X.shape[1])
    p_trend = 2 * stats.t.sf(np.abs(t), df)
    keep = (p_trend < settings.p_threshold_trend) & (mu0 <= ref.max(axis=1))
    return prediction, keep


def anscombe_weights(
    y: np.ndarray, fit: QuasiPoissonFit, X: np.ndarray, phi: np.ndarray, threshold: float
) -> np.ndarray:
    """Farrington's down-weighting of past outbreaks.

    s_i = (3/2)(y^{2/3} μ^{−1/6} − μ^{1/2}) / √(φ(1 − h_ii)); ω_i = γ s_i^{−2} when
    s_i > threshold, else γ, with γ making the weights sum to n.
    """
    mu = fit.mu
    hat = mu * np.einsum("ni,sij,nj->sn", X, fit.cov_unscaled, X)
    raw = 1.5 * (np.cbrt(y) ** 2 * mu ** (-1 / 6) - np.sqrt(mu))
    s = raw / np.sqrt(phi[:, None] * np.maximum(1 - hat, 1e-10))
    high = s > threshold
    base = np.where(high, 1.0 / np.where(high, s, 1.0) ** 2, 1.0)
    gamma = y.shape[1] / base.sum(axis=1, keepdims=True)
    return gamma * base


def _years_back(day: date, years: int) -> date:
    """The same calendar date ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _as_date(value: np.datetime64) -> date:
    return date(1970, 1, 1) + timedelta(days=int(value.astype("datetime64[D]").astype(np.int64)))


# --------------------------------------------------------------------------------------------
# The policy and detect_spikes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpikePolicy:
    """When a tested (series, period) becomes an alarm (ANALYTICS.md section C).

    Every method gives an expected count, a p-value (a negative-binomial upper tail) and a
    count bound. A test alarms when all of these hold, so each alarm reads "observed y above
    the bound U, q <= Q across this period's series, enough cases":
      * y > threshold: the (1 − alpha) quantile of the method's NB (⟺ p <= alpha); for EARS,
        also above EARS' own bound (the threshold shown is the larger of the two);
      * q <= Q, Benjamini–Hochberg across every series tested in the same period;
      * the minimum-count rules.

    Daily (granularity "day"):
      daily_weeks: same-weekday weeks in the baseline (8); a series with fewer weeks of
        history falls back to EARS C2 (from 9 days of history).
      daily_q: BH q at most this across all series tested that day (0.1).
      daily_min_count: at least this many cases that day (5).
      daily_min_ratio: observed / expected at least this (1.5).
      daily_alpha: per-test level of the daily bound. Small on purpose: a series is tested 7
        times a week, and BH over a few dozen nested series (a category is the sum of its
        products, and so on) rejects correlated clusters together.
      daily_ears_min_sigma: EARS C2 minSigma for the young-series fallback (1).
    Weekly (granularity "week"):
      weekly_min_years: years of history (plus w weeks) for Noufaily (2); younger series use
        EARS C3 (from 11 weeks of history).
      weekly_q: BH q at most this across all series tested that week (0.2).
      weekly_alpha: per-test level of the weekly bound (Farrington's alpha).
      weekly_ears_min_sigma: EARS C3 minSigma (1).
      farrington: the other Noufaily settings; its limit54 (5 cases in the last 4 weeks) is
        the weekly minimum-count rule, applied to EARS C3 as well.
    Both:
      ears_needs_q: EARS tests also need the q rule (default True); False lets EARS' bound
        and the count rules decide alone.
      skip_partial: do not test periods the counts cover only in part (a week in progress).
    """

    daily_weeks: int = 8
    daily_q: float = 0.1
    daily_min_count: int = 5
    daily_min_ratio: float = 1.5
    daily_alpha: float = 0.001
    daily_ears_min_sigma: float = 1.0
    weekly_min_years: int = 2
    weekly_q: float = 0.2
    weekly_alpha: float = 0.002
    weekly_ears_min_sigma: float = 1.0
    farrington: FarringtonSettings = field(
        default_factory=lambda: FarringtonSettings(estimation_variance=True)
    )
    ears_needs_q: bool = True
    skip_partial: bool = True


@dataclass
class _Tests:
    """Flat arrays, one entry per tested (series, column)."""

    series: list[np.ndarray] = field(default_factory=list)
    column: list[np.ndarray] = field(default_factory=list)
    observed: list[np.ndarray] = field(default_factory=list)
    expected: list[np.ndarray] = field(default_factory=list)
    threshold: list[np.ndarray] = field(default_factory=list)
    score: list[np.ndarray] = field(default_factory=list)
    p_value: list[np.ndarray] = field(default_factory=list)
    method: list[np.ndarray] = field(default_factory=list)
    rule: list[np.ndarray] = field(default_factory=list)  # every alarm rule except q
    needs_q: list[np.ndarray] = field(default_factory=list)
    baseline_first: list[np.ndarray] = field(default_factory=list)
    baseline_last: list[np.ndarray] = field(default_factory=list)

    def add(self, mask: np.ndarray, cols: np.ndarray, method: str, needs_q: bool, **values) -> None:
        """Keep the entries of (S, E) arrays where ``mask`` holds; E matches ``cols``."""
        s, e = np.nonzero(mask)
        self.series.append(s)
        self.column.append(cols[e])
        self.method.append(np.full(s.size, method, dtype=object))
        self.needs_q.append(np.full(s.size, needs_q))
        for name, value in values.items():
            value = np.broadcast_to(value, mask.shape)
            getattr(self, name).append(value[s, e])

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: np.concatenate(parts) for name, parts in vars(self).items()}


def detect_spikes(
    matrix: CountMatrix,
    *,
    eval_from: date | None = None,
    policy: SpikePolicy = SpikePolicy(),  # noqa: B008 - frozen, shared safely
) -> pd.DataFrame:
    """Test every series in every period from ``eval_from`` and say which tests alarm.

    The method is chosen per series and period by the history before it (history starts at
    the series' first non-zero count): daily, the same-weekday NB once ``daily_weeks`` weeks
    exist, else EARS C2; weekly, Noufaily once ``weekly_min_years`` years (+w weeks) exist,
    else EARS C3. Benjamini–Hochberg runs across all series tested in the same period.
    Returns one row per test, columns ``RESULT_COLUMNS``; ``score`` is Farrington's
    exceedance (y − μ)/(U − μ) (> 1 above the bound) for the NB methods and the EARS statistic
    for EARS; baseline_start/end are the dates the expectation came from.
    """
    columns = _columns_to_test(matrix, eval_from, policy)
    tests = _Tests()
    if columns.size and matrix.n_series:
        if matrix.granularity == "day":
            _daily_tests(matrix, columns, policy, tests)
        else:
            _weekly_tests(matrix, columns, policy, tests)
    if not tests.series:
        return pd.DataFrame(columns=list(RESULT_COLUMNS))
    return _result_frame(matrix, tests.arrays(), policy)


def _columns_to_test(
    matrix: CountMatrix, eval_from: date | None, policy: SpikePolicy
) -> np.ndarray:
    ok = matrix.complete if policy.skip_partial else np.ones(matrix.n_periods, dtype=bool)
    if eval_from is not None:
        last_day = matrix.periods + np.timedelta64(matrix.period_days - 1, "D")
        ok = ok & (last_day >= np.datetime64(eval_from, "D"))
    return np.flatnonzero(ok)


def first_nonzero(counts: np.ndarray) -> np.ndarray:
    """Column of each series' first non-zero count (n_periods if it has none)."""
    nonzero = np.asarray(counts) > 0
    return np.where(nonzero.any(axis=1), nonzero.argmax(axis=1), nonzero.shape[1])


def _daily_tests(matrix: CountMatrix, cols: np.ndarray, policy: SpikePolicy, tests: _Tests) -> None:
    """Same-weekday NB where ``daily_weeks`` weeks of history exist, else EARS C2."""
    counts = matrix.counts
    age = cols[None, :] - first_nonzero(counts)[:, None]
    span = 7 * policy.daily_weeks
    use_nb = age >= span
    use_ears = (age >= EARS_BASELINE + EARS_GUARD["C2"]) & ~use_nb
    if use_nb.any():
        nb = same_weekday_daily(
            counts,
            matrix.periods,
            eval_columns=cols,
            weeks=policy.daily_weeks,
            alpha=policy.daily_alpha,
        )
        tests.add(
            use_nb,
            cols,
            SAME_WEEKDAY,
            True,
            observed=nb.observed,
            expected=nb.expected,
            threshold=nb.upper,
            score=_exceedance(nb.observed, nb.expected, nb.upper),
            p_value=nb.p_value,
            rule=nb.alarm & _daily_rules(nb.observed, nb.expected, policy),
            baseline_first=cols - span,
            baseline_last=cols - 7,
        )
    if use_ears.any():
        ea = ears(counts, method="C2", min_sigma=policy.daily_ears_min_sigma)
        _add_ears(
            tests,
            use_ears,
            cols,
            counts,
            ea,
            policy.daily_alpha,
            policy.ears_needs_q,
            _daily_rules(counts[:, cols], ea.expected[:, cols], policy),
        )


def _add_ears(
    tests: _Tests,
    mask: np.ndarray,
    cols: np.ndarray,
    counts: np.ndarray,
    ea: EarsResult,
    alpha: float,
    needs_q: bool,
    rules: np.ndarray,
) -> None:
    """EARS tests: the bound shown is the larger of EARS' own and the NB (1 − alpha) quantile."""
    y = counts[:, cols].astype(float)
    threshold = np.fmax(ea.upper[:, cols], ea.count_bound(alpha)[:, cols])
    with np.errstate(invalid="ignore"):
        above = y > threshold
    tests.add(
        mask,
        cols,
        EARS_C2 if ea.method == "C2" else EARS_C3,
        needs_q,
        observed=y,
        expected=ea.expected[:, cols],
        threshold=threshold,
        score=ea.statistic[:, cols],
        p_value=ea.p_value[:, cols],
        rule=above & rules,
        baseline_first=cols - ea.baseline_lags[0],
        baseline_last=cols - ea.baseline_lags[1],
    )


def _daily_rules(y: np.ndarray, expected: np.ndarray, policy: SpikePolicy) -> np.ndarray:
    """y >= daily_min_count and y >= daily_min_ratio × expected."""
    with np.errstate(invalid="ignore"):
        return (y >= policy.daily_min_count) & (y >= policy.daily_min_ratio * expected)


def _exceedance(y: np.ndarray, mu: np.ndarray, upper: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (y - mu) / (upper - mu)


def _weekly_tests(
    matrix: CountMatrix, cols: np.ndarray, policy: SpikePolicy, tests: _Tests
) -> None:
    """Noufaily for series with ``weekly_min_years`` years, EARS C3 for younger ones."""
    counts = matrix.counts
    start = first_nonzero(counts)
    settings = replace(policy.farrington, min_b=policy.weekly_min_years, alpha=policy.weekly_alpha)
    fa = farrington_flexible(
        counts, matrix.periods, eval_columns=cols, settings=settings, history_start=start
    )
    use_fa = fa.years >= settings.min_b
    tests.add(
        use_fa,
        cols,
        FARRINGTON,
        True,
        observed=fa.observed,
        expected=fa.expected,
        threshold=fa.upper,
        score=fa.score,
        p_value=fa.p_value,
        rule=fa.alarm,
        baseline_first=fa.baseline_first,
        baseline_last=fa.baseline_last,
    )
    age = cols[None, :] - start[:, None]
    use_ears = (age >= EARS_BASELINE + EARS_GUARD["C3"] + 2) & ~use_fa
    if use_ears.any():
        ea = ears(counts, method="C3", min_sigma=policy.weekly_ears_min_sigma)
        _add_ears(
            tests,
            use_ears,
            cols,
            counts,
            ea,
            policy.weekly_alpha,
            policy.ears_needs_q,
            _recent_cases(counts, settings.limit54[1])[:, cols] >= settings.limit54[0],
        )


def _recent_cases(counts: np.ndarray, weeks: int) -> np.ndarray:
    """Cases in the last ``weeks`` periods, the current one included (Farrington's limit54)."""
    total = np.cumsum(np.pad(counts, ((0, 0), (weeks, 0))), axis=1)
    return total[:, weeks:] - total[:, :-weeks]


def _result_frame(
    matrix: CountMatrix, t: dict[str, np.ndarray], policy: SpikePolicy
) -> pd.DataFrame:
    """BH per period, the final alarm rule, and dates for the columns."""
    p = np.full((matrix.n_series, matrix.n_periods), np.nan)
    p[t["series"], t["column"]] = t["p_value"]
    q = benjamini_hochberg(p, axis=0)[t["series"], t["column"]]
    q_max = policy.daily_q if matrix.granularity == "day" else policy.weekly_q
    passes_q = np.nan_to_num(q, nan=2.0) <= q_max
    alarm = t["rule"] & (passes_q | ~t["needs_q"])
    starts = np.array([matrix.period_start(i) for i in range(matrix.n_periods)], dtype=object)
    ends = starts + timedelta(days=matrix.period_days - 1)
    order = np.lexsort((t["series"], t["column"]))
    frame = pd.DataFrame(
        {
            "series": t["series"],
            "dimension": np.asarray(matrix.dimensions, dtype=object)[t["series"]],
            "key": np.asarray(matrix.keys, dtype=object)[t["series"]],
            "granularity": matrix.granularity,
            "period_start": starts[t["column"]],
            "period_end": ends[t["column"]],
            "observed": t["observed"].astype(np.int64),
            "expected": t["expected"].astype(float),
            "threshold": t["threshold"].astype(float),
            "score": t["score"].astype(float),
            "p_value": t["p_value"].astype(float),
            "q_value": q,
            "method": t["method"],
            "alarm": alarm,
            "baseline_start": starts[t["baseline_first"]],
            "baseline_end": ends[t["baseline_last"]],
        },
        columns=list(RESULT_COLUMNS),
    )
    return frame.iloc[order].reset_index(drop=True)
