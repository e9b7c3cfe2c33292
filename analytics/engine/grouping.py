"""Repeated problems: groups of similar complaints in one category × product within a window.

Pure module (numpy, scipy, pandas; no Django). The Django side stores the candidates; this
module finds the groups (``find_groups``), finds the neighbours of one new or edited problem
(``similar_to``) and matches new groups to stored candidates (``reconcile``).

Text representation
    Hashed words and word pairs (``text_features``: numpy tokenising, no per-row Python), a
    binary term frequency, and an inverse document frequency computed *per block*
    (category × product) and raised to ``idf_power`` (2 by default), then L2-normalised.
    Squaring the IDF lets the distinctive words ("Bangor", "E1104", "hurricane harvey")
    outweigh the words every complaint in the block uses ("customer", "refund"): on the
    generator's logs it separates injected near-duplicates (pairwise cosine ≥ 0.50) from
    ordinary complaints that happen to share a stock phrase much better than plain TF-IDF.
    Word pairs never span punctuation, so tag lists ("ROOF; WATER DAMAGE") give no
    "roof water". Words and pairs use separate halves of the hashed space.

Why not scikit-learn
    ``HashingVectorizer`` tokenises one document at a time in Python: tens of seconds for a
    million rows, against a 20 s budget for the engine's whole pass. The numpy tokeniser does
    it in about 4 s and adds no dependency; scipy.sparse does the rest.

Grouping: anchor words, then centroid (why not a similarity graph)
    Each problem's *anchors* are its ``anchor_words`` (4) rarest single words that at least
    ``min_size`` problems of its block contain (highest weight first; ties to the lowest
    feature number). Problems with the same anchors in the same block are split into time
    segments no longer than ``window_days`` (greedily, from the earliest). Inside a segment
    a member stays if its cosine similarity to the rest of the segment (the centroid of the
    other members, leave-one-out) is at least ``threshold``; the centroid is recomputed over
    the survivors and they are checked again. Segments with ``min_size`` survivors are the
    groups.

    - Chaining cannot happen: membership is similarity to the group's centroid, never a
      path of pairwise links, so two mildly similar stock texts cannot pull two themes into
      one giant group.
    - The cost is linear: each problem belongs to one segment and the centroid similarities
      are segment sums over the sparse matrix (a CSC pass), never pairwise products. A
      windowed all-pairs join on the generator's million-row log is not feasible: a block's
      stock phrases recur dozens of times a week, so every problem shares some term with
      thousands of others in its window (one 4,600-row chunk of the largest block produced
      75 M non-zero products in 2.6 s; pruning common terms Bayardo-style still left
      1,400-5,400 candidates per problem).
    - The cost of the shortcut: near-duplicates must agree on their rarest words. They do
      when they share distinctive words (a campaign, a place, a code, a tag), which is what
      a repeated problem looks like, but a member with an extra distinctive word of its own
      (a rare surname, say) starts a different key and is missed, and paraphrases with no
      distinctive word in common are not grouped (that needs embeddings, see ANALYTICS.md).
    - Greedy segments can cut a burst in two when an unrelated problem with the same
      anchors precedes it by less than ``window_days``; both halves are still reported if
      each has ``min_size`` members.

Small blocks: pairwise leader clustering
    Anchors need several rare words to agree, and in a block of a few hundred rows the
    incidental words of a text (a surname, an amount, "compensation") are as rare as its
    theme, so near-duplicates get different keys. A block with at most
    ``pairwise_max_rows`` rows in the frame is therefore compared directly: the cosine of
    every pair (a dense n×n product, ≤ 36 MB at 3,000 rows), neighbours being pairs at
    least ``link_threshold`` similar and at most ``window_days`` apart. Repeatedly, the
    unassigned problem with most unassigned neighbours (ties to the earliest, then the
    lowest id: rows are in that order) leads a group of itself and its unassigned
    neighbours, cut to the densest ``window_days`` span holding the leader and pruned by
    the same leave-one-out centroid rule; with ``min_size`` survivors it is kept and its
    members leave the pool, otherwise the leader loses its turn. Members are direct
    neighbours of the leader and pass the centroid test, so nothing chains. The groups
    then pass a burst test on their third-rarest shared word (``pairwise_burst_p``).

Incremental path
    ``similar_to`` compares one text with a block of at most a few thousand rows directly
    (pairwise cosine, IDF from the block), which is a few milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from scipy import sparse, stats

from analytics.engine.text_features import N_FEATURES, hashed_matrix, is_word, names_for

COLUMNS = ("id", "received_at", "category", "product", "description")
NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True)
class GroupingSettings:
    """How problems are grouped.

    window_days: members of a group fall within this many days of each other (a per-centre
        setting; also the span of ``similar_to``'s comparison).
    min_size: the fewest members a group may have.
    threshold: the least cosine similarity of a member to the rest of its group (the
        centroid of the other members), and of a neighbour in ``similar_to``. 0.5 keeps
        every injected near-duplicate of the generator (their pairwise cosines are
        0.50-0.64 with the default weights) while ordinary complaints rarely reach it.
    idf_power: exponent on the per-block inverse document frequency (2 stresses rare words).
    ngrams: 1 for words only, 2 for words and neighbouring word pairs.
    n_features: hashed feature space (a power of two; collisions are negligible at 2**20).
    max_shared_words: at most this many shared words or phrases are reported per group.
    shared_share: a word is "shared" when at least this share of the members contain it.
    burst_p: 1 (default) keeps every group. Below 1, a group is kept only if its rarest
        anchor word is improbably frequent in it: the Poisson probability of at least that
        many problems with the word, at the word's rate in the rest of the block's history
        scaled to ``window_days``, must be at most ``burst_p``. 1e-4 keeps bursts (a new
        campaign, code, place) and drops stock phrases recurring at their usual rate (on
        the generator's 40-a-day logs: ~90 such groups a year without it, ~0 with it), but
        it also drops a long-running problem once its own history makes it ordinary (most
        of the Texas Harvey groups), which is why it is off by default and the caller's
        history test (ANALYTICS.md) decides what to raise.
    anchor_words: how many of a problem's rarest words (each held by >= min_size problems
        of its block) must agree for problems to be compared at all (see the module notes).
        4 keeps every injected cluster of the generator and splits Texas tag sets cleanly;
        5 starts losing clusters whose members' tails differ. Used by big blocks only.
    pairwise_max_rows: blocks with at most this many rows in the frame are grouped by
        direct pairwise comparison (leader clustering, see the module notes) instead of by
        anchor words. 3,000 rows cost ~0.1-0.2 s and a 3,000² similarity matrix (36 MB of
        float32) per block; a centre taking 8 problems a day across ~30 blocks has ~100
        rows per block a year, so every real-sized block takes the pairwise path, while
        the million-row logs' blocks (30,000 rows) keep the linear path. 0 turns it off.
    link_threshold: the least pairwise cosine for two problems of a small block to be
        neighbours (candidates for one group; membership is still decided by
        ``threshold`` against the centroid). None (default) derives it from ``threshold``
        and ``min_size``: the pairwise cosine c at which ``min_size`` equally similar texts
        each reach ``threshold`` against the centroid of the others,
        sqrt(k-1)·c / sqrt(1+(k-2)·c) = threshold, i.e. 0.42 for 0.5 and 3. Linking at
        ``threshold`` itself misses trios the centroid rule accepts: in a block of a few
        hundred rows the incidental words are rare too, so weigh more, and the generator's
        near-duplicates fall to pairwise cosines of 0.47-0.53.
    pairwise_burst_p: the burst test (as ``burst_p``) that groups found pairwise must pass,
        on the third-rarest word all members share; the stricter of this and ``burst_p``
        applies. Comparing every pair finds every repeat of a stock clause, not only those
        whose rarest words happen to agree: unfiltered, 40-a-day logs give ~1,300 groups
        with no injected row a year (the anchor path ~90); at 0.01 ~9 a year, and every
        injected cluster is kept. The cost: a problem recurring steadily all year in a
        small block is not reported as a repeated problem (it is ordinary there; the counts
        and Pareto tables show it).
    """

    window_days: int = 90
    min_size: int = 3
    threshold: float = 0.5
    idf_power: float = 2.0
    ngrams: int = 2
    n_features: int = N_FEATURES
    max_shared_words: int = 5
    shared_share: float = 0.5
    burst_p: float = 1.0
    anchor_words: int = 4
    pairwise_max_rows: int = 3_000
    link_threshold: float | None = None
    pairwise_burst_p: float = 0.01

    def __post_init__(self) -> None:
        if self.window_days < 1 or self.min_size < 2:
            raise ValueError("window_days must be >= 1 and min_size >= 2")
        if not 0 < self.threshold <= 1 or not 0 < self.shared_share <= 1:
            raise ValueError("threshold and shared_share must be in (0, 1]")
        if self.link_threshold is not None and not 0 < self.link_threshold <= 1:
            raise ValueError("link_threshold must be in (0, 1]")

    @property
    def pair_threshold(self) -> float:
        """``link_threshold``, or the value derived from ``threshold`` and ``min_size``."""
        if self.link_threshold is not None:
            return self.link_threshold
        k, t = self.min_size, self.threshold
        return (t * t * (k - 2) + math.sqrt((t * t * (k - 2)) ** 2 + 4 * (k - 1) * t * t)) / (
            2 * (k - 1)
        )


@dataclass(frozen=True)
class ProblemGroup:
    """One group of similar problems: the candidate's members and the evidence for it."""

    category: str
    product: str
    problem_ids: tuple[int, ...]  # sorted ascending
    first_at: datetime  # tz-aware UTC, earliest received_at
    last_at: datetime
    shared_words: tuple[str, ...]  # most distinctive first
    cohesion: float  # mean cosine similarity of members to the group centroid
    signature: str  # the top shared words joined, for display and debugging


# --------------------------------------------------------------------------- features


@dataclass(frozen=True)
class _Weighted:
    """Rows of one or more blocks, in block order, as L2-normalised weighted vectors."""

    matrix: sparse.csr_matrix  # binary features times the block's idf**power, normalised
    df: np.ndarray  # per stored entry of ``matrix``: the feature's frequency in the row's block
    block_sizes: np.ndarray

    def with_data(self, data: np.ndarray) -> sparse.csr_matrix:
        """A matrix with ``matrix``'s sparsity and other stored values (e.g. ``df``)."""
        return sparse.csr_matrix((data, self.matrix.indices, self.matrix.indptr), self.matrix.shape)

    def df_of(self, rows: np.ndarray, features: np.ndarray) -> np.ndarray:
        """Block frequency of one feature per row (0 where the row lacks it)."""
        sub = self.with_data(self.df)[rows]
        owner = np.repeat(np.arange(rows.size), np.diff(sub.indptr))
        hit = np.flatnonzero(sub.indices == features[owner])
        out = np.zeros(rows.size, dtype=np.int64)
        out[owner[hit]] = sub.data[hit]
        return out


def _labels(starts: np.ndarray) -> np.ndarray:
    """0, 0, 1, 1, 1, 2... from a boolean array marking where each label starts.

    (A cumsum in int32: numpy's default for booleans is several times slower.)
    """
    return np.cumsum(starts, dtype=np.int32).astype(np.int64) - 1


def _column_runs(csc: sparse.csc_matrix, row_group: np.ndarray) -> np.ndarray:
    """The run number of each stored entry of ``csc``.

    A run is a maximal stretch of entries of one column whose rows share ``row_group``;
    rows must be sorted by group so that each (column, group) is a single run.
    """
    change = np.zeros(csc.nnz, dtype=bool)
    if not csc.nnz:
        return change.astype(np.int64)
    groups = row_group[csc.indices]
    change[1:] = groups[1:] != groups[:-1]
    change[csc.indptr[:-1][np.diff(csc.indptr) > 0]] = True  # each column's first entry
    return _labels(change)


def _run_columns(csc: sparse.csc_matrix, run: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position of each run's first entry, each run's column)."""
    first = np.flatnonzero(np.diff(run, prepend=-1))
    return first, np.searchsorted(csc.indptr, first, side="right") - 1


def _weighted(
    binary: sparse.csr_matrix, block: np.ndarray, settings: GroupingSettings
) -> _Weighted:
    """Per-block IDF weights (``idf_power``) on a binary matrix whose rows are block-sorted.

    One CSC pass counts each feature's rows per block; the run numbers travel back to row
    order as the matrix's values, so the weights need no second lookup.
    """
    sizes = np.bincount(block)
    csc = binary.tocsc()
    run = _column_runs(csc, block)
    df_run = np.bincount(run)
    first, _ = _run_columns(csc, run)
    n_run = sizes[block[csc.indices[first]]]
    idf_run = (np.log((1.0 + n_run) / (1.0 + df_run)) + 1.0) ** settings.idf_power
    runs = sparse.csc_matrix((run.astype(np.float64) + 1, csc.indices, csc.indptr), csc.shape)
    del csc, run
    runs = runs.tocsr()
    order_run = runs.data.astype(np.int64) - 1
    matrix = sparse.csr_matrix(
        (idf_run[order_run].astype(np.float32), runs.indices, runs.indptr), runs.shape
    )
    return _Weighted(_normalise(matrix), df_run[order_run].astype(np.int32), sizes)


def _normalise(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Rows scaled to unit length (empty rows stay empty)."""
    squares = np.bincount(
        np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr)),
        weights=matrix.data.astype(np.float64) ** 2,
        minlength=matrix.shape[0],
    )
    norms = np.sqrt(squares)
    norms[norms == 0] = 1.0
    matrix.data /= np.repeat(norms, np.diff(matrix.indptr)).astype(np.float32)
    return matrix


