"""Did a preventive action work? Before/after rates of the problems it targets.

The test is the exact conditional test for a Poisson rate ratio (Przyborowski & Wilenski
1940; Gu, Ng, Tang & Schucany 2008; statsmodels ``test_poisson_2indep(method="exact-cond")``):
given n = c_after + c_before events, c_after ~ Binomial(n, π₀) with π₀ = E_after / (E_after +
E_before) under "no change", so the one-sided p-value for a reduction is BinomCDF(c_after; n, π₀)
and the Clopper–Pearson interval for π maps to an exact interval for the rate ratio
R = π / (1 − π) · E_before / E_after.

Exposure is the centre's volume of *other* problems in each window where there is enough of
it (the action is judged on its share of the workload, so a busy month does not look like a
failure), else calendar days. Over-dispersed weekly counts (Pearson φ > 1.5) shrink the
effective counts by φ, the quasi-likelihood correction; the binomial and beta functions are
evaluated at real-valued counts for that.

Windows guard against regression to the mean: the "before" window ends ``guard_weeks`` before
the action (the spike that prompted it stays out), the "after" window starts ``lag_weeks``
after it (time to take effect). Below the power rule of thumb (about 63 events before to see a
40 % fall with 80 % power), a result that is not significant is "too early to tell", never
"no effect". No Django imports: tested without a database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from scipy import special, stats

VERDICT_EFFECTIVE = "effective"
VERDICT_NO_CHANGE = "no_clear_change"
VERDICT_WORSE = "worse"
VERDICT_TOO_EARLY = "too_early"
VERDICT_LABELS = {
    VERDICT_EFFECTIVE: "Effective",
    VERDICT_NO_CHANGE: "No clear change",
    VERDICT_WORSE: "More problems since",
    VERDICT_TOO_EARLY: "Too early to tell",
}


@dataclass(frozen=True)
class EffectSettings:
    """Windows in weeks, relative to the day the action took effect."""

    before_weeks: int = 26  # length of the "before" window
    guard_weeks: int = 4  # left out just before the action (the spike that prompted it)
    lag_weeks: int = 2  # left out just after it (time for the change to bite)
    after_weeks: int = 26  # longest "after" window; shorter while data accrues
    min_after_weeks: int = 4  # below this, "too early to tell" whatever the counts
    alpha: float = 0.05  # one-sided level of the test, and 1 − confidence of the interval/2
    power_reduction: float = 0.4  # the fall the data should be able to detect…
    power: float = 0.8  # …with this power, before a null result is called "no clear change"
    min_volume: int = 30  # fewest other problems per window to adjust for volume
    dispersion_limit: float = 1.5  # Pearson φ above which counts are scaled down by φ

    @property
    def min_events_before(self) -> int:
        """Events needed before the action: (z_α + z_β)²·(1 + 1/R)/(ln R)², R = 1 − fall."""
        ratio = 1 - self.power_reduction
        z = stats.norm.ppf(1 - self.alpha) + stats.norm.ppf(self.power)
        return round(z**2 * (1 + 1 / ratio) / math.log(ratio) ** 2)


@dataclass(frozen=True)
class EffectWindows:
    """Half-open day ranges [start, end)."""

    before_start: date
    before_end: date
    after_start: date
    after_end: date

    @property
    def after_days(self) -> int:
        return max(0, (self.after_end - self.after_start).days)

    @property
    def before_days(self) -> int:
        return max(0, (self.before_end - self.before_start).days)


@dataclass(frozen=True)
class RateRatioTest:
    count_before: int
    count_after: int
    exposure_before: float
    exposure_after: float
    rate_ratio: float  # after / before, per unit of exposure (nan when undefined)
    ci_low: float
    ci_high: float
    p_value: float  # one-sided, for a reduction
    p_increase: float  # one-sided, for an increase
    dispersion: float  # the φ the counts were scaled by (1 = none)


@dataclass(frozen=True)
class Effect:
    windows: EffectWindows
    test: RateRatioTest | None  # None when there is no "after" data yet
    adjusted_for_volume: bool
    verdict: str
    summary: str  # one plain-English sentence


def effect_windows(
    implemented_on: date, data_end: date, settings: EffectSettings = EffectSettings()
) -> EffectWindows:
    """The before and after windows for an action; ``data_end`` is the first day with no data."""
    before_end = implemented_on - timedelta(weeks=settings.guard_weeks)
    after_start = implemented_on + timedelta(weeks=settings.lag_weeks)
    after_end = min(data_end, after_start + timedelta(weeks=settings.after_weeks))
    return EffectWindows(
        before_start=before_end - timedelta(weeks=settings.before_weeks),
        before_end=before_end,
        after_start=after_start,
        after_end=max(after_start, after_end),
    )


def rate_ratio_exact(
    count_after: float,
    exposure_after: float,
    count_before: float,
    exposure_before: float,
    *,
    alpha: float = 0.05,
    dispersion: float = 1.0,
) -> RateRatioTest:
    """The exact conditional test and interval for the rate ratio after/before."""
    c1 = np.asarray(count_after, dtype=float) / dispersion
    c2 = np.asarray(count_before, dtype=float) / dispersion
    p_lower, p_upper, low, high, ratio = _conditional(
        c1, c2, float(exposure_after), float(exposure_before), alpha
    )
    return RateRatioTest(
        count_before=int(round(float(count_before))),
        count_after=int(round(float(count_after))),
        exposure_before=float(exposure_before),
        exposure_after=float(exposure_after),
        rate_ratio=float(ratio),
        ci_low=float(low),
        ci_high=float(high),
        p_value=float(p_lower),
        p_increase=float(p_upper),
        dispersion=float(dispersion),
    )


def rate_ratio_p_values(
    count_after: np.ndarray,
    exposure_after: np.ndarray,
    count_before: np.ndarray,
    exposure_before: np.ndarray,
) -> np.ndarray:
    """Vectorised one-sided p-values for a reduction (many actions at once)."""
    c1 = np.asarray(count_after, dtype=float)
    n = c1 + np.asarray(count_before, dtype=float)
    pi0 = np.asarray(exposure_after, float) / (
        np.asarray(exposure_after, float) + np.asarray(exposure_before, float)
    )
    return _binom_cdf(c1, n, pi0)


def _binom_cdf(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """P(X ≤ k) for X ~ Binomial(n, p), defined for real k and n through the beta function."""
    k, n, p = np.broadcast_arrays(np.asarray(k, float), np.asarray(n, float), np.asarray(p, float))
    out = np.ones_like(k)
    inside = k < n
    out[inside] = special.betainc(n[inside] - k[inside], k[inside] + 1, 1 - p[inside])
    out[k < 0] = 0.0
    return out


def _conditional(c1, c2, e1: float, e2: float, alpha: float):
    n = c1 + c2
    if n <= 0 or e1 <= 0 or e2 <= 0:
        return 1.0, 1.0, math.nan, math.nan, math.nan
    pi0 = e1 / (e1 + e2)
    p_lower = float(_binom_cdf(c1, n, pi0))
    p_upper = 1.0 - float(_binom_cdf(c1 - 1, n, pi0)) if c1 > 0 else 1.0
    # Clopper–Pearson for π = c1 / n, then R = π / (1 − π) · e2 / e1.
    pi_low = stats.beta.ppf(alpha / 2, c1, c2 + 1) if c1 > 0 else 0.0
    pi_high = stats.beta.ppf(1 - alpha / 2, c1 + 1, c2) if c2 > 0 else 1.0
    scale = e2 / e1
    low = pi_low / (1 - pi_low) * scale
    high = pi_high / (1 - pi_high) * scale if pi_high < 1 else math.inf
    ratio = (c1 / e1) / (c2 / e2) if c2 > 0 else math.inf
    return min(p_lower, 1.0), min(p_upper, 1.0), low, high, ratio


def weekly_dispersion(target: np.ndarray, volume: np.ndarray | None = None) -> float:
    """Pearson φ of weekly target counts (floor 1; 1 with under 4 weeks).

    The expected weekly count is the target's overall share of each week's volume when a
    volume series is given (so the centre's own seasonality is not mistaken for noise), else
    the weekly mean.
    """
    weeks = target.size // 7
    y = target[: weeks * 7].reshape(-1, 7).sum(axis=1)
    if weeks < 4 or y.sum() <= 0:
        return 1.0
    if volume is not None and volume[: weeks * 7].sum() > 0:
        v = volume[: weeks * 7].reshape(-1, 7).sum(axis=1)
        expected = v * (y.sum() / v.sum())
    else:
        expected = np.full(weeks, y.mean())
    keep = expected > 0
    chi2 = float((((y - expected) ** 2)[keep] / expected[keep]).sum())
    return max(1.0, chi2 / (int(keep.sum()) - 1))


def evaluate_action(
    *,
    days: np.ndarray,
    target: np.ndarray,
    volume: np.ndarray | None,
    implemented_on: date,
    data_end: date,
    settings: EffectSettings = EffectSettings(),
) -> Effect:
    """Judge one action from daily counts.

    ``days`` (datetime64[D], ascending) index ``target`` (the problems the action targets) and
    ``volume`` (all the centre's problems, or None); days missing from ``days`` count as 0.
    """
    windows = effect_windows(implemented_on, data_end, settings)
    before = _window_mask(days, windows.before_start, windows.before_end)
    after = _window_mask(days, windows.after_start, windows.after_end)
    if windows.after_days < 7 * settings.min_after_weeks:
        return _too_early_by_time(windows, settings)
    c_before, c_after = float(target[before].sum()), float(target[after].sum())
    exposure = _exposures(target, volume, before, after, windows, settings)
    phi = weekly_dispersion(
        _dense(days, target, windows.before_start, windows.before_end),
        _dense(days, volume, windows.before_start, windows.before_end) if exposure[2] else None,
    )
    dispersion = phi if phi > settings.dispersion_limit else 1.0
    test = rate_ratio_exact(
        c_after, exposure[1], c_before, exposure[0], alpha=settings.alpha, dispersion=dispersion
    )
    verdict = _verdict(test, settings)
    return Effect(
        windows=windows,
        test=test,
        adjusted_for_volume=exposure[2],
        verdict=verdict,
        summary=effect_summary(test, verdict, windows, settings),
    )


PHASE_BEFORE, PHASE_GUARD, PHASE_LAG, PHASE_AFTER = "before", "guard", "lag", "after"


@dataclass(frozen=True)
class ProfileWeek:
    """One week of the before/after picture: its first day, how many of its days have data
    (none before the log's first day; fewer in a week cut short by the end of the data), the
    target's count, and which part of the measurement it falls in."""

    start: date
    days: int
    count: int
    phase: str


def weekly_profile(
    *, days: np.ndarray, target: np.ndarray, windows: EffectWindows, implemented_on: date
) -> list[ProfileWeek]:
    """The target's weekly counts from the start of the "before" window to the end of the
    data, in weeks counted from that start (so each week falls in one part: before, the guard
    weeks left out before the change, the lag weeks left out after it, or after).

    ``days`` are the days with any problem (ascending): the first is where the log starts,
    so weeks before it say they have no data rather than showing a count of nought."""
    end = max(windows.after_end, implemented_on)
    dense = _dense(days, target, windows.before_start, end)
    first = days[0].astype(object) if days.size else end
    weeks = []
    for offset in range(0, dense.size, 7):
        start = windows.before_start + timedelta(days=offset)
        chunk = dense[offset : offset + 7]
        missing = min(chunk.size, max(0, (first - start).days))
        weeks.append(
            ProfileWeek(
                start,
                int(chunk.size - missing),
                int(chunk.sum()),
                _phase(start, windows, implemented_on),
            )
        )
    return weeks


def _phase(start: date, windows: EffectWindows, implemented_on: date) -> str:
    if start < windows.before_end:
        return PHASE_BEFORE
    if start < implemented_on:
        return PHASE_GUARD
    if start < windows.after_start:
        return PHASE_LAG
    return PHASE_AFTER


def _window_mask(days: np.ndarray, start: date, end: date) -> np.ndarray:
    return (days >= np.datetime64(start, "D")) & (days < np.datetime64(end, "D"))


def _dense(days: np.ndarray, counts: np.ndarray, start: date, end: date) -> np.ndarray:
    """The counts for every day of [start, end), zeros where ``days`` has no entry."""
    first = np.datetime64(start, "D")
    length = (np.datetime64(end, "D") - first).astype(int)
    out = np.zeros(max(0, length), dtype=float)
    mask = _window_mask(days, start, end)
    np.add.at(out, (days[mask] - first).astype(int), counts[mask])
    return out


def _exposures(target, volume, before, after, windows: EffectWindows, settings: EffectSettings):
    """(before, after, adjusted): other problems' volume if there is enough of it, else days."""
    if volume is not None:
        other = volume - target
        v_before, v_after = float(other[before].sum()), float(other[after].sum())
        if min(v_before, v_after) >= settings.min_volume:
            return v_before, v_after, True
    return float(windows.before_days), float(windows.after_days), False


def _verdict(test: RateRatioTest, settings: EffectSettings) -> str:
    if test.p_value <= settings.alpha and test.ci_high < 1:
        return VERDICT_EFFECTIVE
    if test.p_increase <= settings.alpha and test.ci_low > 1:
        return VERDICT_WORSE
    if test.count_before / test.dispersion < settings.min_events_before:
        return VERDICT_TOO_EARLY
    return VERDICT_NO_CHANGE


def _too_early_by_time(windows: EffectWindows, settings: EffectSettings) -> Effect:
    weeks = windows.after_days // 7
    summary = (
        f"Too early to tell: {weeks} week{'s' if weeks != 1 else ''} of data since the change "
        f"took effect; the measurement needs at least {settings.min_after_weeks}."
    )
    return Effect(windows, None, False, VERDICT_TOO_EARLY, summary)


def effect_summary(
    test: RateRatioTest, verdict: str, windows: EffectWindows, settings: EffectSettings
) -> str:
    """ "down 38% (95% CI 20% to 52%), p = 0.003" and its relatives, in plain words."""
    level = round(100 * (1 - settings.alpha))
    counts = (
        f"{test.count_before} problems in the {_weeks(windows.before_days)} before, "
        f"{test.count_after} in the {_weeks(windows.after_days)} after"
    )
    if verdict == VERDICT_TOO_EARLY:
        return (
            f"Too early to tell: {counts}; about {settings.min_events_before} before the change "
            "are needed to detect a 40% fall."
        )
    change = 1 - test.rate_ratio
    if change >= 0:
        low, high = 1 - test.ci_high, 1 - test.ci_low
        words = f"down {_pct(change)} ({level}% CI {_range(low, high)})"
        p = test.p_value
    else:
        low, high = test.ci_low - 1, test.ci_high - 1
        words = f"up {_pct(-change)} ({level}% CI {_range(low, high)})"
        p = test.p_increase
    return f"{VERDICT_LABELS[verdict]}: {words}, p = {_p(p)}; {counts}."


def _weeks(days: int) -> str:
    weeks = days // 7
    return f"{weeks} weeks" if weeks != 1 else "week"


def _pct(value: float) -> str:
    if math.isinf(value) or math.isnan(value):
        return "∞" if value > 0 else "n/a"
    return f"{round(100 * value)}%"


def _range(low: float, high: float) -> str:
    """ "20–52%" or, when a bound is negative or unbounded, "−10% to 40%"."""
    if low >= 0 and math.isfinite(high):
        return f"{round(100 * low)}–{_pct(high)}"
    return f"{_pct(low)} to {_pct(high)}".replace("-", "−")


def _p(p: float) -> str:
    if p < 0.001:
        return "< 0.001"
    return f"{p:.3f}" if p < 0.1 else f"{p:.2f}"
