"""The problem log page with 1,000,000 problems in PostgreSQL: server time per request,
filtered and unfiltered, and the number of queries (target: median ≤ 50 ms, p95 ≤ 150 ms,
a fixed number of queries).

Run: make bench (or .venv/bin/python -m bench.bench_log_page). The "server time" is the
whole Django request/response cycle measured in-process with the test client: URL routing,
middleware, session and user loading, the queries and template rendering.
"""

from __future__ import annotations

import json
import sys

from bench.common import ensure_million_problem_log, setup_django, timed


def main() -> int:
    setup_django()
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.urls import reverse

    data = ensure_million_problem_log()
    client = Client()
    results = {"rows": data["rows"]}
    url = reverse("complaints:problem-list")
    cases = {
        "manager, unfiltered": (data["manager"], {}),
        "manager, one category": (data["manager"], {"category": "system_failure"}),
        "manager, overdue": (data["manager"], {"overdue": "on"}),
        "manager, date range + channel": (
            data["manager"],
            {"received_from": "2025-01-01", "received_to": "2025-03-31", "channel": "email"},
        ),
        "manager, text search": (data["manager"], {"q": "meter readings"}),
        "manager, page 20": (data["manager"], {"page": "20"}),
        "learner, unfiltered": (data["learners"][0], {}),
        "learner, status resolved, sorted by due": (
            data["learners"][0],
            {"status": "resolved", "sort": "due"},
        ),
    }
    for name, (user, params) in cases.items():
        client.force_login(user)

        def get(params=params):
            response = client.get(url, params)
            assert response.status_code == 200, response.status_code

        settings.DEBUG = True
        reset_queries()
        get()
        queries = len(connection.queries)
        settings.DEBUG = False
        results[name] = {**timed(get, repeat=40), "queries": queries}
        print(f"{name:45s} {results[name]}", flush=True)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
