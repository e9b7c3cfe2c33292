"""Issue 8, item 6: 50 users for 2 minutes against gunicorn + PostgreSQL (``make load``).

1. A scratch PostgreSQL database (--database-url, default casebook_load on the local
   server), made afresh: migrated, the demo centre (``seed_demo``) and the load's own 60
   learners (enrolled, ~3,600 problems of history) and 3 managers (``bench.load.seed``).
2. Production settings (debug off, manifest static files after collectstatic, no demo
   mode), served by gunicorn on a spare local port, with a Celery worker on Redis for the
   jobs a logged problem starts, as in docker-compose.yml.
3. locust, headless: ``bench/load/locustfile.py``, 50 users (47 learners, 3 managers).
4. gunicorn and the worker stopped, then every problem the users logged looked up: each must
   be in the database exactly once, under the id its redirect named, and every action they
   added must be there.

Prints p50/p95/p99 per request type and overall, requests/s and errors; exits 1 on any
failed request, missing or duplicated problem or missing action. Files in var/load/.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

from bench.load import seed
from bench.load.figures import figures

BASE = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
OUT = BASE / "var" / "load"
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/casebook_load"
BROKER_URL = "redis://127.0.0.1:6379/0"


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    run_id = time.strftime("%H%M%S")
    queue = f"casebook-load-{os.getpid()}"
    env = _server_environment(args, queue)
    started = time.monotonic()
    _database_create(args.database_url)
    seeded = _seed(env)
    print(f"Set up in {time.monotonic() - started:.0f} s: {seeded}", flush=True)
    port = _spare_port()
    gunicorn, worker = _gunicorn(args, port, env), _worker(env)
    try:
        _wait_until_up(port, gunicorn)
        _warm_up(port)
        since = _now_disconnected()
        print(
            f"gunicorn on 127.0.0.1:{port}: {args.workers} worker(s) x {args.threads} "
            f"thread(s); locust {args.users} users, +{args.spawn_rate}/s, {args.run_time}",
            flush=True,
        )
        machine = _Machine()
        _locust(args, port, run_id)
        machine.mark("locust")
    finally:
        _stop(gunicorn)
        _stop(worker)
    machine.mark("servers")  # the servers' CPU time is counted once they have exited
    backlog = _queue_drop(args.broker_url, queue)
    record = json.loads((OUT / "record.json").read_text())
    check = _check(record, run_id, since)
    whole = figures(record["requests"])
    steady = figures(record["requests"], since=args.users / args.spawn_rate + 10)
    _report(whole, steady, check, backlog, machine)
    _summary_write(args, seeded, whole, steady, check, backlog, machine)
    if not args.keep_db:
        _database_drop(args.database_url)
    failed = whole["overall"]["failures"] or check["actions_missing"]
    return 1 if failed or check["missing"] or check["duplicated"] or check["unrecorded"] else 0


class _Machine:
    """CPU seconds used while locust ran: by this run's child processes (locust; gunicorn with
    its workers and the Celery worker, counted once they exit) and by the PostgreSQL server
    (every database on it); and how busy the whole machine was, other people's work included."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}
        self.load_before = os.getloadavg()[0]
        self._children = _children_cpu()
        self._postgres = _postgres_cpu()
        self._busy, self._total = _machine_ticks()

    def mark(self, name: str) -> None:
        now = _children_cpu()
        self.cpu[name] = round(now - self._children, 1)
        self._children = now
        if name == "locust":
            self.cpu["postgres"] = round(_postgres_cpu() - self._postgres, 1)
            busy, total = _machine_ticks()
            self.busy = round(100 * (busy - self._busy) / max(1, total - self._total))
            self.load_after = os.getloadavg()[0]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _postgres_cpu() -> float:
    """The PostgreSQL server's processes, and (through the postmaster, which reaps them) the
    backends that have already exited."""
    ticks = 0
    processes = {}
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = path.read_text()
        except OSError:
            continue
        head, tail = text.rsplit(")", 1)
        processes[int(path.parent.name)] = (head.split("(", 1)[1], tail.split())
    for name, fields in processes.values():
        if name != "postgres":
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
        if processes.get(int(fields[1]), ("",))[0] != "postgres":  # the postmaster
            ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _machine_ticks() -> tuple[int, int]:
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--run-time", default="2m")
    # 2 cores shared with PostgreSQL, the worker and locust: see docs/benchmarks.md.
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--keep-alive", type=int, default=2, help="seconds (gthread only)")
    parser.add_argument("--database-url", default=DATABASE_URL, help="made afresh, then dropped")
    parser.add_argument("--keep-db", action="store_true", help="leave the database to inspect")
    parser.add_argument("--broker-url", default=BROKER_URL)
    return parser.parse_args(argv)