# --------------------------------------------------------------------------- anchors


def _anchors(w: _Weighted, min_size: int, count: int) -> np.ndarray:
    """Each row's ``count`` anchor words (-1 where missing), heaviest first.

    Anchors are the row's heaviest single words held by >= min_size rows of its block:
    within a row the weight order is the block-frequency order, so these are its rarest
    words that could still make a group. Ties go to the lowest feature number.
    """
    m = w.matrix
    anchors = np.full((m.shape[0], count), -1, dtype=np.int64)
    if not m.nnz:
        return anchors
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    eligible = (w.df >= min_size) & is_word(m.indices, m.shape[1])
    score = np.where(eligible, m.data, -1.0)
    nonempty = np.flatnonzero(np.diff(m.indptr))
    for k in range(count):
        best = np.full(m.shape[0], -1.0)
        best[nonempty] = np.maximum.reduceat(score, m.indptr[nonempty])
        hit = np.flatnonzero((score == best[rows]) & (score > 0))
        if not hit.size:
            break
        first = hit[np.r_[True, rows[hit][1:] != rows[hit][:-1]]]
        anchors[rows[first], k] = m.indices[first]
        score[first] = -1.0
    return anchors


# --------------------------------------------------------------------------- segments


def _segments(key: np.ndarray, days: np.ndarray, window_days: float) -> np.ndarray:
    """Segment number of each row; rows sorted by (key, days).

    Within a key, a segment starts at its earliest row and takes every later row at most
    ``window_days`` after that start; the next row starts the next segment.
    """
    n = key.size
    if not n:
        return np.zeros(0, dtype=np.int64)
    run_start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    run_end = np.r_[run_start[1:], n]
    run_of = np.repeat(np.arange(run_start.size), np.diff(np.r_[run_start, n]))
    # next_start[i]: first row of the same key more than window_days after row i
    composite = run_of * (days.max() + window_days + 2.0) + days
    next_start = np.searchsorted(composite, composite + window_days, side="right")
    next_start = np.minimum(next_start, run_end[run_of])
    is_start = np.zeros(n, dtype=bool)
    current, end = run_start, run_end
    while current.size:  # one step per segment of the longest key: a few dozen at most
        is_start[current] = True
        current = next_start[current]
        alive = current < end
        current, end = current[alive], end[alive]
    return _labels(is_start)


