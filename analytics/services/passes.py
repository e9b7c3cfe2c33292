"""The engine's two passes over a centre's log.

The full pass (nightly, after an import, or on request) reads the whole log once, counts,
tests every series for spikes, measures every preventive action, groups similar incidents and
writes the Pareto tables. The incremental update after one new or changed problem touches
only what that problem can change: its day's counts, the periods containing that day, its
category × product block of incidents, and the actions that target it.

Computation happens before the write transaction; the writes happen in one transaction that
holds the centre's analysis lock, so a run killed half-way leaves the previous results whole.
"""

from __future__ import annotations

import datetime
import time
from collections import Counter
from dataclasses import replace

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone

from accounts.models import Centre
from analytics import selectors
from analytics.engine.counts import CountMatrix, count_matrix, matrix_from_arrays, to_weekly
from analytics.engine.effectiveness import evaluate_action, weekly_profile
from analytics.engine.grouping import GroupingSettings, find_groups, reconcile, similar_to
from analytics.engine.pareto import pareto_table
from analytics.engine.service import SERVICE_COLUMNS, satisfaction_weeks, service_weeks
from analytics.engine.surveillance import detect_spikes
from analytics.models import AnalysisRun, AnalysisSettings, CandidateIncident
from analytics.services import store
from complaints.models import PreventiveAction, Problem

SPIKE_DIMENSIONS = ("category", "product", "channel", "identified_by")
# Daily counts also kept per category × product: what a preventive action targets.
PAIR = "category_product"
# Counted per day and week for the dashboard's Pareto of any date range; not tested for spikes.
ROOT_CAUSE = "root_cause_category"
WEEKLY_DIMENSIONS = (*SPIKE_DIMENSIONS, ROOT_CAUSE)
COUNT_DIMENSIONS = (*SPIKE_DIMENSIONS, PAIR, ROOT_CAUSE)
PARETO = ("category", "root_cause_category")
# An incremental update compares a problem with its block's last month only (ANALYTICS.md:
# "same category and product, last 30 days"): live candidates have members that recent, and
# the nightly pass re-groups the whole window anyway.
INCREMENTAL_REACH_DAYS = 30
PARETO_WINDOWS = (0, 90)  # all time, and the last 90 days
GROUP_COLUMNS = ["id", "received_at", "category", "product", "description"]
COUNT_COLUMNS = tuple(
    dict.fromkeys(
        ("id", "received_at", "category", "product", "channel", "identified_by", ROOT_CAUSE)
        + SERVICE_COLUMNS
    )
)
# What the manager sees of a running full pass: per cent done when each step starts.
PROGRESS = {
    "read": (2, "Reading the problem log"),
    "counts": (30, "Counting problems per day and week"),
    "spikes": (34, "Looking for spikes"),
    "texts": (38, "Reading recent descriptions"),
    "grouping": (45, "Grouping similar problems"),
    "summaries": (75, "Pareto tables, service levels and satisfaction"),
    "write": (80, "Saving the results"),
}


def pair_key(category: str, product: str) -> str:
    return f"{category}|{product}"


class _Clock:
    """Seconds per step, for the run record and the benchmark; with a run, the step about
    to start is recorded on it for the manager's progress bar."""

    def __init__(self, run: AnalysisRun | None = None) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()
        self._run = run

    def starting(self, step: str) -> None:
        if self._run is not None:
            percent, label = PROGRESS[step]
            store.run_progress(run=self._run, percent=percent, step=label)

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.timings[step] = round(self.timings.get(step, 0) + now - self._last, 4)
        self._last = now