def _spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_environment(args: argparse.Namespace, queue: str) -> dict[str, str]:
    """Production settings on plain http: no TLS redirect or Secure cookies (locust talks
    http to 127.0.0.1), no demo mode, jobs through Redis on a queue of this run's own."""
    return {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DJANGO_DEBUG": "0",
        "CASEBOOK_DEMO": "0",
        "DJANGO_SECRET_KEY": "load-test-only-secret-key-not-for-any-deployment",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_HSTS_SECONDS": "0",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "CASEBOOK_PRIVATE_STORAGE": str(OUT / "private"),
        "CELERY_BROKER_URL": args.broker_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "LOG_LEVEL": "WARNING",
    }


def _database_create(url: str) -> None:
    _database_drop(url)
    server, name = url.rsplit("/", 1)
    _psql(server, f"CREATE DATABASE {name}")


def _database_drop(url: str) -> None:
    server, name = url.rsplit("/", 1)
    _psql(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _psql(server: str, sql: str) -> None:
    subprocess.run(["psql", f"{server}/postgres", "-qtAc", sql], check=True)  # noqa: S603,S607


def _seed(env: dict[str, str]) -> dict:
    """Migrate, seed the demo and the load's people, collect static files (in this process,
    in demo mode; the servers run without it)."""
    os.environ.update(env)
    os.environ.update({"CASEBOOK_DEMO": "1", "DJANGO_SETTINGS_MODULE": "config.settings"})
    import io

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    seeded = seed.load_people_seed()
    # A live database's tables have been vacuumed and analysed; without this, autovacuum
    # gets round to the freshly seeded ones during the run.
    with connections["default"].cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    call_command("collectstatic", interactive=False, verbosity=0)
    connections.close_all()
    return seeded


def _gunicorn(args: argparse.Namespace, port: int, env: dict) -> subprocess.Popen:
    command = [
        str(BIN / "gunicorn"),
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={args.workers}",
        f"--threads={args.threads}",
        f"--keep-alive={args.keep_alive}",
        "--worker-tmp-dir=/dev/shm",
        "--timeout=60",
        "--no-control-socket",  # its default path is shared with any other gunicorn here
        f"--access-logfile={OUT / 'access.log'}",
        f"--error-logfile={OUT / 'gunicorn.log'}",
    ]
    return subprocess.Popen(command, cwd=BASE, env=env)  # noqa: S603


def _worker(env: dict) -> subprocess.Popen:
    command = [str(BIN / "celery"), "-A", "config", "worker", "--concurrency=1"]
    command += ["--without-gossip", "--without-mingle", "--loglevel=WARNING"]
    with open(OUT / "worker.log", "w") as log:
        return subprocess.Popen(command, cwd=BASE, env=env, stdout=log, stderr=log)  # noqa: S603


def _wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}); see {OUT / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):  # noqa: S310
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def _warm_up(port: int, rounds: int = 20) -> None:
    """Each page once per round as a learner and a manager, not counted: every gunicorn
    process has loaded its URLs and templates, as on a server that has been up a while."""
    import requests

    from bench.load import scenario

    pages = {
        scenario.learner_username(seed.LEARNERS): [
            "/home/learner/",
            "/log/problems/",
            "/log/problems/?q=refund",
            "/log/problems/?status=new&sort=due",
            "/log/problems/new/",
        ],
        scenario.manager_username(seed.MANAGERS): [
            "/home/manager/",
            "/analysis/",
            "/log/problems/",
        ],
    }
    for username, paths in pages.items():
        with requests.Session() as browser:
            url = f"http://127.0.0.1:{port}"
            form = browser.get(f"{url}/accounts/login/", timeout=30).text
            browser.post(
                f"{url}/accounts/login/",
                data={
                    "csrfmiddlewaretoken": scenario.csrf_token(form),
                    "username": username,
                    "password": scenario.PASSWORD,
                },
                timeout=30,
            ).raise_for_status()
            problem = scenario.problem_ids(browser.get(f"{url}/log/problems/", timeout=30).text)[0]
            for _ in range(rounds):
                for path in [*paths, f"/log/problems/{problem}/"]:
                    browser.get(f"{url}{path}", timeout=30).raise_for_status()


def _now_disconnected():
    """Now (to find the actions added from here on), holding no database connection while
    the load runs."""
    from django.db import connection
    from django.utils import timezone

    connection.close()
    return timezone.now()


