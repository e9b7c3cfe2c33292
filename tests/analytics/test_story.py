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
    config = GeneratorConfig(
        start=TODAY - datetime.timedelta(days=269),
        days=270,
        mean_per_day=8.0,
        seed=2026,
        n_learners=4,
    )
    return generate_log(config)


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


def test_the_story_is_the_learners_cluster_with_most_of_their_incidents(log):
    stored, story = inject(log)
    cluster = next(c for c in log.clusters if c.cluster_id == story.cluster_id)
    mine = log.problems["learner_index"] % 4 == 0
    assert story.incidents == int((mine & log.problems["row_id"].isin(cluster.row_ids)).sum())
    assert story.incidents >= 3
    assert story.implemented_on == cluster.last_day + datetime.timedelta(days=28)
    assert (story.category, story.product) == (cluster.category, cluster.product)


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


def test_no_story_for_a_learner_without_three_incidents_in_a_cluster(log):
    counts = [
        int(
            (
                (log.problems["learner_index"] % 40 == 39) & log.problems["row_id"].isin(c.row_ids)
            ).sum()
        )
        for c in log.clusters
    ]
    assert max(counts) < 3
    assert inject(log, learner_index=39, n_learners=40)[1] is None


def test_shares_outside_zero_to_one_are_refused(log):
    with pytest.raises(ValueError, match="in \\(0, 1\\)"):
        inject(log, keeps=(1.5,))
