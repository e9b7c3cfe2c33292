"""Detection quality and speed of the spike surveillance (analytics.engine.surveillance).

    .venv/bin/python -m bench.bench_detection_quality [--seeds 20] [--rows 1000000]

Generates three-year logs with injected spikes (analytics.generator), runs ``detect_spikes`` on
daily and weekly counts with the default policy, and prints markdown tables: spikes found
(within the spike's span + 1 week), delay, the false-flag rate of series-weeks carrying no
injected rows, alerts per week; then the cost of counting a million rows and of detection.
Pure numpy/pandas: no database, no Django. ``score_log`` is shared with
tests/analytics/test_spike_validation.py.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from analytics.engine import (
    CountMatrix,
    SpikePolicy,
    count_matrix,
    detect_spikes,
    farrington_flexible,
)
from analytics.generator import GeneratedLog, GeneratorConfig, generate_log

START = date(2021, 1, 4)
DAYS = 3 * 365
BANDS = ((1.0, 1.5), (1.5, 2.0), (2.0, 2.5), (2.5, 3.01))


@dataclass
class SpikeOutcome:
    multiplier: float
    dimension: str
    key: str
    extra: int
    detected: bool
    delay_days: int | None


@dataclass
class LogScore:
    """What one log's detection run found, against the generator's ground truth."""

    spikes: list[SpikeOutcome] = field(default_factory=list)
    clean_series_weeks: int = 0
    flagged_clean_series_weeks: int = 0
    alerts: int = 0
    weeks: int = 0
    seconds: float = 0.0

    @property
    def false_flag_rate(self) -> float:
        return self.flagged_clean_series_weeks / max(1, self.clean_series_weeks)


def log_config(seed: int, **overrides) -> GeneratorConfig:
    """The validation setting: three years, ~40 problems a day, three spikes."""
    values = {
        "start": START,
        "days": DAYS,
        "mean_per_day": 40,
        "seed": seed,
        "spikes": 3,
        "with_actions": False,
    }
    return GeneratorConfig(**(values | overrides))


def score_log(log: GeneratedLog, policy: SpikePolicy | None = None) -> LogScore:
    """Run daily and weekly detection on ``log`` and score it against its injected spikes.

    A series-week carries an injection if any row counted in it has spike_id >= 0; it is
    flagged if its weekly test alarms or any daily test of that series in that week does.
    """
    policy = policy or SpikePolicy()
    config, problems = log.config, log.problems
    daily = count_matrix(problems, granularity="day", start=config.start, end=config.end)
    weekly = count_matrix(problems, granularity="week", start=config.start, end=config.end)
    began = time.perf_counter()
    by_day = detect_spikes(daily, policy=policy)
    by_week = detect_spikes(weekly, policy=policy)
    seconds = time.perf_counter() - began
    injected = _injected(problems, weekly)
    flagged, tested = _flags(weekly, by_day, by_week)
    alarms = pd.concat([by_day[by_day.alarm], by_week[by_week.alarm]])
    return LogScore(
        spikes=[_outcome(spike, alarms) for spike in log.spikes],
        clean_series_weeks=int((tested & ~injected).sum()),
        flagged_clean_series_weeks=int((flagged & tested & ~injected).sum()),
        alerts=len(alarms),
        weeks=int(tested.any(axis=0).sum()),
        seconds=seconds,
    )


def _injected(problems: pd.DataFrame, weekly: CountMatrix) -> np.ndarray:
    """(series, week) cells holding at least one injected row."""
    rows = problems[problems["spike_id"] >= 0]
    first = weekly.period_start(0)
    end = first + timedelta(days=7 * weekly.n_periods)
    part = count_matrix(rows, granularity="week", start=first, end=end, tz=weekly.tz)
    out = np.zeros(weekly.counts.shape, dtype=bool)
    for i, (dimension, key) in enumerate(zip(part.dimensions, part.keys, strict=True)):
        out[weekly.series_index(dimension, key)] = part.counts[i] > 0
    return out


def _flags(
    weekly: CountMatrix, by_day: pd.DataFrame, by_week: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Flagged and tested (series, week) cells from the daily and weekly result rows."""
    flagged = np.zeros(weekly.counts.shape, dtype=bool)
    tested = np.zeros(weekly.counts.shape, dtype=bool)
    for frame in (by_day, by_week):
        week = _week_column(weekly, frame["period_start"])
        tested[frame["series"].to_numpy(), week] = True
        alarm = frame["alarm"].to_numpy()
        flagged[frame["series"].to_numpy()[alarm], week[alarm]] = True
    return flagged, tested


