"""Spotting personal data typed into free text. Pure: no Django.

Casebook refers to customers by a pseudonymous reference. When a learner types something
that looks like personal data (an e-mail address, a phone number, a postcode, a card or
account number, a titled name) into a free-text field, it is flagged on the problem page and
redacted wherever the text leaves Casebook (exports, the portfolio PDF).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # Starting only where a run of address characters starts: tried at every position of a
    # long word, the search took time growing with the square of its length (a 100,000-
    # letter word, 17 s). The matches are the same: a match always starts at its run's start.
    ("e-mail address", re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    # Digits first and last, so the span never swallows the space after the number.
    ("card or account number", re.compile(r"\b\d(?:[ -]?\d){11,18}\b")),
    (
        "phone number",
        re.compile(r"(?<![\w-])(?:\+44\s?|0)(?:\d[\s-]?){8,9}\d(?![\w-])"),
    ),
    (
        "postcode",
        re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b", re.IGNORECASE),
    ),
    (
        "name with a title",
        re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Mx)\.?\s+[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?"),
    ),
]

REDACTED = "[redacted]"

# One search for "could any pattern match?": most text holds no personal data, and this is
# several times faster than finding each kind. The kinds are then named by
# find_personal_data, so the two cannot disagree.
_SCREEN = re.compile(
    "|".join(
        f"(?i:{pattern.pattern})" if pattern.flags & re.IGNORECASE else f"(?:{pattern.pattern})"
        for _, pattern in _PATTERNS
    )
)


def may_contain_personal_data(text: str) -> bool:
    """A fast first screen: False means find_personal_data would find nothing."""
    return bool(text) and _SCREEN.search(text) is not None


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int


def find_personal_data(text: str) -> list[Finding]:
    """Every span that looks like personal data, earliest first, overlaps merged."""
    spans: list[Finding] = []
    for kind, pattern in _PATTERNS:
        spans.extend(Finding(kind, m.start(), m.end()) for m in pattern.finditer(text or ""))
    spans.sort(key=lambda f: (f.start, -f.end))
    merged: list[Finding] = []
    for finding in spans:
        if merged and finding.start < merged[-1].end:
            continue
        merged.append(finding)
    return merged


def redact(text: str) -> str:
    """The text with every flagged span replaced by [redacted]."""
    findings = find_personal_data(text)
    if not findings:
        return text
    out, position = [], 0
    for finding in findings:
        out.append(text[position : finding.start])
        out.append(REDACTED)
        position = finding.end
    out.append(text[position:])
    return "".join(out)


def flags_for(fields: dict[str, str]) -> list[dict[str, str]]:
    """Flags for a record's free-text fields: [{"field": ..., "kind": ...}], one per kind."""
    flags = []
    for field, text in fields.items():
        kinds = dict.fromkeys(f.kind for f in find_personal_data(text))
        flags.extend({"field": field, "kind": kind} for kind in kinds)
    return flags


class Redacted:
    """An object read through with the named free-text fields redacted (strings, and lists
    of strings such as the five whys); every other attribute passes through unchanged.

    Names and roles are not in the list on purpose: "Dr Ann Shaw" the assessor is not a
    customer's personal data, but would match the titled-name pattern."""

    def __init__(self, obj: object, fields: frozenset[str] | set[str] | tuple[str, ...]):
        self.wrapped = obj
        self._fields = frozenset(fields)

    def __getattr__(self, name: str):
        value = getattr(self.wrapped, name)
        if name not in self._fields:
            return value
        if isinstance(value, str):
            return redact(value)
        if isinstance(value, list):
            return [redact(v) if isinstance(v, str) else v for v in value]
        return value

    def __repr__(self) -> str:
        return f"Redacted({self.wrapped!r})"
