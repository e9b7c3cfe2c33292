"""Which column holds which field, and what a cell's text means. Pure: no Django.

`guess_mapping` reads only the header row. The choice parsers accept what company systems
export: a choice by its stored value or its label in any case, and common synonyms
("e-mail", "Phone call", "P1"). Dates are read by importing/dates.py.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

# The fields a file can fill, in the order the mapping page lists them.
FIELDS = (
    "external_ref",
    "received_at",
    "resolved_at",
    "product",
    "channel",
    "category",
    "description",
    "identified_by",
    "customer_kind",
    "customer_ref",
    "severity",
    "status",
)
REQUIRED_FIELDS = ("received_at",)

FIELD_LABELS = {
    "external_ref": "Reference in the company's system",
    "received_at": "Date received",
    "resolved_at": "Date resolved or closed",
    "product": "Product or service",
    "channel": "Channel",
    "category": "Type of problem",
    "description": "What went wrong (description)",
    "identified_by": "Who identified the problem",
    "customer_kind": "Internal or external customer",
    "customer_ref": "Customer reference",
    "severity": "Severity",
    "status": "Status",
}

# What an unmapped field (or a blank cell) becomes. Shown on the mapping page and in
# `manage.py import_problems --help`.
FIELD_DEFAULTS = {
    "external_ref": "none (then a second import of the same file cannot be recognised)",
    "received_at": "required: every problem needs the date it was received",
    "resolved_at": "none",
    "product": "“Not stated”",
    "channel": "Other",
    "category": "Unclassified (or the centre's saved mapping of the file's value)",
    "description": "“Not described in the imported file.”",
    "identified_by": "The customer",
    "customer_kind": "External customer",
    "customer_ref": "none",
    "severity": "Medium",
    "status": "Resolved when there is a resolved date, otherwise New",
}
DEFAULT_PRODUCT = "Not stated"
DEFAULT_DESCRIPTION = "Not described in the imported file."

MAX_LENGTHS = {"external_ref": 100, "customer_ref": 60, "product": 120}


def normalise(text: str) -> str:
    """Case-folded, punctuation to spaces, whitespace collapsed: "Date_Received " and
    "date received" compare equal."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.casefold()).split())


def category_key(text: str) -> str:
    """How a category value is stored in CategoryMapping.source_value: folded and trimmed."""
    return " ".join(text.casefold().split())[:200]


# --- Guessing the mapping from the header row ---------------------------------------------

_HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "external_ref": (
        "complaint number", "complaint no", "complaint id", "complaint ref",
        "complaint reference", "case id", "case number", "case no", "case ref",
        "case reference", "ref", "ref no", "reference", "reference number", "external ref",
        "external reference", "ticket", "ticket id", "ticket number", "ticket no",
        "incident id", "incident number", "incident ref", "problem id", "issue id",
        "issue key", "record id", "id",
    ),
    "received_at": (
        "received date", "date received", "received", "received at", "received on",
        "date", "created", "created date", "created at", "created on", "date created",
        "creation date", "opened", "opened date", "open date", "date opened", "logged",
        "logged date", "date logged", "reported", "reported date", "date reported",
        "complaint date", "date of complaint", "submitted", "submitted date",
        "date submitted", "raised", "raised date", "date raised", "start date",
    ),
    "resolved_at": (
        "closed date", "date closed", "closed", "closed at", "closed on", "close date",
        "resolved", "resolved date", "date resolved", "resolved at", "resolved on",
        "resolution date", "date of resolution", "completed", "completed date",
        "completion date", "date completed", "end date",
    ),
    "product": (
        "coverage type", "product", "product name", "product type", "products", "service",
        "service type", "product or service", "line of business", "coverage", "plan",
        "plan type",
    ),
    "channel": (
        "channel", "contact channel", "source", "contact method", "method",
        "received via", "how received", "medium", "origin", "submitted via",
        "contact type",
    ),
    "category": (
        "complaint type", "category", "type", "problem type", "issue type",
        "complaint category", "reason", "complaint reason", "classification",
        "issue category", "case type", "problem category",
    ),
    "description": (
        "keywords", "details", "description", "summary", "complaint details", "issue",
        "problem", "notes", "comments", "complaint", "narrative", "issue description",
        "problem description", "complaint description", "complaint summary",
        "what happened", "subject",
    ),
    "identified_by": ("identified by", "who identified", "spotted by", "found by"),
    "customer_kind": (
        "customer kind", "customer type", "internal or external", "internal external",
    ),
    "customer_ref": (
        "customer ref", "customer reference", "customer id", "customer number",
        "customer no", "account", "account number", "account ref", "account id",
        "client id", "client ref", "client reference", "policy number", "member id",
    ),
    "severity": ("severity", "priority", "impact", "urgency", "seriousness"),
    "status": ("status", "state", "complaint status", "case status", "ticket status"),
}  # fmt: skip