def _week_column(weekly: CountMatrix, days: pd.Series) -> np.ndarray:
    day = pd.to_datetime(days).to_numpy().astype("datetime64[D]")
    return ((day - weekly.periods[0]).astype(np.int64) // 7).astype(np.int64)


def _outcome(spike, alarms: pd.DataFrame) -> SpikeOutcome:
    """Detected if an alarm of the spiked series falls in the spike's span + 1 week."""
    mine = alarms[(alarms["dimension"] == spike.dimension) & (alarms["key"] == spike.key)]
    window_end = spike.end + timedelta(days=7)
    hits = mine[(mine["period_end"] >= spike.start) & (mine["period_start"] <= window_end)]
    delay = None
    if len(hits):
        delay = max(0, min((end - spike.start).days for end in hits["period_end"]))
    return SpikeOutcome(
        spike.multiplier, spike.dimension, spike.key, spike.extra, len(hits) > 0, delay
    )


def summarise(scores: list[LogScore]) -> dict[str, float]:
    """Pooled figures over several logs."""
    spikes = [s for score in scores for s in score.spikes]
    delays = [s.delay_days for s in spikes if s.detected]
    clean = sum(s.clean_series_weeks for s in scores)
    return {
        "spikes": len(spikes),
        "detected": sum(s.detected for s in spikes),
        "detection_rate": sum(s.detected for s in spikes) / max(1, len(spikes)),
        "median_delay_days": statistics.median(delays) if delays else float("nan"),
        "p90_delay_days": float(np.percentile(delays, 90)) if delays else float("nan"),
        "false_flag_rate": sum(s.flagged_clean_series_weeks for s in scores) / max(1, clean),
        "alerts_per_week": sum(s.alerts for s in scores) / max(1, sum(s.weeks for s in scores)),
        "seconds_per_log": statistics.mean(s.seconds for s in scores),
    }


def quality_table(scores: list[LogScore]) -> str:
    """Markdown: overall figures, then detection by multiplier band."""
    total = summarise(scores)
    lines = [
        "| logs | spikes | detected | rate | median delay (d) | p90 delay (d) "
        "| false-flag rate | alerts/week | detect s/log |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {len(scores)} | {total['spikes']} | {total['detected']} "
        f"| {total['detection_rate']:.1%} | {total['median_delay_days']:.1f} "
        f"| {total['p90_delay_days']:.1f} | {total['false_flag_rate']:.2%} "
        f"| {total['alerts_per_week']:.2f} | {total['seconds_per_log']:.3f} |",
        "",
        "| multiplier | spikes | detected | rate | median delay (d) |",
        "|---|---|---|---|---|",
    ]
    spikes = [s for score in scores for s in score.spikes]
    for low, high in BANDS:
        band = [s for s in spikes if low <= s.multiplier < high]
        if band:
            found = [s for s in band if s.detected]
            delay = statistics.median(s.delay_days for s in found) if found else float("nan")
            lines.append(
                f"| {low:.1f}–{min(high, 3.0):.1f} | {len(band)} | {len(found)} "
                f"| {len(found) / len(band):.0%} | {delay:.1f} |"
            )
    return "\n".join(lines)


def timing_table(rows: int, repeats: int = 5) -> str:
    """Markdown: count_matrix on a ~1M-row log beside a bare bincount, and detect_spikes."""
    per_day = rows / DAYS
    log = generate_log(log_config(0, mean_per_day=per_day, clusters=0))
    problems = log.problems
    end = START + timedelta(days=DAYS)
    lines = [f"{len(problems):,} rows, 3 years", "", "| step | best of runs (ms) |", "|---|---|"]
    for granularity in ("day", "week"):
        ms = _best(
            lambda g=granularity: count_matrix(problems, granularity=g, start=START, end=end),
            repeats,
        )
        lines.append(f"| count_matrix, {granularity}s, all 4 dimensions | {ms:.1f} |")
    flat = _bare_inputs(problems)
    floor = _best(lambda: [np.bincount(f) for f in flat], repeats)
    lines.append(
        f"| floor: np.bincount of precomputed UTC day × code, 4 dimensions | {floor:.1f} |"
    )
    for granularity in ("day", "week"):
        matrix = count_matrix(problems, granularity=granularity, start=START, end=end)
        ms = _best(lambda m=matrix: detect_spikes(m), max(1, repeats // 2))
        lines.append(
            f"| detect_spikes, {granularity}s ({matrix.n_series} series × "
            f"{matrix.n_periods} periods) | {ms:.1f} |"
        )
    lines.append(f"| farrington_flexible, 1,500 series, one week (b = 3) | {_noufaily_ms():.1f} |")
    return "\n".join(lines)


def _noufaily_ms(n_series: int = 1500) -> float:
    """One weekly Noufaily run over many series (ANALYTICS.md measured 0.43 s for 1,500)."""
    counts = np.random.default_rng(0).poisson(20, size=(n_series, 170))
    periods = np.datetime64("2020-01-06") + 7 * np.arange(170)
    columns = np.array([169])
    return _best(lambda: farrington_flexible(counts, periods, eval_columns=columns), 3)


def _bare_inputs(problems: pd.DataFrame) -> list[np.ndarray]:
    """day × code indices per dimension, precomputed (UTC days): what a bare bincount needs."""
    ns = problems["received_at"].array.as_unit("ns").asi8
    day = np.clip(
        (ns - np.datetime64(START, "ns").astype(np.int64)) // 86_400_000_000_000, 0, DAYS - 1
    )
    flat = []
    for dimension in ("category", "product", "channel", "identified_by"):
        codes = problems[dimension].cat.codes.to_numpy().astype(np.int64)
        flat.append(codes * DAYS + day)
    return flat


def _best(call, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return 1000 * min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    scores = [score_log(generate_log(log_config(seed))) for seed in range(args.seeds)]
    print(f"## Detection quality ({args.seeds} seeds, 3 years, ~40 problems/day, 3 spikes)\n")
    print("Spikes of the generator's default strength (x2-3):\n")
    print(quality_table(scores))
    weak = [
        score_log(generate_log(log_config(seed, spike_multiplier=(1.3, 2.0))))
        for seed in range(1000, 1000 + args.seeds)
    ]
    print("\nWeaker spikes (x1.3-2), other seeds:\n")
    print(quality_table(weak))
    print("\n## Timing\n")
    print(timing_table(args.rows))


if __name__ == "__main__":
    main()
