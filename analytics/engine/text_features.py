"""Hashed word and word-pair features of short free texts, computed with numpy alone.

Pure module (numpy and scipy only, no Django). It turns complaint descriptions into a sparse
binary matrix of hashed unigram and bigram features, which ``grouping`` weights by IDF and
compares by cosine similarity.

Why not scikit-learn's ``HashingVectorizer``: it tokenises in Python one document at a time
(a regex, a list of n-grams and a murmurhash call per document), which costs tens of seconds
for a million descriptions; the engine's whole nightly pass has 20 s. Here the texts are
joined into one UTF-8 buffer and tokenised, lower-cased and hashed with array operations on
that buffer (a polynomial hash from prefix sums, modulo 2**64), about ten times faster, and
no extra dependency is needed.

Tokens are runs of ASCII letters and digits and non-ASCII bytes (so "café" and "£63" stay one
token each), ASCII-lower-cased, at least two bytes long, minus a short list of English stop
words. Bigrams join neighbouring kept tokens of the same text, so "the meter reading" gives
"meter", "reading" and "meter reading". ``terms`` re-tokenises a few texts in Python with the
same rule and the same hashes, for naming what a group's members share.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

N_FEATURES = 1 << 20
CHUNK_DOCS = 50_000  # texts are tokenised in slices of this many (bounds the memory)

STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "again",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "before",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "for",
        "from",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
    ]
)

_K1 = np.uint64(0x9E3779B97F4A7C15)
_K2 = np.uint64(0xC2B2AE3D27D4EB4F)
_K3 = np.uint64(0x165667B19E3779F9)
_WIDTH = 16  # bytes of a token that enter its hash (with its length)
_LOWER = np.arange(256, dtype=np.uint8)
_LOWER[65:91] += 32
_WORD = np.zeros(256, dtype=bool)
_WORD[97:123] = _WORD[48:58] = _WORD[128:] = True
_BREAK = np.zeros(256, dtype=bool)  # bytes that end a phrase: no bigram spans them
_BREAK[[0, 10, 13, *b'.,;:!?()[]{}|/\\"<>']] = True
_MASK_LOW = np.array([(1 << (8 * min(k, 8))) - 1 for k in range(_WIDTH + 1)], dtype=np.uint64)
_MASK_HIGH = np.array([(1 << (8 * max(k - 8, 0))) - 1 for k in range(_WIDTH + 1)], np.uint64)
# _MASK_LOW[k], _MASK_HIGH[k] keep the first k bytes of a token's two 8-byte words.


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads every input bit over the output before masking."""
    with np.errstate(over="ignore"):
        h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return h ^ (h >> np.uint64(31))


