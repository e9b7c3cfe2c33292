"""The canonical serialisation that signatures hash. Pure: no Django imports.

Format, version 1. Every value is wrapped with its type, so that "1" and 1, or a date and
the string spelling it, can never serialise alike:

    null      {"t": "null"}
    bool      {"t": "bool", "v": true}
    int       {"t": "int", "v": 3}
    str       {"t": "str", "v": "..."}        (exactly as stored: no trimming, no normalising)
    date      {"t": "date", "v": "2026-03-02"}
    datetime  {"t": "datetime", "v": "2026-03-02T09:15:00.000000+00:00"}   (always in UTC)
    list      {"t": "list", "v": [...]}       (in the order given: callers sort, see below)
    dict      {"t": "dict", "v": {...}}       (string keys)

The result is dumped as JSON with sorted keys, no whitespace (`,` and `:` separators),
non-ASCII kept as UTF-8, and hashed with SHA-256 over those UTF-8 bytes. Sets (mappings,
linked problems, attachments) are given as lists sorted by a stable key by the caller, so
that database order never changes a hash. Floats are refused: nothing signed needs them and
their text is not canonical.
"""

from __future__ import annotations

import datetime
import hashlib
import json

VERSION = 1


def typed(value):
    """The value with every part wrapped in its explicit type."""
    if value is None:
        return {"t": "null"}
    if isinstance(value, bool):
        return {"t": "bool", "v": value}
    if isinstance(value, int):
        return {"t": "int", "v": value}
    if isinstance(value, str):
        return {"t": "str", "v": value}
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not canonical: give an aware one")
        utc = value.astimezone(datetime.UTC)
        return {"t": "datetime", "v": utc.isoformat(timespec="microseconds")}
    if isinstance(value, datetime.date):
        return {"t": "date", "v": value.isoformat()}
    if isinstance(value, list | tuple):
        return {"t": "list", "v": [typed(v) for v in value]}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise ValueError("canonical dict keys must be strings")
        return {"t": "dict", "v": {k: typed(v) for k, v in value.items()}}
    raise TypeError(f"{type(value).__name__} has no canonical form")


def dumps(value) -> str:
    """The canonical JSON text of a value."""
    return json.dumps(typed(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