def full_pass(*, run: AnalysisRun) -> tuple[dict, dict]:
    centre, clock = run.centre, _Clock(run)
    settings = _settings(centre)
    clock.starting("read")
    frame = selectors.problem_frame(centre_id=centre.pk, columns=COUNT_COLUMNS)
    clock.lap("read")
    if frame.empty:
        return _empty_pass(centre, run), clock.timings
    clock.starting("counts")
    frame[PAIR] = _pairs(frame)
    start, end = _local_span(frame)
    daily = count_matrix(
        frame, granularity="day", start=start, end=end, tz=_tz(), dimensions=COUNT_DIMENSIONS
    )
    spike_daily = _only(daily, SPIKE_DIMENSIONS)
    weekly = to_weekly(_only(daily, WEEKLY_DIMENSIONS))
    clock.lap("counts")
    clock.starting("spikes")
    tested = pd.concat(
        [detect_spikes(spike_daily), detect_spikes(_only(weekly, SPIKE_DIMENSIONS))],
        ignore_index=True,
    )
    clock.lap("spikes")
    clock.starting("texts")
    horizon = frame["received_at"].max() - pd.Timedelta(days=settings.group_horizon_days)
    texts = selectors.problem_frame(
        centre_id=centre.pk, columns=GROUP_COLUMNS, received_from=horizon.to_pydatetime()
    )
    clock.lap("read")
    clock.starting("grouping")
    groups = find_groups(texts, _grouping(settings))
    clock.lap("grouping")
    clock.starting("summaries")
    paretos = _paretos(frame)
    clock.lap("pareto")
    service = service_weeks(
        frame[list(SERVICE_COLUMNS)], as_of=pd.Timestamp.now(tz="UTC"), tz=_tz()
    )
    satisfaction = satisfaction_weeks(selectors.satisfaction_frame(centre_id=centre.pk), tz=_tz())
    clock.lap("service")
    clock.starting("write")
    with transaction.atomic():
        store.centre_lock(centre=centre)
        counts = {
            "problems": len(frame),
            "series_counts": store.counts_replace(centre=centre, daily=daily, weekly=weekly),
        }
        counts.update(store.signals_store(centre=centre, run=run, tested=tested))
        counts.update(_store_groups(centre, groups, since=horizon.to_pydatetime()))
        counts["problems_grouped"] = len(texts)
        for (dimension, window), rows in paretos.items():
            store.pareto_store(centre=centre, dimension=dimension, window_days=window, rows=rows)
        counts["service_weeks"] = store.service_weeks_replace(centre=centre, rows=service)
        counts["satisfaction_weeks"] = store.satisfaction_weeks_replace(
            centre=centre, rows=satisfaction
        )
        clock.lap("write")
        counts["actions_measured"] = _measure_actions(
            centre, _measurable(PreventiveAction.objects.filter(centre=centre)), data_end=end
        )
        clock.lap("effectiveness")
    clock.lap("commit")
    counts["series_tested"] = int(
        tested[["dimension", "key", "granularity"]].drop_duplicates().shape[0]
    )
    counts["tests"] = len(tested)
    return counts, clock.timings


def incremental_update(*, run: AnalysisRun) -> tuple[dict, dict]:
    centre, clock = run.centre, _Clock()
    problem = (
        Problem.objects.filter(pk=run.problem_id, centre=centre)
        .values("id", "received_at", "category", "product")
        .first()
    )
    if problem is None:
        return {"problem": "gone; the nightly pass will tidy up"}, clock.timings
    settings = _settings(centre)
    day = timezone.localdate(problem["received_at"])
    day_counts = _day_counts(centre, day)
    clock.lap("read")
    with transaction.atomic():
        store.centre_lock(centre=centre)
        counts = {
            "series_counts": store.counts_replace_day(
                centre=centre, day=day, counts=day_counts, weekly_dimensions=WEEKLY_DIMENSIONS
            )
        }
        clock.lap("counts")
        tested, periods = _spikes_since(centre, day)
        counts.update(store.signals_store(centre=centre, run=run, tested=tested, periods=periods))
        clock.lap("spikes")
        counts.update(_group_one(centre, problem, _grouping(settings)))
        clock.lap("grouping")
        actions = _measurable(
            PreventiveAction.objects.filter(centre=centre, category=problem["category"])
        )
        counts["actions_measured"] = _measure_actions(
            centre, actions.filter(product__in=["", problem["product"]]), data_end=_data_end(centre)
        )
        clock.lap("effectiveness")
    clock.lap("commit")
    return counts, clock.timings


# --- helpers -------------------------------------------------------------------------------


def _settings(centre: Centre) -> AnalysisSettings:
    return AnalysisSettings.objects.get_or_create(centre=centre)[0]


def _measurable(actions):
    """Only changes in place have a before and an after: a planned, awaited or refused one
    has no date yet (complaints.preventive keeps a refused one undated)."""
    return actions.filter(implemented_on__isnull=False)


def _grouping(settings: AnalysisSettings) -> GroupingSettings:
    return GroupingSettings(window_days=settings.group_window_days)


def _tz() -> str:
    return str(timezone.get_default_timezone())


def _pairs(frame: pd.DataFrame) -> pd.Series:
    return (frame["category"].astype(str) + "|" + frame["product"].astype(str)).astype("category")


def _local_span(frame: pd.DataFrame) -> tuple[datetime.date, datetime.date]:
    local = frame["received_at"].dt.tz_convert(_tz())
    return local.min().date(), local.max().date() + datetime.timedelta(days=1)


def _only(matrix: CountMatrix, dimensions: tuple[str, ...]) -> CountMatrix:
    """The rows of a count matrix that belong to the given dimensions."""
    rows = [i for i, d in enumerate(matrix.dimensions) if d in dimensions]
    return replace(
        matrix,
        dimensions=tuple(matrix.dimensions[i] for i in rows),
        keys=tuple(matrix.keys[i] for i in rows),
        counts=matrix.counts[rows],
    )