def _pair_hash(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The hash of a bigram from its two token hashes (order matters)."""
    with np.errstate(over="ignore"):
        return _mix(left * _K1 + right + np.uint64(1))


def _tokens(buf: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start offsets, lengths, hashes) of the word tokens of a lower-cased byte buffer.

    ``buf`` must begin and end with a non-word byte. A token's hash covers its first 16 bytes
    and its length, read as two little-endian words through a sliding 16-byte view.
    """
    edges = np.diff(_WORD[buf].view(np.int8))
    starts = np.flatnonzero(edges == 1) + 1
    lengths = np.flatnonzero(edges == -1) + 1 - starts
    padded = np.zeros(buf.size + 2 * _WIDTH - buf.size % 8, dtype=np.uint8)
    padded[: buf.size] = buf
    words = np.lib.stride_tricks.as_strided(padded.view("<u8"), shape=(buf.size + 8,), strides=(1,))
    width = np.minimum(lengths, _WIDTH)
    low = words[starts] & _MASK_LOW[width]
    high = words[starts + 8] & _MASK_HIGH[width]
    with np.errstate(over="ignore"):
        raw = (low * _K1) ^ (high * _K2) ^ (lengths.astype(np.uint64) * _K3)
    return starts, lengths, _mix(raw)


def _stop_hashes() -> np.ndarray:
    buf = _LOWER[np.frombuffer(b" " + " ".join(sorted(STOP_WORDS)).encode() + b" ", np.uint8)]
    return np.sort(_tokens(buf)[2])


STOP_HASHES = _stop_hashes()
_STOP_BITS = np.zeros(1 << 16, dtype=bool)
_STOP_BITS[(STOP_HASHES & np.uint64(0xFFFF)).astype(np.int64)] = True


def _kept(lengths: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    """Tokens worth a feature: at least two bytes and not a stop word."""
    keep = lengths >= 2
    maybe = np.flatnonzero(_STOP_BITS[(hashes & np.uint64(0xFFFF)).astype(np.int64)])
    pos = np.searchsorted(STOP_HASHES, hashes[maybe]).clip(max=STOP_HASHES.size - 1)
    keep[maybe[STOP_HASHES[pos] == hashes[maybe]]] = False
    return keep


def _buffer(texts: Sequence[str]) -> np.ndarray:
    """The texts joined by, and wrapped in, NUL bytes, as ASCII-lower-cased UTF-8 bytes."""
    joined = "\0" + "\0".join(texts) + "\0"
    if joined.count("\0") != len(texts) + 1:  # a text holds a NUL: neutralise it
        joined = "\0" + "\0".join(t.replace("\0", " ") for t in texts) + "\0"
    encoded = joined.encode("utf-8", "surrogatepass")
    return _LOWER[np.frombuffer(encoded, dtype=np.uint8)]


def _kept_tokens(
    texts: Sequence[str], buf: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(doc index, start offset in the buffer, length, hash, phrase number) of kept tokens.

    Phrases are the stretches between punctuation (and between texts); bigrams pair
    neighbouring kept tokens of the same phrase only.
    """
    buf = _buffer(texts) if buf is None else buf
    starts, lengths, hashes = _tokens(buf)
    keep = _kept(lengths, hashes)
    starts, lengths, hashes = starts[keep], lengths[keep], hashes[keep]
    bounds = np.searchsorted(starts, np.flatnonzero(buf == 0))
    doc = np.repeat(np.arange(bounds.size - 1), np.diff(bounds))
    phrase = np.searchsorted(np.flatnonzero(_BREAK[buf]), starts)
    return doc, starts, lengths, hashes, phrase


def _word_columns(hashes: np.ndarray, n_features: int) -> np.ndarray:
    """Words take the lower half of the feature space..."""
    return (hashes & np.uint64(n_features // 2 - 1)).astype(np.int64)


def _pair_columns(hashes: np.ndarray, n_features: int) -> np.ndarray:
    """...and word pairs the upper half, so ``is_word`` can tell them apart."""
    return (hashes & np.uint64(n_features // 2 - 1)).astype(np.int64) + n_features // 2


def is_word(features: np.ndarray, n_features: int = N_FEATURES) -> np.ndarray:
    """True for single-word features, False for word-pair features."""
    return np.asarray(features) < n_features // 2


def _chunk_csr(texts: Sequence[str], ngrams: int, n_features: int) -> sparse.csr_matrix:
    """The binary feature rows of some texts: each row's unigrams, then its bigrams."""
    doc, _, _, hashes, phrase = _kept_tokens(texts)
    n = len(texts)
    unigrams = np.bincount(doc, minlength=n)
    first = np.zeros(n, dtype=np.int64)
    np.cumsum(unigrams[:-1], out=first[1:])
    rank = np.arange(doc.size) - first[doc]
    same = np.flatnonzero(phrase[1:] == phrase[:-1]) if ngrams > 1 else np.zeros(0, np.int64)
    bigrams = np.bincount(doc[same], minlength=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(unigrams + bigrams, out=indptr[1:])
    cols = np.empty(indptr[-1], dtype=np.int32)
    cols[indptr[doc] + rank] = _word_columns(hashes, n_features)
    if same.size:
        d = doc[same]
        pair_rank = np.arange(same.size) - np.concatenate(([0], np.cumsum(bigrams)[:-1]))[d]
        pairs = _pair_hash(hashes[same], hashes[same + 1])
        cols[indptr[d] + unigrams[d] + pair_rank] = _pair_columns(pairs, n_features)
    data = np.ones(cols.size, dtype=np.float32)
    return sparse.csr_matrix((data, cols, indptr), shape=(n, n_features))


def hashed_matrix(
    texts: Sequence[str], *, ngrams: int = 1, n_features: int = N_FEATURES
) -> sparse.csr_matrix:
    """Binary CSR matrix (len(texts) × n_features): 1 where the text has the hashed term.

    ``ngrams`` is 1 (words) or 2 (words and neighbouring word pairs); ``n_features`` a power
    of two. Rows have sorted, distinct column indices.
    """
    if n_features & (n_features - 1) or ngrams not in (1, 2):
        raise ValueError("n_features must be a power of two and ngrams 1 or 2")
    parts = [
        _chunk_csr(texts[i : i + CHUNK_DOCS], ngrams, n_features)
        for i in range(0, len(texts), CHUNK_DOCS)
    ]
    matrix = sparse.vstack(parts, format="csr") if parts else _empty(n_features)
    matrix.sum_duplicates()  # sorts each row's columns and adds repeats
    matrix.data[:] = 1.0
    return matrix


def _empty(n_features: int) -> sparse.csr_matrix:
    return sparse.csr_matrix((0, n_features), dtype=np.float32)


def terms(text: str, *, ngrams: int = 2, n_features: int = N_FEATURES) -> dict[str, int]:
    """The distinct terms of one text (words, and "word word" pairs) → their feature index.

    Same tokens and hashes as ``hashed_matrix``; used to name the words a group shares.
    Words are shown lower-cased as written.
    """
    return terms_of_texts([text], ngrams=ngrams, n_features=n_features)[0]


def terms_of_texts(
    texts: Sequence[str], *, ngrams: int = 2, n_features: int = N_FEATURES
) -> list[dict[str, int]]:
    """``terms`` for several texts at once (one tokenising pass)."""
    doc, starts, lengths, hashes, phrase = _kept_tokens(texts)
    out: list[dict[str, int]] = [{} for _ in texts]
    if not hashes.size:
        return out
    buf = _buffer(texts).tobytes()
    words = [
        buf[s : s + n].decode("utf-8", "replace")
        for s, n in zip(starts.tolist(), lengths.tolist(), strict=True)
    ]
    docs = doc.tolist()
    for d, word, index in zip(docs, words, _word_columns(hashes, n_features).tolist(), strict=True):
        out[d].setdefault(word, index)
    if ngrams > 1:
        same = np.flatnonzero(phrase[1:] == phrase[:-1])
        pairs = _pair_columns(_pair_hash(hashes[same], hashes[same + 1]), n_features).tolist()
        for i, index in zip(same.tolist(), pairs, strict=True):
            out[docs[i]].setdefault(f"{words[i]} {words[i + 1]}", index)
    return out


def names_for(
    texts: Sequence[str],
    docs: np.ndarray,
    features: np.ndarray,
    *,
    ngrams: int = 2,
    n_features: int = N_FEATURES,
) -> list[str | None]:
    """The word or "word word" phrase of ``texts[docs[i]]`` that hashes to ``features[i]``.

    None where that text has no such term. One tokenising pass over ``texts``; only the
    requested terms are decoded, so naming a few terms of many texts stays cheap.
    """
    buf = _buffer(texts)
    doc, starts, lengths, hashes, phrase = _kept_tokens(texts, buf)
    token = np.arange(doc.size)
    same = np.flatnonzero(phrase[1:] == phrase[:-1]) if ngrams > 1 else token[:0]
    pair_columns = _pair_columns(_pair_hash(hashes[same], hashes[same + 1]), n_features)
    keys = np.concatenate(
        [
            doc * n_features + _word_columns(hashes, n_features),
            doc[same] * n_features + pair_columns,
        ]
    )
    left = np.concatenate([token, same])
    right = np.concatenate([np.full(doc.size, -1), same + 1])
    order = np.argsort(keys, kind="stable")  # first occurrence of a term in its text wins
    keys = keys[order]
    wanted = np.asarray(docs, dtype=np.int64) * n_features + np.asarray(features, dtype=np.int64)
    pos = np.searchsorted(keys, wanted).clip(max=max(keys.size - 1, 0))
    found = (keys[pos] == wanted) if keys.size else np.zeros(wanted.size, dtype=bool)
    raw = buf.tobytes()

    def word(i: int) -> str:
        return raw[starts[i] : starts[i] + lengths[i]].decode("utf-8", "replace")

    out: list[str | None] = []
    for ok, p in zip(found.tolist(), pos.tolist(), strict=True):
        if not ok:
            out.append(None)
            continue
        i, j = int(left[order[p]]), int(right[order[p]])
        out.append(word(i) if j < 0 else f"{word(i)} {word(j)}")
    return out
