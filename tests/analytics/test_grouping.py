"""Repeated-problem grouping: unit tests of the pure engine module (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache

import pandas as pd
import pytest

from analytics.engine.grouping import (
    GroupingSettings,
    ProblemGroup,
    find_groups,
    reconcile,
    similar_to,
)
from analytics.engine.text_features import hashed_matrix, terms
from analytics.generator import GeneratorConfig, generate_log

START = datetime(2024, 1, 1, 9, tzinfo=UTC)
THEME = "the smart meter failed with error K4821 after the Keystone upgrade at Bangor"
CATEGORY, PRODUCT = "system_failure", "Smart meters"


def _background() -> pd.DataFrame:
    """A year of ordinary problems in one category × product (no injected clusters)."""
    log = generate_log(
        GeneratorConfig(start=START.date(), days=365, mean_per_day=40, seed=5, clusters=0)
    )
    p = log.problems
    p = p[(p["category"].astype(str) == CATEGORY) & (p["product"].astype(str) == PRODUCT)]
    p = p.rename(columns={"row_id": "id"})[
        ["id", "received_at", "category", "product", "description"]
    ]
    p["id"] += 10_000
    return p.astype({"category": str, "product": str}).reset_index(drop=True)


BACKGROUND = _background()


def frame_of(rows: list[tuple[int, int, str, str, str]]) -> pd.DataFrame:
    """(id, day offset, category, product, description) rows as find_groups' frame."""
    return pd.DataFrame(
        {
            "id": pd.Series([r[0] for r in rows], dtype="int64"),
            "received_at": pd.to_datetime([START + timedelta(days=r[1]) for r in rows], utc=True),
            "category": [r[2] for r in rows],
            "product": [r[3] for r in rows],
            "description": [r[4] for r in rows],
        }
    )


def with_filler(rows: list[tuple[int, int, str, str, str]]) -> pd.DataFrame:
    """The rows plus a year of ordinary problems of the same block, as a real log has."""
    return pd.concat([frame_of(rows), BACKGROUND], ignore_index=True)


def theme_rows(days: list[int], product: str = "Smart meters") -> list:
    openers = ["Customer rang to say ", "E-mail from the customer: ", "I noticed that ", "Chat: "]
    tails = [" this week.", " They want it fixed.", " Reference given.", ""]
    return [
        (i + 1, day, CATEGORY, product, openers[i % 4] + THEME + tails[i % 4])
        for i, day in enumerate(days)
    ]


# --------------------------------------------------------------------------- text features


def test_terms_match_the_hashed_matrix():
    text = "The METER reading was wrong; Hurricane Harvey! £63 café"
    found = terms(text)
    row = hashed_matrix([text], ngrams=2)[0]
    assert sorted(set(found.values())) == row.indices.tolist()
    assert {"meter reading", "hurricane harvey", "£63", "café"} <= set(found)
    assert "wrong hurricane" not in found  # pairs never span punctuation
    assert "the" not in found  # stop word


def test_hashed_matrix_handles_empty_and_odd_texts():
    matrix = hashed_matrix(["", "a", "x\0y zz", "line one\nline two"], ngrams=2)
    assert matrix.shape[0] == 4
    assert matrix[0].nnz == 0
    assert matrix[1].nnz == 0
    assert matrix[2].nnz >= 1


# --------------------------------------------------------------------------- find_groups


def test_near_identical_texts_group_with_their_shared_words():
    groups = find_groups(with_filler(theme_rows([0, 5, 12, 20])))
    ours = [g for g in groups if min(g.problem_ids) < 10_000]
    assert len(ours) == 1
    group = ours[0]
    assert group.problem_ids == (1, 2, 3, 4)
    assert (group.category, group.product) == ("system_failure", "Smart meters")
    assert group.first_at == START
    assert group.last_at == START + timedelta(days=20)
    assert group.first_at.tzinfo is not None
    assert 0.5 < group.cohesion <= 1.0
    words = " ".join(group.shared_words)
    assert "k4821" in words
    assert "keystone" in words or "bangor" in words
    assert group.signature
    assert group.signature.split(" · ")[0] == group.shared_words[0]


DEFAULT = GroupingSettings()


def theme_groups(frame: pd.DataFrame, settings: GroupingSettings = DEFAULT) -> list:
    """The member ids of the groups holding any of the theme rows (ids below 10,000)."""
    return [g.problem_ids for g in find_groups(frame, settings) if min(g.problem_ids) < 10_000]