def _empty_pass(centre: Centre, run: AnalysisRun) -> dict:
    """A centre with no problems: its old counts and signals go, its candidates stay."""
    with transaction.atomic():
        store.centre_lock(centre=centre)
        store.counts_replace_all_empty(centre=centre)
        store.service_weeks_replace(centre=centre, rows=[])
        store.satisfaction_weeks_replace(centre=centre, rows=[])
        retired = store.signals_store(centre=centre, run=run, tested=pd.DataFrame())
    return {"problems": 0, **retired}


def _paretos(frame: pd.DataFrame) -> dict:
    """Pareto tables per dimension for all time and for the log's last 90 days (counted back
    from its latest problem, so a historical import has a recent table too)."""
    latest = frame["received_at"].max()
    tables = {}
    for dimension in PARETO:
        for window in PARETO_WINDOWS:
            recent = frame["received_at"] > latest - pd.Timedelta(days=window)
            values = frame[dimension] if window == 0 else frame.loc[recent, dimension]
            tables[(dimension, window)] = pareto_table(values)
    return tables


def _store_groups(
    centre: Centre,
    groups,
    *,
    since: datetime.datetime | None = None,
    block: set[int] | None = None,
) -> dict:
    """Reconcile the groups with the stored candidates they may continue (those active
    since ``since``, or touching the block's problems) and store them. Older candidates
    stay as the run that last saw them left them."""
    links = CandidateIncident.objects.filter(candidate__centre=centre)
    if since is not None:
        links = links.filter(candidate__last_at__gte=since)
    if block is not None:
        touching = links.filter(problem_id__in=block).values("candidate_id")
        links = links.filter(candidate_id__in=touching)
    existing: dict[int, set[int]] = {}
    for cid, pid in links.values_list("candidate_id", "problem_id"):
        existing.setdefault(cid, set()).add(pid)
    matched = reconcile(groups, {cid: frozenset(ids) for cid, ids in existing.items()})
    return store.candidates_store(centre=centre, matched=matched, members=existing)


def _group_one(centre: Centre, problem: dict, settings: GroupingSettings) -> dict:
    """Join the candidate holding most of the problem's similar neighbours; failing that,
    look for a new group in its block. The nightly pass re-groups everything (order
    effects, edited texts), so this only needs to be right, not complete."""
    block = _block(centre, problem, min(settings.window_days, INCREMENTAL_REACH_DAYS))
    own = block[block["id"] == problem["id"]]
    if own.empty:
        return {}
    neighbours = [
        pid
        for pid, _ in similar_to(
            own["description"].iloc[0], problem["received_at"], block, settings
        )
        if pid != problem["id"]
    ]
    joined = store.candidate_join(centre=centre, problem=problem, neighbours=neighbours)
    if joined is not None:
        return {"candidate_joined": joined.pk}
    if len(neighbours) + 1 < settings.min_size:
        return {}
    groups = [g for g in find_groups(block, settings) if problem["id"] in g.problem_ids]
    return _store_groups(centre, groups, block=set(block["id"].tolist()))


def _day_counts(centre: Centre, day: datetime.date) -> Counter:
    start, end = selectors.local_day_bounds(day, day)
    counts: Counter = Counter()
    rows = Problem.objects.filter(centre=centre, received_at__gte=start, received_at__lt=end)
    for category, product, channel, identified_by, cause in rows.values_list(
        "category", "product", "channel", "identified_by", ROOT_CAUSE
    ):
        counts[("category", category)] += 1
        counts[("product", product)] += 1
        counts[("channel", channel)] += 1
        counts[("identified_by", identified_by)] += 1
        counts[(PAIR, pair_key(category, product))] += 1
        if cause:  # blank: no root cause recorded yet, as in the full pass's counts
            counts[(ROOT_CAUSE, cause)] += 1
    return counts


def _block(centre: Centre, problem: dict, window_days: int) -> pd.DataFrame:
    reach = datetime.timedelta(days=window_days)
    return selectors.problem_frame(
        centre_id=centre.pk,
        columns=GROUP_COLUMNS,
        received_from=problem["received_at"] - reach,
        received_before=problem["received_at"] + reach,
        category=problem["category"],
        product=problem["product"],
    )


def _data_end(centre: Centre) -> datetime.date:
    last = (
        Problem.objects.filter(centre=centre)
        .order_by("-received_at")
        .values_list("received_at", flat=True)
        .first()
    )
    if last is None:
        return timezone.localdate()
    return timezone.localdate(last) + datetime.timedelta(days=1)