def _segment_similarity(
    matrix: sparse.csr_matrix, segment: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(each row's dot product with its segment's sum, each segment's squared sum norm).

    Rows must be sorted by segment. Linear: one CSC pass, sums over (column, segment) runs.
    """
    csc = matrix.tocsc()
    run = _column_runs(csc, segment)
    sums = np.bincount(run, weights=csc.data.astype(np.float64))
    dots = np.bincount(csc.indices, weights=csc.data * sums[run], minlength=matrix.shape[0])
    norms = np.bincount(segment, weights=dots, minlength=int(segment.max()) + 1)
    return dots, norms


def _leave_one_out(dots: np.ndarray, norms: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """Cosine of each unit row with the sum of the other rows of its segment."""
    rest = np.maximum(norms[segment] - 2.0 * dots + 1.0, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = (dots - 1.0) / np.sqrt(rest)
    return np.where(rest > 1e-12, cos, 0.0)


def _sizes_at_least(segment: np.ndarray, keep: np.ndarray, min_size: int) -> np.ndarray:
    counts = np.bincount(segment[keep], minlength=int(segment.max()) + 1 if segment.size else 0)
    return keep & (counts[segment] >= min_size)


# --------------------------------------------------------------------------- find_groups


def _validated(frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks columns: {', '.join(missing)}")
    out = pd.DataFrame(
        {
            "id": frame["id"].astype("int64").to_numpy(),
            "received_at": pd.DatetimeIndex(pd.to_datetime(frame["received_at"], utc=True)),
            "category": frame["category"].astype(str).to_numpy(),
            "product": frame["product"].astype(str).to_numpy(),
            "description": frame["description"].fillna("").astype(str).to_numpy(),
        }
    )
    return out


def _nanoseconds(stamps: pd.Series) -> np.ndarray:
    """Nanoseconds since the epoch of a tz-aware UTC series."""
    return (
        stamps.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]").view(np.int64)
    )


def _datetimes(ns: np.ndarray) -> list[datetime]:
    """tz-aware UTC datetimes from nanoseconds since the epoch."""
    return list(pd.to_datetime(ns, utc=True).to_pydatetime())


def _ordered(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows sorted by (category, product, received_at, id) and their block numbers."""
    cat_codes, _ = pd.factorize(frame["category"], sort=True)
    prod_codes, _ = pd.factorize(frame["product"], sort=True)
    ns = _nanoseconds(frame["received_at"])
    order = np.lexsort((frame["id"].to_numpy(), ns, prod_codes, cat_codes))
    ordered = frame.iloc[order].reset_index(drop=True)
    pair = cat_codes[order].astype(np.int64) * (prod_codes.max() + 1) + prod_codes[order]
    block = _labels(np.r_[True, pair[1:] != pair[:-1]]) if pair.size else pair
    return ordered, block.astype(np.int64)


def find_groups(
    frame: pd.DataFrame, settings: GroupingSettings = GroupingSettings()
) -> list[ProblemGroup]:
    """Groups of at least ``min_size`` similar problems in one category × product.

    ``frame`` has columns id, received_at (UTC), category, product, description. The result
    is sorted by (category, product, first_at, first id) and does not depend on row order.
    """
    data = _validated(frame)
    if data.empty:
        return []
    data, block = _ordered(data)
    binary = hashed_matrix(
        data["description"].tolist(), ngrams=settings.ngrams, n_features=settings.n_features
    )
    weighted = _weighted(binary, block, settings)
    days = _nanoseconds(data["received_at"]) / NS_PER_DAY
    small = (weighted.block_sizes <= settings.pairwise_max_rows)[block]
    anchor = _anchors(weighted, settings.min_size, settings.anchor_words)
    anchor[small] = -1  # small blocks are compared pairwise instead
    rows, segment, cosine = _grouped_rows(weighted, block, days, anchor, settings)
    word, holders = _burst_words(weighted, anchor, rows, segment)
    rows, segment, cosine = _bursts(
        weighted, block, days, word, holders, rows, segment, cosine, settings.burst_p, settings
    )
    if small.any():
        p_rows, p_segment = _pairwise_rows(weighted, block, days, settings)
        p_cosine = _centroid_cosine(weighted.matrix[p_rows], p_segment)
        word, holders = _burst_words(weighted, None, p_rows, p_segment)
        burst_p = min(settings.burst_p, settings.pairwise_burst_p)
        p_rows, p_segment, p_cosine = _bursts(
            weighted,
            block,
            days,
            word,
            holders,
            p_rows,
            p_segment,
            p_cosine,
            burst_p,
            settings,
        )
        rows = np.r_[rows, p_rows]
        segment = np.r_[segment, p_segment + (int(segment.max()) + 1 if segment.size else 0)]
        cosine = np.r_[cosine, p_cosine]
    return _build_groups(data, weighted, block, rows, segment, cosine, settings)


def _bursts(
    w: _Weighted,
    block: np.ndarray,
    days: np.ndarray,
    word: np.ndarray,
    holders: np.ndarray,
    rows: np.ndarray,
    segment: np.ndarray,
    cosine: np.ndarray,
    burst_p: float,
    settings: GroupingSettings,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The grouped rows of the groups whose burst word is improbably frequent in them.

    ``word`` and ``holders`` are per segment (see ``_burst_words``); ``burst_p`` is the
    largest p-value kept (1 keeps everything).
    """
    if burst_p >= 1 or not rows.size:
        return rows, segment, cosine
    first = rows[np.flatnonzero(np.r_[True, segment[1:] != segment[:-1]])]
    count = holders.astype(np.float64)
    df = w.df_of(first, word).astype(np.float64)
    starts = _block_starts(block)
    span = np.maximum.reduceat(days, starts) - np.minimum.reduceat(days, starts)
    window = float(settings.window_days)
    expected = (df - count) * window / np.maximum(span[block[first]] - window, window)
    p_value = stats.poisson.sf(count - 1, expected)
    keep = (p_value <= burst_p)[segment]
    return rows[keep], _renumber(segment[keep]), cosine[keep]


def _burst_words(
    w: _Weighted,
    anchor: np.ndarray | None,
    rows: np.ndarray,
    segment: np.ndarray,
    rank: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """Per segment: (the word the burst test counts, how many members hold it).

    With anchors (big blocks): the first anchor, which every member holds. Without
    (pairwise groups): the ``rank``-th rarest single word every member holds (rank 2: the
    third, so a group must share three improbably frequent words, as an anchor key shares
    four; a chance repeat of one rare opener or amount shares one or two), ties to the
    lowest feature number; failing that, the rarest of the words held by most members.
    Segments are numbered from 0.
    """
    if not rows.size:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, segment[1:] != segment[:-1]])
    if anchor is not None:
        return anchor[rows[starts], 0], np.diff(np.r_[starts, rows.size])
    csc = w.with_data(w.df)[rows].tocsc()
    run = _column_runs(csc, segment)
    first, column = _run_columns(csc, run)
    held = np.bincount(run)
    df = csc.data[first]
    run_segment = segment[csc.indices[first]]
    words = np.flatnonzero(is_word(column, csc.shape[1]))
    order = np.lexsort((column[words], df[words], -held[words], run_segment[words]))
    ordered = words[order]
    seg_of = run_segment[ordered]
    pos = np.arange(ordered.size) - np.searchsorted(seg_of, seg_of)
    size = np.bincount(segment)
    full = held[ordered] == size[seg_of]
    # the rank-th rarest word every member holds; failing that, the most held rarest word
    nth = ordered[full & (pos == rank)]
    best = ordered[pos == 0]
    best = best[~np.isin(run_segment[best], run_segment[nth])]
    best = np.r_[nth, best]
    word = np.full(starts.size, -1, dtype=np.int64)
    count = np.zeros(starts.size, dtype=np.int64)
    word[run_segment[best]] = column[best]
    count[run_segment[best]] = held[best]
    return word, count


def _block_starts(block: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.r_[True, block[1:] != block[:-1]])


def _grouped_rows(
    w: _Weighted,
    block: np.ndarray,
    days: np.ndarray,
    anchor: np.ndarray,
    settings: GroupingSettings,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row numbers, segment of each, cosine to its group centroid) of grouped rows.

    Rows come out sorted by segment, then time.
    """
    rows = np.flatnonzero(anchor[:, 0] >= 0)
    if not rows.size:
        return rows, rows, np.zeros(0)
    key = np.column_stack([block[rows], anchor[rows]])
    order = np.lexsort((rows, days[rows], *key.T[::-1]))
    key = key[order]
    key = _labels(np.r_[True, (key[1:] != key[:-1]).any(axis=1)])
    rows = rows[order]
    segment = _segments(key, days[rows], float(settings.window_days))
    keep = _sizes_at_least(segment, np.ones(rows.size, dtype=bool), settings.min_size)
    rows, segment = rows[keep], _renumber(segment[keep])
    for _ in range(3):  # the anchor's members, then the survivors, then theirs
        if not rows.size:
            return rows, segment, np.zeros(0)
        dots, norms = _segment_similarity(w.matrix[rows], segment)
        keep = _leave_one_out(dots, norms, segment) >= settings.threshold
        keep = _sizes_at_least(segment, keep, settings.min_size)
        if keep.all():
            break
        rows, segment = rows[keep], _renumber(segment[keep])
    if not rows.size:
        return rows, segment, np.zeros(0)
    dots, norms = _segment_similarity(w.matrix[rows], segment)
    return rows, segment, dots / np.sqrt(norms[segment])


def _centroid_cosine(matrix: sparse.csr_matrix, segment: np.ndarray) -> np.ndarray:
    """Cosine of each (unit) row with its segment's centroid; rows sorted by segment."""
    if not segment.size:
        return np.zeros(0)
    dots, norms = _segment_similarity(matrix, segment)
    return dots / np.sqrt(norms[segment])


# --------------------------------------------------------------------------- small blocks


def _pairwise_rows(
    w: _Weighted, block: np.ndarray, days: np.ndarray, settings: GroupingSettings
) -> tuple[np.ndarray, np.ndarray]:
    """(row numbers, group of each) of the groups found pairwise in the small blocks.

    Rows come out sorted by group, then time; groups are numbered from 0.
    """
    starts = _block_starts(block)
    bounds = np.r_[starts, block.size]
    out_rows: list[np.ndarray] = []
    for lo, hi, size in zip(bounds[:-1], bounds[1:], w.block_sizes, strict=True):
        if size > settings.pairwise_max_rows or size < settings.min_size:
            continue
        for members in _leaders(w.matrix[lo:hi], days[lo:hi], settings):
            out_rows.append(members + lo)
    if not out_rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    segment = np.repeat(np.arange(len(out_rows)), [m.size for m in out_rows])
    return np.concatenate(out_rows).astype(np.int64), segment.astype(np.int64)


def _leaders(
    matrix: sparse.csr_matrix, days: np.ndarray, settings: GroupingSettings
) -> list[np.ndarray]:
    """Density-seeded leader clustering of one block's rows (sorted by time, then id).

    Neighbours are pairs with cosine >= threshold at most ``window_days`` apart. The
    unassigned row with the most unassigned neighbours (ties to the earliest) leads; its
    group is it and those neighbours, cut to the densest ``window_days`` span that holds
    the leader, then pruned by the leave-one-out centroid rule. A group of ``min_size``
    keeps its members; otherwise the leader only loses its turn (it may still join a later
    leader's group). Every member is a direct neighbour of its leader, so links never chain.
    """
    n = matrix.shape[0]
    used, column = np.unique(matrix.indices, return_inverse=True)  # a narrow copy: the
    compact = sparse.csr_matrix(  # transpose of a 2**20-column matrix costs ~1 ms a block
        (matrix.data, column.ravel(), matrix.indptr), shape=(n, used.size)
    )
    sims = (compact @ compact.T).toarray().astype(np.float64)
    near = np.abs(days[:, None] - days[None, :]) <= settings.window_days
    linked = (sims >= settings.pair_threshold - 1e-6) & near
    np.fill_diagonal(linked, False)
    counts = linked.sum(axis=1)
    free = np.ones(n, dtype=bool)  # not in a group yet
    open_ = counts >= settings.min_size - 1  # may still lead
    groups: list[np.ndarray] = []
    while True:
        candidates = np.flatnonzero(open_)
        if not candidates.size:
            break
        seed = int(candidates[np.argmax(counts[candidates])])  # first = earliest on ties
        if counts[seed] < settings.min_size - 1:
            break
        open_[seed] = False
        members = np.flatnonzero(linked[seed] & free)
        members = np.sort(np.r_[members, seed])
        members = _densest_span(members, days, seed, float(settings.window_days))
        members = _centroid_survivors(sims, members, settings)
        if members.size < settings.min_size:
            continue
        groups.append(members)
        free[members] = False
        open_[members] = False
        counts -= linked[:, members].sum(axis=1)
        open_ &= counts >= settings.min_size - 1
    return groups


def _densest_span(members: np.ndarray, days: np.ndarray, seed: int, window: float) -> np.ndarray:
    """The members (sorted, times ascending) in the window-long span holding ``seed`` that
    holds the most of them; ties to the earliest span."""
    t = days[members]
    t_seed = days[seed]
    starts = np.flatnonzero((t >= t_seed - window) & (t <= t_seed))
    ends = np.searchsorted(t, t[starts] + window, side="right")
    best = int(np.argmax(ends - starts))
    return members[starts[best] : ends[best]]


def _centroid_survivors(
    sims: np.ndarray, members: np.ndarray, settings: GroupingSettings
) -> np.ndarray:
    """Members whose cosine to the centroid of the others is >= threshold (as in the big
    path: checked, recomputed over the survivors, up to three rounds)."""
    for _ in range(3):
        if members.size < settings.min_size:
            return members
        sub = sims[np.ix_(members, members)]
        own = np.diag(sub)
        row = sub.sum(axis=1)
        rest = np.maximum(sub.sum() - 2.0 * row + own, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            cos = np.where(rest > 1e-12, (row - own) / np.sqrt(rest), 0.0)
        keep = cos >= settings.threshold
        if keep.all():
            return members
        members = members[keep]
    return members


def _renumber(segment: np.ndarray) -> np.ndarray:
    """Consecutive segment numbers 0, 1, ... for sorted segment labels."""
    if not segment.size:
        return segment
    return _labels(np.r_[True, segment[1:] != segment[:-1]])


# --------------------------------------------------------------------------- evidence


def _build_groups(
    data: pd.DataFrame,
    w: _Weighted,
    block: np.ndarray,
    rows: np.ndarray,
    segment: np.ndarray,
    cosine: np.ndarray,
    settings: GroupingSettings,
) -> list[ProblemGroup]:
    """ProblemGroups from grouped rows (sorted by segment, then time)."""
    if not rows.size:
        return []
    starts = np.flatnonzero(np.r_[True, segment[1:] != segment[:-1]])
    bounds = np.r_[starts, rows.size]
    ids = data["id"].to_numpy()[rows]
    sorted_ids = ids[np.lexsort((ids, segment))].tolist()
    ns = _nanoseconds(data["received_at"])
    first_at = _datetimes(ns[rows[starts]])
    last_at = _datetimes(ns[rows[bounds[1:] - 1]])
    categories = data["category"].to_numpy()[rows[starts]].tolist()
    products = data["product"].to_numpy()[rows[starts]].tolist()
    cohesion = (np.add.reduceat(cosine, starts) / np.diff(bounds)).round(6).tolist()
    words = _shared_words(data, w, block, rows, segment, cosine, settings)
    groups = [
        ProblemGroup(
            category=str(categories[g]),
            product=str(products[g]),
            problem_ids=tuple(sorted_ids[lo:hi]),
            first_at=first_at[g],
            last_at=last_at[g],
            shared_words=words[g],
            cohesion=cohesion[g],
            signature=" · ".join(words[g][:3]),
        )
        for g, (lo, hi) in enumerate(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))
    ]
    groups.sort(key=lambda g: (g.category, g.product, g.first_at, g.problem_ids))
    return groups


def _shared_words(
    data: pd.DataFrame,
    w: _Weighted,
    block: np.ndarray,
    rows: np.ndarray,
    segment: np.ndarray,
    cosine: np.ndarray,
    settings: GroupingSettings,
) -> list[tuple[str, ...]]:
    """Per group: the terms at least ``shared_share`` of members hold, most distinctive first.

    Distinctive = share of members × block IDF, ties by feature number. Terms are named
    as written in the group's most typical member (highest cosine to the centroid).
    """
    csc = w.with_data(w.df)[rows].tocsc()
    run = _column_runs(csc, segment)
    first, column = _run_columns(csc, run)
    run_segment = segment[csc.indices[first]]
    size = np.bincount(segment)
    share = np.bincount(run) / size[run_segment]
    chosen = np.flatnonzero(share >= settings.shared_share - 1e-9)
    df = csc.data[first[chosen]]
    holders = rows[csc.indices[first[chosen]]]
    idf = np.log((1.0 + w.block_sizes[block[holders]]) / (1.0 + df)) + 1.0
    order = np.lexsort((column[chosen], -share[chosen] * idf, run_segment[chosen]))
    chosen = chosen[order]
    g_of = run_segment[chosen]
    rank = np.arange(chosen.size) - np.searchsorted(g_of, g_of)
    chosen = chosen[rank < settings.max_shared_words + 4]  # room for words phrases absorb
    g_of = run_segment[chosen]
    typical = _most_typical(segment, cosine)
    names = names_for(
        data["description"].to_numpy()[rows[typical]].tolist(),
        g_of,
        column[chosen],
        ngrams=settings.ngrams,
        n_features=settings.n_features,
    )
    out: list[list[tuple[str, float]]] = [[] for _ in range(size.size)]
    for g, name, s in zip(g_of.tolist(), names, share[chosen].tolist(), strict=True):
        if name is not None:
            out[g].append((name, s))
    return [_readable(terms, settings.max_shared_words) for terms in out]


def _most_typical(segment: np.ndarray, cosine: np.ndarray) -> np.ndarray:
    """Per segment, the position of the member most similar to the centroid (first on ties)."""
    order = np.lexsort((np.arange(segment.size), -cosine, segment))
    return order[np.r_[True, segment[order][1:] != segment[order][:-1]]]


def _readable(terms: list[tuple[str, float]], limit: int) -> tuple[str, ...]:
    """Drop words covered by a chosen phrase held as widely, then keep the first ``limit``."""
    covered = {word: share for term, share in terms if " " in term for word in term.split(" ")}
    out = [t for t, s in terms if " " in t or covered.get(t, -1.0) < s - 1e-9]
    return tuple(out[:limit])


# --------------------------------------------------------------------------- similar_to


def similar_to(
    text: str,
    received_at: datetime | pd.Timestamp,
    block: pd.DataFrame,
    settings: GroupingSettings = GroupingSettings(),
) -> list[tuple[int, float]]:
    """(id, cosine) of the ``block`` rows at least ``threshold`` similar to ``text``, best first.

    ``block`` holds one category × product's rows (same columns as ``find_groups``' frame);
    rows more than ``window_days`` from ``received_at`` are ignored. IDF comes from the
    block plus the text, as in ``find_groups``. The caller drops the problem's own id when
    it re-checks an edited problem. Ties are broken by id.
    """
    if block.empty:
        return []
    at = pd.Timestamp(received_at)
    at = at.tz_localize("UTC") if at.tzinfo is None else at.tz_convert("UTC")
    stamps = pd.to_datetime(block["received_at"], utc=True)
    near = (stamps - at).abs() <= pd.Timedelta(days=settings.window_days)
    rows = block.loc[near.to_numpy()]
    if rows.empty:
        return []
    texts = [*rows["description"].fillna("").astype(str).tolist(), text]
    binary = hashed_matrix(texts, ngrams=settings.ngrams, n_features=settings.n_features)
    w = _weighted(binary, np.zeros(len(texts), dtype=np.int64), settings)
    sims = (w.matrix[:-1] @ w.matrix[-1].T).toarray().ravel()
    ids = rows["id"].astype("int64").to_numpy()
    hit = np.flatnonzero(sims >= settings.threshold - 1e-6)
    order = np.lexsort((ids[hit], -sims[hit]))
    return [(int(ids[i]), round(float(sims[i]), 6)) for i in hit[order]]


# --------------------------------------------------------------------------- reconcile


def reconcile(
    groups: Sequence[ProblemGroup], existing: Mapping[int, frozenset[int]]
) -> list[tuple[int | None, ProblemGroup]]:
    """Pair each group with the stored candidate it shares most problems with, else None.

    Greedy on the overlap: the pair sharing most problem ids is matched first, then the
    next among the unmatched, so each candidate and each group is used at most once. Ties
    go to the higher Jaccard overlap, then the lower candidate id, then the earlier group.
    Stored candidates left unmatched are the caller's business (kept as they are).
    """
    owners: dict[int, list[int]] = {}
    for candidate_id, members in existing.items():
        for problem_id in members:
            owners.setdefault(problem_id, []).append(candidate_id)
    pairs = []
    for g, group in enumerate(groups):
        overlap: dict[int, int] = {}
        for problem_id in group.problem_ids:
            for candidate_id in owners.get(problem_id, ()):
                overlap[candidate_id] = overlap.get(candidate_id, 0) + 1
        for candidate_id, shared in overlap.items():
            union = len(group.problem_ids) + len(existing[candidate_id]) - shared
            pairs.append((-shared, -shared / union, candidate_id, g))
    matched: dict[int, int] = {}
    used: set[int] = set()
    for _, _, candidate_id, g in sorted(pairs):
        if g not in matched and candidate_id not in used:
            matched[g] = candidate_id
            used.add(candidate_id)
    return [(matched.get(g), group) for g, group in enumerate(groups)]