def test_different_products_never_group():
    rows = theme_rows([0, 5, 12])
    rows[1] = (*rows[1][:3], "Billing and payments", rows[1][4])
    assert theme_groups(with_filler(rows)) == []
    same_text_elsewhere = [(i, d, c, f"Product {i}", t) for i, d, c, _, t in theme_rows([0, 1, 2])]
    assert find_groups(frame_of(same_text_elsewhere)) == []


def test_incidents_further_apart_than_the_window_do_not_group():
    assert theme_groups(with_filler(theme_rows([0, 50, 100]))) == []
    assert theme_groups(with_filler(theme_rows([0, 40, 85]))) == [(1, 2, 3)]
    wide = GroupingSettings(window_days=120)
    assert theme_groups(with_filler(theme_rows([0, 50, 100])), wide) == [(1, 2, 3)]


def test_fewer_than_min_size_is_no_group():
    assert theme_groups(with_filler(theme_rows([0, 5]))) == []
    pairs = GroupingSettings(min_size=2)
    assert theme_groups(with_filler(theme_rows([0, 5])), pairs) == [(1, 2)]


def test_unrelated_texts_do_not_group():
    assert find_groups(frame_of([])) == []
    lone = [(1, 0, CATEGORY, PRODUCT, THEME)]
    assert theme_groups(with_filler(lone)) == []


def test_deterministic_under_row_shuffling():
    log = generate_log(
        GeneratorConfig(start=date(2024, 1, 1), days=120, mean_per_day=40, seed=3, clusters=3)
    )
    frame = log.problems.rename(columns={"row_id": "id"})[
        ["id", "received_at", "category", "product", "description"]
    ]
    groups = find_groups(frame)
    assert groups
    shuffled = frame.sample(frac=1.0, random_state=11).reset_index(drop=True)
    assert find_groups(shuffled) == groups
    for group in groups:
        assert list(group.problem_ids) == sorted(group.problem_ids)
        assert (group.last_at - group.first_at).days <= 90


def test_missing_columns_are_an_error():
    with pytest.raises(ValueError, match="lacks columns"):
        find_groups(pd.DataFrame({"id": [1]}))


# --------------------------------------------------------------------------- small blocks


def _small_block(seed: int = 7, days: int = 120) -> pd.DataFrame:
    """A few months of one small block (~70 rows at 8 a day over ~30 blocks)."""
    log = generate_log(
        GeneratorConfig(
            start=START.date(),
            days=days,
            mean_per_day=8,
            seed=seed,
            clusters=0,
            with_actions=False,
        )
    )
    p = log.problems
    p = p[(p["category"].astype(str) == CATEGORY) & (p["product"].astype(str) == PRODUCT)]
    p = p.rename(columns={"row_id": "id"})[
        ["id", "received_at", "category", "product", "description"]
    ]
    p["id"] += 10_000
    return p.astype({"category": str, "product": str}).reset_index(drop=True)


SMALL = _small_block()
ANCHORS_ONLY = GroupingSettings(pairwise_max_rows=0)


@cache
def _ten_a_day() -> tuple[pd.DataFrame, tuple[int, ...]]:
    """A small centre's year (10 a day); its Broadband trio R6544 differs in incidental
    words, so the anchor keys of its three near-identical texts disagree."""
    log = generate_log(
        GeneratorConfig(
            start=date(2025, 11, 23),
            days=365,
            mean_per_day=10,
            seed=11,
            n_learners=2,
            spikes=2,
            clusters=3,
            with_actions=False,
        )
    )
    frame = log.problems.rename(columns={"row_id": "id"})[
        ["id", "received_at", "category", "product", "description"]
    ]
    trio = next(c for c in log.clusters if "R6544" in c.theme_words)
    return frame, trio.row_ids


def test_small_block_near_duplicates_with_incidental_words_group():
    frame, trio = _ten_a_day()
    assert trio == (696, 705, 816)
    block = frame[frame["product"].astype(str) == "Broadband and phone"]
    assert len(block) <= GroupingSettings().pairwise_max_rows
    groups = find_groups(frame)
    assert any(set(trio) <= set(g.problem_ids) for g in groups)
    assert not any(set(trio) & set(g.problem_ids) for g in find_groups(frame, ANCHORS_ONLY))
    group = next(g for g in groups if set(trio) <= set(g.problem_ids))
    assert {"dundee", "fairshare", "r6544"} & set(" ".join(group.shared_words).split())