def _locust(args: argparse.Namespace, port: int, run_id: str) -> None:
    command = [
        str(BIN / "locust"),
        "-f",
        str(BASE / "bench" / "load" / "locustfile.py"),
        "--headless",
        f"--users={args.users}",
        f"--spawn-rate={args.spawn_rate}",
        f"--run-time={args.run_time}",
        f"--host=http://127.0.0.1:{port}",
        "--only-summary",
        # Users finish the task in hand when time is up, so no form is cut off mid-post.
        "--stop-timeout=30",
    ]
    command += [f"--run-id={run_id}", f"--record-path={OUT / 'record.json'}"]
    env = {**os.environ, "PYTHONPATH": str(BASE)}
    with open(OUT / "locust.log", "w") as log:
        subprocess.run(command, cwd=BASE, env=env, stdout=log, stderr=log, check=False)  # noqa: S603


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _queue_drop(url: str, queue: str) -> int:
    """Jobs the worker had not reached when stopped; the run's queue and kombu's records of
    its bindings are then deleted."""
    import redis

    client = redis.Redis.from_url(url)
    left = client.llen(queue)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    return left


def _check(record: dict, run_id: str, since) -> dict:
    """Every problem the users logged is in the database once, with the id its redirect
    named; nothing was logged that the users did not see succeed; every action is there."""
    from django.db.models import Count

    from complaints.models import Action, Problem

    rows = Problem.objects.filter(customer_ref__startswith=f"LOAD-{run_id}-")
    found = {row["customer_ref"]: row for row in rows.values("id", "customer_ref")}
    counts = Counter(rows.values_list("customer_ref", flat=True))
    recorded = {p["reference"]: p["id"] for p in record["problems"]}
    actions = Action.objects.filter(taken_by__username__startswith="load-learner-")
    actions_found = actions.filter(created_at__gte=since).aggregate(n=Count("id"))["n"]
    return {
        "logged": len(recorded),
        "found": sum(1 for ref, pk in recorded.items() if found.get(ref, {}).get("id") == pk),
        "missing": sorted(
            ref for ref, pk in recorded.items() if found.get(ref, {}).get("id") != pk
        ),
        "duplicated": sorted(ref for ref, n in counts.items() if n > 1),
        "unrecorded": sorted(set(found) - set(recorded)),
        "unanswered": record["unanswered"],
        "actions": len(record["actions"]),
        "actions_found": actions_found,
        "actions_missing": max(0, len(record["actions"]) - actions_found),
    }


def _report(whole: dict, steady: dict, check: dict, backlog: int, machine: _Machine) -> None:
    print(f"\n{'':<28} {'':>6} {'':>5} {'whole run':^20}  {'after ramp-up':^13}")
    print(
        f"{'request':<28} {'count':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6}"
        f"  {'p50':>6} {'p95':>6}  (ms)"
    )
    later = {row["name"]: row for row in [*steady["rows"], steady["overall"]]}
    for row in [*whole["rows"], whole["overall"]]:
        after = later.get(row["name"], {"p50": 0, "p95": 0})
        print(
            f"{row['name']:<28} {row['requests']:>6} {row['failures']:>5} {row['p50']:>6.0f} "
            f"{row['p95']:>6.0f} {row['p99']:>6.0f}  {after['p50']:>6.0f} {after['p95']:>6.0f}"
        )
    overall = whole["overall"]
    print(
        f"\n{overall['requests']} requests, {whole['per_second']}/s "
        f"({steady['per_second']}/s after ramp-up), {overall['failures']} failed"
    )
    for error, count in whole["errors"].most_common():
        print(f"  {count} x {error}")
    print(
        f"Problems logged {check['logged']}, found once each {check['found']}, missing "
        f"{len(check['missing'])}, duplicated {len(check['duplicated'])}, in the database "
        f"but not seen to succeed {len(check['unrecorded'])} (posts unanswered: "
        f"{len(check['unanswered'])})"
    )
    print(f"Actions added {check['actions']}, in the database {check['actions_found']}")
    for name in ("missing", "duplicated", "unrecorded"):
        if check[name]:
            print(f"  {name}: {', '.join(check[name][:20])}")
    print(f"Jobs left in the queue when the worker stopped: {backlog}")
    print(
        f"CPU seconds: locust {machine.cpu['locust']}, gunicorn and the Celery worker "
        f"{machine.cpu['servers']} (with start-up and warm-up), PostgreSQL "
        f"{machine.cpu['postgres']}; the machine ({os.cpu_count()} CPUs) was "
        f"{machine.busy}% busy during the run, load average "
        f"{machine.load_before:.2f} before, {machine.load_after:.2f} after"
    )


def _summary_write(args, seeded, whole, steady, check, backlog, machine: _Machine) -> None:
    summary = {
        "arguments": vars(args),
        "seeded": seeded,
        "whole_run": whole,
        "after_ramp_up": steady,
        "check": check,
        "queue_left": backlog,
        "cpu_seconds": machine.cpu,
        "machine_busy_percent": machine.busy,
        "load_average": [machine.load_before, machine.load_after],
    }
    (OUT / "summary.json").write_text(json.dumps(summary, indent=1, default=str))


if __name__ == "__main__":
    sys.exit(main())
