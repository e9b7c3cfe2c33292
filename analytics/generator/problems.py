"""Per-row attributes of the synthetic problems: who raised them, how, when, how bad, outcome.

Everything is drawn with vectorised numpy calls on integer codes; strings appear only when the
DataFrame is built (categoricals for the choice columns).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from analytics.generator.config import GeneratorConfig

NS_PER_HOUR = 3_600_000_000_000
NS_PER_DAY = 24 * NS_PER_HOUR

# Rows: expectations_gap, system_failure, resource_or_error, other.
# Columns: customer, learner, colleague (system faults are often spotted by staff).
IDENTIFIED_BY_P = np.array(
    [[0.93, 0.04, 0.03], [0.72, 0.15, 0.13], [0.80, 0.11, 0.09], [0.85, 0.08, 0.07]]
)
INTERNAL_CUSTOMER_SHARE = 0.14
# Rows: external customer, internal customer, spotted by staff. Columns: CHANNELS.
CHANNEL_P = np.array(
    [
        [0.42, 0.20, 0.10, 0.16, 0.05, 0.04, 0.00, 0.03],
        [0.30, 0.45, 0.10, 0.00, 0.00, 0.00, 0.15, 0.00],
        [0.10, 0.10, 0.00, 0.00, 0.00, 0.00, 0.80, 0.00],
    ]
)
# Share of each channel's problems arriving outside opening hours (e-mail, web, social).
OUT_OF_HOURS_P = np.array([0.03, 0.30, 0.0, 0.30, 0.35, 0.0, 0.05, 0.05])
# Opening hours (local), Monday to Sunday.
OPENS = np.array([8, 8, 8, 8, 8, 9, 10])
CLOSES = np.array([18, 18, 18, 18, 18, 17, 16])
# Rows: categories. Columns: low, medium, high, critical.
SEVERITY_P = np.array(
    [
        [0.40, 0.45, 0.13, 0.02],
        [0.20, 0.45, 0.27, 0.08],
        [0.30, 0.48, 0.18, 0.04],
        [0.55, 0.38, 0.06, 0.01],
    ]
)
WITHIN_AUTHORITY_P = np.array([0.90, 0.75, 0.50, 0.25])
RESOLUTION_MEDIAN_HOURS = np.array([8.0, 24.0, 48.0, 30.0])
# Status codes follow config.STATUSES: new, acknowledged, in_progress, awaiting_customer,
# escalated, resolved, closed, reopened. Rows: fresh (< 2 h), ordinary, serious.
OPEN_STATUS_P = np.array(
    [
        [0.70, 0.30, 0.00, 0.00, 0.00, 0.0, 0.0, 0.00],
        [0.05, 0.25, 0.35, 0.20, 0.10, 0.0, 0.0, 0.05],
        [0.03, 0.15, 0.30, 0.12, 0.35, 0.0, 0.0, 0.05],
    ]
)
RESOLVED, CLOSED = 5, 6
# Share of resolved problems whose learner recorded a root cause (5 whys / fishbone).
ROOT_CAUSE_RECORDED_P = 0.45
# Rows: categories. Columns: config.ROOT_CAUSES without the blank: people, process, systems,
# materials, environment, policy. System failures are mostly systems, errors mostly people.
ROOT_CAUSE_P = np.array(
    [
        [0.10, 0.25, 0.05, 0.30, 0.05, 0.25],
        [0.08, 0.22, 0.55, 0.05, 0.05, 0.05],
        [0.50, 0.25, 0.08, 0.05, 0.07, 0.05],
        [0.20, 0.20, 0.15, 0.15, 0.15, 0.15],
    ]
)
CUSTOMER_REF_BITS = 24
NAT = np.iinfo(np.int64).min  # the int64 behind numpy's NaT
NS_PER_SECOND = 1_000_000_000


def utc_times(ns: np.ndarray) -> pd.DatetimeIndex:
    """UTC timestamps from int64 nanoseconds, floored to the second (NAT stays NaT)."""
    whole = np.where(ns == NAT, NAT, ns - ns % NS_PER_SECOND)
    return pd.to_datetime(whole, unit="ns", utc=True)


def pick(rng: np.random.Generator, probs: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Draw a choice index per row from the probabilities in row ``group[i]`` of ``probs``."""
    cumulative = np.cumsum(probs, axis=1)
    cumulative /= cumulative[:, -1:]
    u = rng.random(group.size)
    chosen = np.zeros(group.size, dtype=np.int8)
    for column in range(cumulative.shape[1] - 1):
        chosen += u >= cumulative[group, column]
    return chosen


@dataclass(frozen=True)
class Arrival:
    """Who raised each problem, how, and when (UTC nanoseconds)."""

    identified_by: np.ndarray
    customer_kind: np.ndarray
    channel: np.ndarray
    received: np.ndarray