def test_a_chain_of_pairwise_links_is_not_one_group():
    a = "invoice K4821 duplicated Keystone Bangor portal"
    b = "invoice K4821 duplicated Keystone Bangor portal Zephyr Q7731 Lindqvist Harrowgate voucher"
    c = "Zephyr Q7731 Lindqvist Harrowgate voucher"
    rows = [
        (1, 10, CATEGORY, PRODUCT, a),
        (2, 11, CATEGORY, PRODUCT, b),
        (3, 12, CATEGORY, PRODUCT, c),
    ]
    frame = pd.concat([frame_of(rows), SMALL], ignore_index=True)
    settings = GroupingSettings(min_size=3)
    sims = dict(similar_to(b, START + timedelta(days=11), frame, settings))
    assert 1 in sims  # a ~ b
    assert 3 in sims  # b ~ c
    assert 1 not in dict(similar_to(c, START + timedelta(days=12), frame, settings))
    for group in find_groups(frame, settings):
        assert not {1, 3} <= set(group.problem_ids)


def test_small_path_is_deterministic_under_row_shuffling():
    log = generate_log(
        GeneratorConfig(
            start=date(2024, 1, 1), days=365, mean_per_day=8, seed=4, clusters=3, with_actions=False
        )
    )
    frame = log.problems.rename(columns={"row_id": "id"})[
        ["id", "received_at", "category", "product", "description"]
    ]
    groups = find_groups(frame)
    assert groups
    for seed in (1, 2):
        shuffled = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        assert find_groups(shuffled) == groups
    for group in groups:
        assert list(group.problem_ids) == sorted(group.problem_ids)
        assert (group.last_at - group.first_at).days <= 90
        assert len(group.problem_ids) >= 3


def test_a_block_just_over_pairwise_max_rows_uses_the_anchor_path():
    frame, trio = _ten_a_day()
    category, product = "system_failure", "Broadband and phone"
    n = int(((frame["category"] == category) & (frame["product"] == product)).sum())

    def found(limit: int) -> bool:
        groups = find_groups(frame, GroupingSettings(pairwise_max_rows=limit))
        return any(set(trio) <= set(g.problem_ids) for g in groups)

    assert found(n)
    assert not found(n - 1)


# --------------------------------------------------------------------------- similar_to


def test_similar_to_returns_neighbours_best_first():
    block = with_filler(
        [
            (1, 0, CATEGORY, PRODUCT, "Customer rang to say " + THEME + " this week."),
            (2, 1, CATEGORY, PRODUCT, "Chat message: " + THEME + ". They want a refund today."),
            (3, 2, CATEGORY, PRODUCT, "Customer rang to say " + THEME + "."),
            (4, 300, CATEGORY, PRODUCT, THEME),  # outside the window
        ]
    )
    hits = similar_to("Customer rang to say " + THEME + " this week.", START, block)
    ids = [i for i, _ in hits]
    assert ids[0] == 1  # the same text
    assert set(ids[:3]) == {1, 2, 3}
    assert 4 not in ids
    sims = [s for _, s in hits]
    assert sims == sorted(sims, reverse=True)
    assert sims[0] == pytest.approx(1.0, abs=1e-5)
    assert all(s >= GroupingSettings().threshold for s in sims)
    assert all(i < 10_000 for i in ids)  # ordinary problems are not neighbours


def test_similar_to_on_an_empty_block():
    assert similar_to(THEME, START, frame_of([])) == []


# --------------------------------------------------------------------------- reconcile


def group(*ids: int) -> ProblemGroup:
    return ProblemGroup(
        category="system_failure",
        product="Smart meters",
        problem_ids=tuple(sorted(ids)),
        first_at=START,
        last_at=START,
        shared_words=("k4821",),
        cohesion=0.9,
        signature="k4821",
    )


def test_reconcile_keeps_the_id_when_a_group_grows_or_shrinks():
    existing = {7: frozenset({1, 2, 3}), 8: frozenset({10, 11, 12, 13})}
    result = reconcile([group(1, 2, 3, 4), group(10, 11, 12)], existing)
    assert [cid for cid, _ in result] == [7, 8]


def test_reconcile_matches_a_candidate_at_most_once():
    existing = {7: frozenset({1, 2, 3, 4})}
    result = reconcile([group(1, 2, 5), group(2, 3, 4, 6)], existing)
    assert [cid for cid, _ in result] == [None, 7]  # the larger overlap wins


def test_reconcile_breaks_ties_deterministically():
    existing = {9: frozenset({1, 2}), 4: frozenset({3, 4})}
    result = reconcile([group(1, 2, 3, 4)], existing)
    assert result[0][0] == 4  # equal overlap and Jaccard: the lower candidate id


def test_reconcile_returns_none_for_a_new_theme():
    existing = {7: frozenset({1, 2, 3})}
    result = reconcile([group(20, 21, 22)], existing)
    assert result == [(None, result[0][1])]
    assert reconcile([], existing) == []
