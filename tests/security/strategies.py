"""Hypothesis strategies for hostile form input: what a browser, a script or an attacker can
put in a field, and a whole submission built from a valid one by breaking some of it."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

NUL = "\x00"

# Texts known to break things somewhere: NUL (PostgreSQL refuses it in text), control and
# format characters, direction overrides, byte-order marks, lone combining marks, astral
# characters, very long graphemes, markup, SQL, path traversal, spreadsheet formulas,
# words that look like other types.
NASTY_TEXTS = [
    "",
    " ",
    NUL,
    f"a{NUL}b",
    f"{NUL}{NUL}",
    "\r\n",
    "\r",
    "\t",
    "\x0b\x0c",
    "\x1b[2J\x1b[31m",
    "\x7f\x80\x9f",
    "\u0085\u2028\u2029",
    "\u202e\u202d\u2066gnp.exe",
    "\ufeff",
    "\ufffe\uffff",
    "\u200b\u200c\u200d\u2060",
    "e\u0301\u0301\u0301\u0301",
    "\u0301",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "\U0010ffff",
    "𝕏𝕐ℤ",
    "ß" * 3,
    "İı",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}{% debug %}",
    "' OR 1=1 --",
    "%00",
    "%s%s%s%n",
    "../../../../etc/passwd",
    '=HYPERLINK("http://x","y")',
    "null",
    "None",
    "true",
    "[]",
    "{}",
    "NaN",
    "-0",
]
NUMBERS = [
    "-1",
    "0",
    "1",
    "5",
    "6",
    "100",
    "101",
    "2147483647",
    "2147483648",
    "9223372036854775808",
    "99999999999999999999999999",
    "1" * 5000,
    "1e309",
    "NaN",
    "inf",
    "-inf",
    "1.5",
    "3.0",
    "+3",
    " 3 ",
    "0x10",
    "٣",
    "²",
    "３",
    "1_000",
]
DATES = [
    "2024-02-30",
    "2023-02-29",
    "0000-00-00",
    "0001-01-01",
    "0001-01-01T00:00",
    "1900-01-01",
    "1970-01-01T00:00",
    "9999-12-31",
    "9999-12-31T23:59",
    "10000-01-01",
    "2024-13-01",
    "2024-00-10",
    "2024-06-01T25:00",
    "2024-06-01T12:60",
    "2024-03-31T01:30",  # does not exist in London (clocks go forward)
    "2024-10-27T01:30",  # happens twice in London (clocks go back)
    "31/12/2024",
    "12/31/2024",
    "2024-1-1",
    "today",
    "2024-06-01T12:00:00+14:00",
    "2024-06-01 12:00:00.999999999",
    "-2024-01-01",
]


def long_texts() -> st.SearchStrategy[str]:
    """Texts just over the usual limits, and some far over them."""
    return st.builds(
        lambda piece, n: (piece * n)[: n * 2],
        st.sampled_from(["a", "é", "𝕏", "<b>", NUL, " ", "\u202e", "=1+1"]),
        st.sampled_from([61, 101, 121, 201, 256, 301, 1001, 2001, 4001, 10_001, 100_001]),
    )


def hostile_texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NASTY_TEXTS),
        st.sampled_from(NUMBERS),
        st.sampled_from(DATES),
        st.text(max_size=40),  # any code point but surrogates, including Cc, Cf, Co, Cn
        st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Mn", "Co"]), max_size=20),
        st.builds(lambda a, b: f"{a}{NUL}{b}", st.text(max_size=8), st.text(max_size=8)),
        long_texts(),
    )


# Raw bytes in a urlencoded body that are not UTF-8 (Django decodes them with replacement).
RAW_BYTES = [b"\xff\xfe", b"\xc0\x80", b"\xed\xa0\x80", b"\x80", b"abc\xe2\x82"]


@dataclass(frozen=True)
class Value:
    """One value of a submitted field: text, or bytes that are not valid UTF-8."""

    raw: str | bytes

    def text(self) -> str:
        if isinstance(self.raw, bytes):
            return self.raw.decode("utf-8", errors="replace")
        return self.raw


def values() -> st.SearchStrategy[Value]:
    return st.one_of(
        hostile_texts().map(Value),
        st.sampled_from(RAW_BYTES).map(Value),
    )


# Names a mass-assignment attempt would try, and names no form expects.
EXTRA_NAMES = [
    "id",
    "pk",
    "learner",
    "centre",
    "status",
    "state",
    "uploaded_by",
    "created_by",
    "signed",
    "is_locked",
    "is_staff",
    "is_superuser",
    "number",
    "reference",
    "enrolment",
    "evidence",
    "__proto__",
    "constructor",
    "",
    "a" * 300,
    NUL,
    "name[]",
    "csrfmiddlewaretoken",
]


@dataclass(frozen=True)
class Submission:
    """The (name, value) pairs of a form post, in order; a name may repeat."""

    pairs: tuple[tuple[str, Value], ...]

    def value_of(self, name: str) -> str | None:
        """What Django's QueryDict.get gives the form: the last value of the name."""
        found = None
        for key, value in self.pairs:
            if key == name:
                found = value.text()
        return found

    def describe(self) -> str:
        return " & ".join(f"{k!r}={v.raw!r}"[:300] for k, v in self.pairs)


@st.composite
def submissions(
    draw,
    valid: dict[str, list[str]],
    *,
    choices: dict[str, list[str]] | None = None,
) -> Submission:
    """A valid submission with some of its fields broken: each field is kept, replaced by a
    hostile value (or, for a choice, another choice or a made-up one), left out, or sent
    twice; some extra names are added. ``choices`` lists other values worth trying per
    field (other objects' ids, every choice)."""
    choices = choices or {}
    pairs: list[tuple[str, Value]] = []
    for name, good in valid.items():
        how = draw(
            st.sampled_from(["keep", "keep", "hostile", "hostile", "other", "missing", "twice"])
        )
        if how == "keep":
            pairs += [(name, Value(v)) for v in good]
        elif how == "hostile":
            pairs.append((name, draw(values())))
        elif how == "other":
            pool = choices.get(name) or [*NUMBERS[:8], ""]
            pairs.append((name, Value(draw(st.sampled_from(pool)))))
        elif how == "twice":
            pairs += [(name, Value(v)) for v in good]
            pairs.append((name, draw(values())))
    if draw(st.booleans()):
        for extra in draw(st.lists(st.sampled_from(EXTRA_NAMES), max_size=3, unique=True)):
            if extra not in valid:
                pairs.append((extra, draw(values())))
    return Submission(tuple(pairs))
