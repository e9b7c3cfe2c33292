"""10,000 problems into the API in batches, half the batches sent twice (issue 9's "done
when"): a client that loses the response to a batch sends it again, and the log must still
hold each problem once.

Against a running Casebook (API_BULK_URL and API_BULK_TOKEN, a write key of a centre with a
learner API_BULK_LEARNER), or by default its own: a scratch PostgreSQL database
(BENCH_API_DATABASE_URL, dropped and recreated), a centre, a learner and a write key, and
gunicorn serving it with production settings. Analysis jobs go to a Redis queue of this run's
own that no worker reads (as with a real worker busy elsewhere), removed at the end.

    make api-bulk                          # or: python -m bench.api_bulk
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
TOTAL = int(os.environ.get("API_BULK_PROBLEMS", "10000"))
BATCH = int(os.environ.get("API_BULK_BATCH", "200"))
DATABASE_URL = os.environ.get(
    "BENCH_API_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casebook_bench_api"
)
BROKER_URL = os.environ.get("BENCH_API_BROKER_URL", "redis://127.0.0.1:6379/0")


def problem(n: int, learner: str) -> dict:
    day, minute = divmod(n, 24 * 60)
    return {
        "learner": learner,
        "external_ref": f"BULK-{n:06d}",
        "received_at": f"2026-{1 + day % 9:02d}-{1 + day % 28:02d}T"
        f"{minute // 60:02d}:{minute % 60:02d}:00Z",
        "identified_by": ["customer", "learner", "colleague"][n % 3],
        "customer_kind": "external",
        "channel": ["phone", "email", "web", "in_person"][n % 4],
        "product": ["Broadband", "Mobile", "TV", "Landline", "Billing"][n % 5],
        "category": ["expectations_gap", "system_failure", "resource_or_error"][n % 3],
        "severity": ["low", "medium", "high"][n % 3],
        "description": f"Problem {n} reported by the company's system.",
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def own_server() -> tuple[str, str, str, subprocess.Popen, dict]:
    """A scratch database with a centre, learner and write key, served by gunicorn."""
    name = DATABASE_URL.rsplit("/", 1)[-1]
    base = DATABASE_URL.rsplit("/", 1)[0]
    for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", f"{base}/postgres", "-tAc", sql], check=True, capture_output=True)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-only-secret-key-api"),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_TASK_DEFAULT_QUEUE": f"bench-api-{uuid.uuid4().hex[:8]}",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    setup = (
        "from accounts.models import Centre, Role, User;"
        "from accounts.services import membership_grant, api_token_create;"
        "c = Centre.objects.create(name='Bulk centre', slug='bulk');"
        "learner = User.objects.create(username='bulk-learner');"
        "admin = User.objects.create(username='bulk-admin');"
        "membership_grant(user=learner, centre=c, role=Role.LEARNER);"
        "membership_grant(user=admin, centre=c, role=Role.CENTRE_ADMIN);"
        "print(api_token_create(centre=c, name='bulk', scope='write', by=admin)[1])"
    )
    key = subprocess.run(
        [*manage, "shell", "-c", setup], cwd=ROOT, env=env, check=True, capture_output=True,
        text=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            os.environ.get("API_BULK_WORKERS", "3"),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            requests.get(f"{url}/healthz", timeout=5)
            break
        except requests.RequestException:
            time.sleep(0.2)
    return url, key, "bulk-learner", server, env


def count_through_the_api(session: requests.Session, url: str) -> tuple[int, int, int]:
    """(problems, distinct references, requests), following the cursor pages."""
    refs: list[str] = []
    requests_made = 0
    page = f"{url}/api/v1/problems/?page_size=500&sort=reference"
    while page:
        response = session.get(page, timeout=60)
        response.raise_for_status()
        requests_made += 1
        body = response.json()
        refs += [p["external_ref"] for p in body["results"]]
        page = body["next"]
    return len(refs), len(set(refs)), requests_made


def main() -> int:
    server = env = None
    if os.environ.get("API_BULK_URL"):
        url, key = os.environ["API_BULK_URL"], os.environ["API_BULK_TOKEN"]
        learner = os.environ.get("API_BULK_LEARNER", "bulk-learner")
    else:
        url, key, learner, server, env = own_server()
    session = requests.Session()
    session.headers["Authorization"] = f"Token {key}"
    latencies, retries, created_first, created_again, existing_again = [], 0, 0, 0, 0
    started = time.perf_counter()
    try:
        for index, start in enumerate(range(0, TOTAL, BATCH)):
            body = {"problems": [problem(n, learner) for n in range(start, start + BATCH)]}
            sends = 2 if index % 2 else 1  # every other batch: the response "was lost"
            for attempt in range(sends):
                t0 = time.perf_counter()
                response = session.post(f"{url}/api/v1/problems/batch/", json=body, timeout=300)
                latencies.append(time.perf_counter() - t0)
                if response.status_code not in (200, 201):
                    print(response.status_code, response.text[:2000], file=sys.stderr)
                    return 1
                result = response.json()
                if attempt == 0:
                    created_first += result["created"]
                else:
                    retries += 1
                    created_again += result["created"]
                    existing_again += result["existing"]
        posting = time.perf_counter() - started
        counted, distinct, list_requests = count_through_the_api(session, url)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
            _drop_queue(env)
    batches = -(-TOTAL // BATCH)
    print(f"problems sent:         {TOTAL} in {batches} batches of {BATCH}")
    print(f"batches re-sent:       {retries} (created again: {created_again}, "
          f"found existing: {existing_again})")  # fmt: skip
    print(f"requests:              {batches + retries} batch posts + {list_requests} list pages")
    print(f"posting took:          {posting:.1f} s ({TOTAL / posting:.0f} problems/s)")
    print(f"batch latency:         median {statistics.median(latencies) * 1000:.0f} ms, "
          f"max {max(latencies) * 1000:.0f} ms")  # fmt: skip
    print(f"problems in the log:   {counted} ({distinct} distinct references, "
          f"{counted - distinct} duplicates)")  # fmt: skip
    ok = counted == distinct == TOTAL and created_first == TOTAL and created_again == 0
    print("OK: exactly", TOTAL if ok else "NOT", "problems")
    return 0 if ok else 1


def _drop_queue(env: dict | None) -> None:
    """Remove this run's analysis queue (nobody reads it) from Redis."""
    if not env:
        return
    import redis

    redis.Redis.from_url(env["CELERY_BROKER_URL"]).delete(env["CELERY_TASK_DEFAULT_QUEUE"])


if __name__ == "__main__":
    sys.exit(main())