def arrivals(
    config: GeneratorConfig, rng: np.random.Generator, category: np.ndarray, day: np.ndarray
) -> Arrival:
    n = category.size
    identified_by = pick(rng, IDENTIFIED_BY_P, category)
    customer_kind = (rng.random(n) < INTERNAL_CUSTOMER_SHARE).astype(np.int8)
    channel_group = np.where(identified_by > 0, 2, customer_kind)
    channel = pick(rng, CHANNEL_P, channel_group)
    return Arrival(identified_by, customer_kind, channel, _received(config, rng, day, channel))


def _received(
    config: GeneratorConfig, rng: np.random.Generator, day: np.ndarray, channel: np.ndarray
) -> np.ndarray:
    """Business hours in local time (busier in the morning), some out-of-hours for e-mail/web."""
    midnight, weekday = local_midnights(config)
    opens, closes = OPENS[weekday[day]], CLOSES[weekday[day]]
    hours = opens + (closes - opens) * rng.beta(2.0, 2.6, size=day.size)
    out_of_hours = rng.random(day.size) < OUT_OF_HOURS_P[channel]
    hours[out_of_hours] = 24 * rng.random(int(out_of_hours.sum()))
    return midnight[day] + (hours * NS_PER_HOUR).astype(np.int64)


def local_midnights(config: GeneratorConfig) -> tuple[np.ndarray, np.ndarray]:
    """UTC nanoseconds of local midnight for each day (plus the day after), and weekdays.

    The UTC offset is taken at local noon, so only night-time instants on the two clock-change
    Sundays a year are off by an hour.
    """
    zone = ZoneInfo(config.timezone)
    first = datetime.combine(config.start, time(12), tzinfo=zone)
    offsets = np.array(
        [(first + timedelta(days=i)).utcoffset().total_seconds() for i in range(config.days + 1)]
    )
    epoch_days = np.datetime64(config.start, "D").astype(np.int64) + np.arange(config.days + 1)
    midnight = epoch_days * NS_PER_DAY - (offsets * 1e9).astype(np.int64)
    return midnight, (epoch_days + 3) % 7


@dataclass(frozen=True)
class Outcome:
    severity: np.ndarray
    within_authority: np.ndarray
    status: np.ndarray
    resolved: np.ndarray  # UTC ns, or the NaT sentinel when open


def outcomes(
    config: GeneratorConfig,
    rng: np.random.Generator,
    category: np.ndarray,
    received: np.ndarray,
    now: int,
) -> Outcome:
    """Severity, authority, and a resolution time; problems older than open_days are all done."""
    n = category.size
    severity = pick(rng, SEVERITY_P, category)
    within = rng.random(n) < WITHIN_AUTHORITY_P[severity]
    hours = RESOLUTION_MEDIAN_HOURS[severity] * rng.lognormal(0.0, 1.1, size=n)
    hours = np.clip(hours, 0.1, max(0.1, config.open_days * 24 - 1.0))
    resolved_at = received + (hours * NS_PER_HOUR).astype(np.int64)
    if config.open_days == 0:
        resolved_at = np.minimum(resolved_at, now)
    done = resolved_at <= now
    age = now - received
    group = np.where(age < 2 * NS_PER_HOUR, 0, np.where(severity >= 2, 2, 1))
    status = pick(rng, OPEN_STATUS_P, group)
    settled = (now - resolved_at > 3 * NS_PER_DAY) & (rng.random(n) < 0.8)
    status[done] = np.where(settled[done], CLOSED, RESOLVED)
    resolved_at[~done] = NAT
    return Outcome(severity, within, status, resolved_at)


def root_causes(rng: np.random.Generator, category: np.ndarray, resolved: np.ndarray) -> np.ndarray:
    """A root-cause code per row (0: none recorded), for some of the resolved problems only."""
    cause = pick(rng, ROOT_CAUSE_P, category) + 1
    recorded = (resolved != NAT) & (rng.random(category.size) < ROOT_CAUSE_RECORDED_P)
    return np.where(recorded, cause, 0).astype(np.int8)


def customer_refs(rng: np.random.Generator, n: int) -> np.ndarray:
    """Pseudonymous references like "CUST-4F2A9C"; about a quarter of customers come back."""
    pool = int(min(max(1, 0.75 * n), 2**CUSTOMER_REF_BITS))
    customer = rng.integers(0, pool, size=n, dtype=np.int64)
    mask = 2**CUSTOMER_REF_BITS - 1
    value = (customer * 0x9E3779 + int(rng.integers(0, mask))) & mask  # odd factor: one-to-one
    hex_digits = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
    shifts = np.arange(CUSTOMER_REF_BITS - 4, -1, -4)
    chars = np.empty((n, 5 + shifts.size), dtype=np.uint8)
    chars[:, :5] = np.frombuffer(b"CUST-", dtype=np.uint8)
    chars[:, 5:] = hex_digits[(value[:, None] >> shifts) & 0xF]
    return chars.view(f"S{chars.shape[1]}").ravel().astype(str).astype(object)
