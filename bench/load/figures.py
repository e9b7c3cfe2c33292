"""The load run's figures from locust's record of every request: count, failures and the
50th/95th/99th percentiles (nearest rank, in milliseconds) per request type and overall."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

# One request as the locustfile records it: (seconds into the run, name, ms, error or None).
Sample = tuple[float, str, float, str | None]


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile of `values` (q in 0..1): a time some request took."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def figures(samples: list[Sample], *, since: float = 0.0) -> dict:
    """Per request name and overall: requests, failures, p50, p95, p99 (ms), for the requests
    started `since` seconds or more into the run; and requests per second over that time."""
    chosen = [s for s in samples if s[0] >= since]
    by_name: dict[str, list[Sample]] = defaultdict(list)
    for sample in chosen:
        by_name[sample[1]].append(sample)
    span = max((s[0] + s[2] / 1000 for s in chosen), default=since) - since
    return {
        "rows": [_row(name, rows) for name, rows in sorted(by_name.items())],
        "overall": _row("overall", chosen),
        "per_second": round(len(chosen) / span, 1) if span > 0 else 0.0,
        "errors": Counter(f"{s[1]}: {s[3]}" for s in chosen if s[3] is not None),
    }


def _row(name: str, rows: list[Sample]) -> dict:
    times = [s[2] for s in rows]
    return {
        "name": name,
        "requests": len(rows),
        "failures": sum(1 for s in rows if s[3] is not None),
        **{f"p{int(q * 100)}": percentile(times, q) if times else 0.0 for q in (0.5, 0.95, 0.99)},
    }