_SYNONYM_FIELD = {
    synonym: name for name, synonyms in _HEADER_SYNONYMS.items() for synonym in synonyms
}


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Field → header for every header that is a known name for a field; each header and
    each field used at most once, the leftmost header winning."""
    mapping: dict[str, str] = {}
    for header in headers:
        name = _SYNONYM_FIELD.get(normalise(header))
        if name and name not in mapping:
            mapping[name] = header
    return {name: mapping[name] for name in FIELDS if name in mapping}


def mapping_problems(
    mapping: dict[str, str], headers: list[str], *, check_required: bool = True
) -> list[str]:
    """Why this mapping cannot be used, one sentence each; empty when it can."""
    problems = []
    for name, header in mapping.items():
        if name not in FIELDS:
            problems.append(f"“{name}” is not a field Casebook imports.")
        elif header not in headers:
            problems.append(f"The file has no column “{header}” (for {FIELD_LABELS[name]}).")
    for name in REQUIRED_FIELDS if check_required else ():
        if not mapping.get(name):
            problems.append(f"Choose the column that holds the {FIELD_LABELS[name].lower()}.")
    used = Counter(header for header in mapping.values() if header)
    for header, times in used.items():
        if times > 1:
            fields = [FIELD_LABELS.get(n, n) for n, h in mapping.items() if h == header]
            problems.append(
                f"The column “{header}” is chosen {times} times ({', '.join(fields)}): "
                "choose it for one field only."
            )
    return problems


# --- Choice values ------------------------------------------------------------------------

# Extra words for the model's choices, beyond each choice's own value and label.
CHOICE_SYNONYMS: dict[str, dict[str, str]] = {
    "channel": {
        "email": "email", "e mail": "email", "mail": "email",
        "telephone": "phone", "tel": "phone", "phone call": "phone", "call": "phone",
        "calls": "phone", "voice": "phone", "mobile": "phone",
        "face to face": "in_person", "f2f": "in_person", "walk in": "in_person",
        "in store": "in_person", "store": "in_person", "branch": "in_person",
        "counter": "in_person", "visit": "in_person",
        "website": "web", "online": "web", "chat": "web", "web chat": "web",
        "webchat": "web", "live chat": "web", "web form": "web", "portal": "web",
        "app": "web", "social": "social", "twitter": "social", "facebook": "social",
        "instagram": "social", "post": "letter", "postal": "letter", "written": "letter",
        "internal system": "internal", "system": "internal", "report": "internal",
    },
    "identified_by": {
        "client": "customer", "customer": "customer", "me": "learner", "myself": "learner",
        "self": "learner", "i": "learner", "colleague": "colleague", "staff": "colleague",
        "employee": "colleague", "team member": "colleague", "coworker": "colleague",
        "co worker": "colleague",
    },
    "customer_kind": {"ext": "external", "int": "internal", "colleague": "internal"},
    "severity": {
        "minor": "low", "moderate": "medium", "normal": "medium", "med": "medium",
        "major": "high", "urgent": "critical", "severe": "critical",
        "p1": "critical", "p2": "high", "p3": "medium", "p4": "low",
    },
    "status": {
        "open": "new", "received": "new", "logged": "new", "acknowledged": "acknowledged",
        "ack": "acknowledged", "working": "in_progress", "pending": "in_progress",
        "active": "in_progress", "on hold": "awaiting_customer",
        "waiting on customer": "awaiting_customer",
        "waiting for customer": "awaiting_customer",
        "pending customer": "awaiting_customer", "solved": "resolved", "fixed": "resolved",
        "done": "resolved", "complete": "closed", "completed": "closed",
        "re opened": "reopened",
    },
}  # fmt: skip


@dataclass(frozen=True)
class Choices:
    """One choice field's accepted words → stored value, and the labels to list in errors."""

    name: str
    lookup: dict[str, str]
    labels: tuple[str, ...]
    _seen: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    def parse(self, text: str) -> str | None:
        # An export repeats a handful of spellings a million times: remember each answer.
        try:
            return self._seen[text]
        except KeyError:
            value = self.lookup.get(normalise(text))
            if len(self._seen) < 10_000:
                self._seen[text] = value
            return value


def choices_for(name: str, choices: list[tuple[str, str]]) -> Choices:
    lookup = dict(CHOICE_SYNONYMS.get(name, {}))
    for value, label in choices:
        lookup[normalise(value)] = value
        lookup[normalise(label)] = value
    return Choices(name=name, lookup=lookup, labels=tuple(label for _, label in choices))
