"""Shared set-up for benchmarks: a PostgreSQL database holding a million-problem log.

Benchmarks run against PostgreSQL (BENCH_DATABASE_URL, default the local server) because the
targets are stated for it. The log is generated once with the project's own generator and
loaded with COPY; later runs reuse it.
"""

from __future__ import annotations

import io
import os
import resource
import statistics
import subprocess
import time

BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casebook_bench"
)


def setup_django() -> None:
    """Point Django at the benchmark database (created if missing) and migrate it."""
    os.environ["DATABASE_URL"] = BENCH_DATABASE_URL
    # Production settings (debug off, manifest static files), as the targets are for a
    # deployed server; TLS redirects are off because the test client speaks plain http.
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key-not-for-deployment")
    os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "0"
    os.environ["DJANGO_SECURE_COOKIES"] = "0"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    name = BENCH_DATABASE_URL.rsplit("/", 1)[-1]
    base = BENCH_DATABASE_URL.rsplit("/", 1)[0]
    subprocess.run(
        ["psql", f"{base}/postgres", "-tAc", f"CREATE DATABASE {name}"],
        capture_output=True,
        check=False,
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


BENCH_LOG_DAYS = 1096


def bench_log_config(rows: int, n_learners: int = 20):
    """The generator settings of the benchmark log (3 years, no action timelines)."""
    import datetime

    from analytics.generator import GeneratorConfig

    return GeneratorConfig(
        start=datetime.date(2023, 11, 1),
        days=BENCH_LOG_DAYS,
        mean_per_day=rows / BENCH_LOG_DAYS,
        seed=1,
        n_learners=n_learners,
        with_actions=False,
    )


def ensure_million_problem_log(rows: int = 1_000_000, slug: str = "bench") -> dict:
    """A centre with `rows` generated problems over three years, spread over 20 learners."""
    import datetime

    from django.db import connection, transaction

    from accounts.models import Centre, Role, User
    from accounts.services import membership_grant
    from analytics.generator import generate_log
    from complaints.models import Problem

    centre, _ = Centre.objects.get_or_create(slug=slug, defaults={"name": "Benchmark centre"})
    learners = []
    for i in range(20):
        user, _ = User.objects.get_or_create(username=f"bench-learner-{i}")
        membership_grant(user=user, centre=centre, role=Role.LEARNER)
        learners.append(user)
    manager, _ = User.objects.get_or_create(username="bench-manager")
    membership_grant(user=manager, centre=centre, role=Role.MANAGER)
    have = Problem.objects.filter(centre=centre).count()
    if have >= rows:
        return {"centre": centre, "learners": learners, "manager": manager, "rows": have}
    Problem.objects.filter(centre=centre).delete()
    log = generate_log(bench_log_config(rows, n_learners=len(learners)))
    frame = log.problems.head(rows).copy()
    learner_ids = [u.pk for u in learners]
    frame["learner_id"] = [learner_ids[i] for i in frame["learner_index"]]
    frame["centre_id"] = centre.pk
    frame["number"] = range(1, len(frame) + 1)
    frame["first_response_due"] = frame["received_at"] + datetime.timedelta(hours=24)
    frame["resolution_due"] = frame["received_at"] + datetime.timedelta(hours=120)
    frame["acknowledged_at"] = frame["received_at"] + datetime.timedelta(hours=2)
    now = datetime.datetime.now(datetime.UTC)
    columns = {
        "centre_id": frame["centre_id"],
        "learner_id": frame["learner_id"],
        "number": frame["number"],
        "external_ref": "",
        "received_at": frame["received_at"],
        "identified_by": frame["identified_by"].astype(str),
        "customer_kind": frame["customer_kind"].astype(str),
        "customer_ref": frame["customer_ref"],
        "channel": frame["channel"].astype(str),
        "product": frame["product"].astype(str),
        "category": frame["category"].astype(str),
        "severity": frame["severity"].astype(str),
        "customer_expectation": frame["customer_expectation"],
        "description": frame["description"],
        "within_authority": frame["within_authority"],
        "exception_what": "",
        "exception_authorised_by": "",
        "root_cause_whys": "[]",
        "root_cause_category": frame["root_cause_category"].astype(str),
        "status": frame["status"].astype(str),
        "acknowledged_at": frame["acknowledged_at"],
        "resolved_at": frame["resolved_at"],
        "first_response_due": frame["first_response_due"],
        "resolution_due": frame["resolution_due"],
        "paused_seconds": 0,
        "personal_data_flags": "[]",
        "created_at": now,
        "updated_at": now,
    }
    import pandas as pd

    table = pd.DataFrame(columns)
    buffer = io.StringIO()
    table.to_csv(buffer, index=False, header=False, date_format="%Y-%m-%d %H:%M:%S%z")
    buffer.seek(0)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY complaints_problem ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, "
            "FORCE_NOT_NULL (external_ref, exception_what, exception_authorised_by, "
            "root_cause_category, customer_ref, customer_expectation))",
            buffer,
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE complaints_problem")
    return {"centre": centre, "learners": learners, "manager": manager, "rows": len(table)}


def timed(fn, *, repeat: int, warmup: int = 2) -> dict:
    """Median and 95th percentile of `repeat` calls, in milliseconds."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[max(0, int(0.95 * len(samples)) - 1)], 1),
        "n": len(samples),
    }


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
