"""The demo's story (analytics.generator.story): a learner's clearest repeated problem and a
change after it that cuts that kind of problem, leaving the repeated problem still found."""

import datetime

import pytest

from analytics.engine.grouping import GroupingSettings
from analytics.generator import GeneratorConfig, generate_log
from analytics.generator.story import story_inject

TODAY = datetime.date(2026, 11, 22)
GROUPING = GroupingSettings(window_days=90)


@pytest.fixture(scope="module")
def log():
    return generated(TODAY)


def inject(log, **overrides):
    options = {
        "learner_index": 0,
        "n_learners": 4,
        "lag": datetime.timedelta(days=28),
        "keeps": (0.4, 0.5, 0.6),
        "seed": 2026,
        "grouping": GROUPING,
    } | overrides
    return story_inject(log, **options)


def series_per_week(problems, story, *, after: bool):
    on = (problems["category"] == story.category) & (problems["product"] == story.product)
    on &= (problems["cluster_id"] < 0) & (problems["spike_id"] < 0)
    cut = problems["received_at"].dt.date >= story.implemented_on
    rows = problems[on & (cut if after else ~cut)]
    days = rows["received_at"].dt.date
    return len(rows) / max(1, (days.max() - days.min()).days / 7)


def generated(today):
    config = GeneratorConfig(
        start=today - datetime.timedelta(days=269),
        days=270,
        mean_per_day=8.0,
        seed=2026,
        n_learners=4,
    )
    return generate_log(config)


def test_the_story_is_a_cluster_whose_every_incident_becomes_the_learners(log):
    stored, story = inject(log)
    cluster = next(c for c in log.clusters if c.cluster_id == story.cluster_id)
    incidents = stored.problems[stored.problems["row_id"].isin(cluster.row_ids)]
    assert story.incidents == len(incidents) >= 3
    assert (incidents["learner_index"] == 0).all()
    assert story.implemented_on == cluster.last_day + datetime.timedelta(days=28)
    assert (story.category, story.product) == (cluster.category, cluster.product)
    # Only the story's incidents changed hands.
    others = ~log.problems["row_id"].isin(cluster.row_ids)
    before = log.problems[others].set_index("row_id")["learner_index"]
    after = stored.problems.set_index("row_id")["learner_index"].reindex(before.index)
    assert after.dropna().astype(int).equals(before[after.notna()])


def test_the_cluster_holding_most_of_the_learners_own_incidents_is_preferred(log):
    stored, story = inject(log)
    mine = log.problems["learner_index"] % 4 == 0
    own = {
        c.cluster_id: int((mine & log.problems["row_id"].isin(c.row_ids)).sum())
        for c in log.clusters
    }
    assert own[story.cluster_id] == max(own.values())


@pytest.mark.parametrize("offset", range(0, 28, 3))
def test_there_is_a_story_whatever_day_the_demo_is_seeded(offset):
    # The demo is seeded relative to today: its story must not come and go with the date
    # (it once existed on 2026-11-22 and not on the 23rd).
    today = TODAY + datetime.timedelta(days=offset)
    stored, story = inject(generated(today))
    assert story is not None, today
    assert (stored.problems["cluster_id"] == story.cluster_id).sum() >= 3


def test_the_change_cuts_the_series_after_it_and_nothing_else(log):
    stored, story = inject(log)
    assert series_per_week(stored.problems, story, after=True) < 0.75 * series_per_week(
        log.problems, story, after=True
    )
    assert series_per_week(stored.problems, story, after=False) == series_per_week(
        log.problems, story, after=False
    )
    removed = set(log.problems["row_id"]) - set(stored.problems["row_id"])
    gone = log.problems[log.problems["row_id"].isin(removed)]
    assert set(gone["product"].astype(str)) == {story.product}
    assert (gone["received_at"].dt.date >= story.implemented_on).all()
    assert not set(stored.actions["row_id"]) & removed
    assert story.keep in (0.4, 0.5, 0.6)


def test_no_story_when_the_change_would_leave_too_little_log_after_it(log):
    stored, story = inject(log, lag=datetime.timedelta(days=200))
    assert story is None
    assert stored is log


def test_no_story_when_the_log_has_no_repeated_problem_to_give():
    config = GeneratorConfig(
        start=TODAY - datetime.timedelta(days=269),
        days=270,
        mean_per_day=8.0,
        seed=2026,
        n_learners=4,
        clusters=0,
    )
    log = generate_log(config)
    stored, story = inject(log)
    assert story is None
    assert stored is log


def test_shares_outside_zero_to_one_are_refused(log):
    with pytest.raises(ValueError, match="in \\(0, 1\\)"):
        inject(log, keeps=(1.5,))