def _measure_actions(centre: Centre, actions, *, data_end: datetime.date) -> int:
    """Measure each action from the stored daily counts, with the centre's windows; BH
    across the centre's actions."""
    actions = list(actions)
    if not actions:
        return 0
    windows = _settings(centre).effect_settings
    volume = selectors.series_days(centre_id=centre.pk, dimension="category")
    volume = volume.groupby("day")["count"].sum() if not volume.empty else pd.Series(dtype=float)
    for action in actions:
        dimension, key = (
            (PAIR, pair_key(action.category, action.product))
            if action.product
            else ("category", action.category)
        )
        target = selectors.series_days(centre_id=centre.pk, dimension=dimension, key=key)
        days, target_counts, volume_counts = _aligned(target, volume)
        effect = evaluate_action(
            days=days,
            target=target_counts,
            volume=volume_counts,
            implemented_on=action.implemented_on,
            data_end=data_end,
            settings=windows,
        )
        profile = weekly_profile(
            days=days,
            target=target_counts,
            windows=effect.windows,
            implemented_on=action.implemented_on,
        )
        store.effectiveness_store(action=action, effect=effect, weekly=profile)
    store.effectiveness_adjust_q(centre=centre)
    return len(actions)


def _aligned(target: pd.DataFrame, volume: pd.Series):
    """Days with any problem, and the target's and the volume's counts on them."""
    if volume.empty:
        empty = np.array([], dtype="datetime64[D]")
        return empty, np.array([], dtype=float), None
    days = pd.Index(volume.index)
    target_counts = (
        target.set_index("day")["count"].reindex(days, fill_value=0)
        if not target.empty
        else pd.Series(0, index=days)
    )
    return (
        np.array(days, dtype="datetime64[D]"),
        target_counts.to_numpy(dtype=float),
        volume.to_numpy(dtype=float),
    )


def _spikes_since(centre: Centre, day: datetime.date) -> tuple[pd.DataFrame, list]:
    """Re-test the day and the week containing it (and any later periods), with the
    Benjamini–Hochberg family of each period rebuilt from the stored counts of every series."""
    week_start = day - datetime.timedelta(days=day.weekday())
    end = max(_data_end(centre), day + datetime.timedelta(days=1))
    since = day - datetime.timedelta(weeks=12)  # the daily methods look back 8 weeks
    daily = _stored_daily(centre, since=since, end=end)
    weekly = _stored_weekly(centre, end=end)
    tested = [
        detect_spikes(matrix, eval_from=start)
        for matrix, start in ((daily, day), (weekly, week_start))
        if matrix is not None
    ]
    tested = pd.concat(tested, ignore_index=True) if tested else pd.DataFrame()
    periods = {("day", day), ("week", week_start)}
    if not tested.empty:
        periods |= set(zip(tested["granularity"], tested["period_start"], strict=True))
    return tested, sorted(periods)


def _stored_daily(
    centre: Centre, *, since: datetime.date, end: datetime.date
) -> CountMatrix | None:
    long = selectors.series_counts(
        centre_id=centre.pk, granularity="day", dimensions=SPIKE_DIMENSIONS, since=since
    )
    return _matrix_from_long(long, "day", since, end)


def _stored_weekly(centre: Centre, *, end: datetime.date) -> CountMatrix | None:
    long = selectors.series_counts(
        centre_id=centre.pk, granularity="week", dimensions=SPIKE_DIMENSIONS
    )
    if long.empty:
        return None
    return _matrix_from_long(long, "week", min(long["period"]), end)


def _matrix_from_long(
    long: pd.DataFrame, granularity: str, first: datetime.date, end: datetime.date
) -> CountMatrix | None:
    """A CountMatrix from (dimension, key, period, count) rows over [first, end), zeros where
    a series has no row; a last week cut short by ``end`` is marked partial."""
    if long.empty:
        return None
    step = 7 if granularity == "week" else 1
    n_days = (end - first).days
    n_periods = -(-n_days // step)
    series = long[["dimension", "key"]].drop_duplicates().sort_values(["dimension", "key"])
    row_of = {
        pair: i for i, pair in enumerate(zip(series["dimension"], series["key"], strict=True))
    }
    counts = np.zeros((len(row_of), n_periods), dtype=np.int64)
    rows = np.array([row_of[pair] for pair in zip(long["dimension"], long["key"], strict=True)])
    cols = np.array([(p - first).days // step for p in long["period"]])
    np.add.at(counts, (rows, cols), long["count"].to_numpy(dtype=np.int64))
    return matrix_from_arrays(
        counts,
        granularity=granularity,
        start=first,
        dimensions=tuple(series["dimension"]),
        keys=tuple(series["key"]),
        days_in_period=np.minimum(step, n_days - step * np.arange(n_periods)),
        tz=_tz(),
    )
