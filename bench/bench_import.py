"""Importing a 1,000,000-row CSV into PostgreSQL with `manage.py import_problems`: wall time
and peak memory of the command (targets: at most 90 s and under 500 MB on a 2-core machine).

Run: .venv/bin/python -m bench.bench_import [ROWS] [--with-analysis]

It writes a realistic company export (UK day-first dates with times, closed dates, products,
channels by label, the company's own categories, keyword descriptions, pseudonymous customer
references) to /tmp, recreates the database named by BENCH_IMPORT_DATABASE_URL (default
casebook_bench_import on the local server), and times the command in a child process (run
with call_command, as manage.py would): the whole flow, check and import, all or nothing.
Peak memory is that child's own maximum resident set size.

A finished import asks the analytics engine for a full pass of the centre's log
(CASEBOOK_PROBLEMS_IMPORTED_TASK). Deployed, that is a task for a Celery worker; here, with
no broker, Celery runs it eagerly inside the import command, which would add the analysis
of a million problems to the import's time and memory. So the child runs the command with
that hook off; `--with-analysis` leaves it on, to measure the two together.
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE_URL = os.environ.get(
    "BENCH_IMPORT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casebook_bench_import"
)
CSV_PATH = Path("/tmp/casebook_bench_import.csv")

PRODUCTS = [
    "Broadband", "Mobile contract", "Pay as you go", "Landline", "TV package", "Home energy",
    "Smart meter", "Boiler cover", "Home insurance", "Car insurance", "Current account",
    "Credit card", "Mortgage", "Savings", "Online shop order", "Click and collect",
    "Delivery", "Returns", "Gift card", "Loyalty scheme",
]  # fmt: skip
CHANNELS = ["Phone call", "E-mail", "Web chat", "In person", "Letter", "Twitter", "Website"]
CATEGORIES = [
    "Billing error", "Late delivery", "Faulty product", "Staff attitude", "Long wait",
    "System outage", "Policy complaint", "Price increase", "Missed appointment",
    "Wrong item", "Refund delay", "Other",
]  # fmt: skip
KEYWORDS = [
    "overcharged", "direct debit taken twice", "engineer did not arrive", "router faulty",
    "no signal", "bill estimated", "meter reading wrong", "parcel lost", "damaged on arrival",
    "refund not received", "on hold for an hour", "rude call handler", "promised call back",
    "website error at checkout", "app crashed", "price went up without notice",
    "contract ended early", "cancellation fee", "wrong size sent", "collection missed",
]  # fmt: skip
SEVERITIES = ["Low", "Medium", "Medium", "High", "Critical"]


def write_csv(rows: int, path: Path = CSV_PATH) -> int:
    """A company export of `rows` problems; returns its size in bytes."""
    rng = random.Random(7)
    start = datetime.datetime(2023, 1, 1, 8, 0)
    span_minutes = 3 * 365 * 24 * 60
    with open(path, "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["Case ID", "Date received", "Date closed", "Product", "Channel", "Category",
             "Details", "Customer ID", "Priority", "Status"]
        )  # fmt: skip
        for n in range(rows):
            received = start + datetime.timedelta(minutes=rng.randrange(span_minutes))
            closed = ""
            status = rng.choice(["Open", "In progress", "Awaiting customer"])
            if rng.random() < 0.7:
                finished = received + datetime.timedelta(hours=rng.randrange(1, 24 * 20))
                closed = finished.strftime("%d/%m/%Y %H:%M")
                status = rng.choice(["Resolved", "Closed"])
            details = "; ".join(rng.sample(KEYWORDS, rng.randrange(1, 4)))
            out.writerow(
                [
                    f"CS-{n + 1:08d}",
                    received.strftime("%d/%m/%Y %H:%M"),
                    closed,
                    rng.choice(PRODUCTS),
                    rng.choice(CHANNELS),
                    rng.choice(CATEGORIES),
                    details,
                    f"C-{rng.randrange(10**6):06d}",
                    rng.choice(SEVERITIES),
                    status,
                ]
            )
    return path.stat().st_size


def recreate_database() -> None:
    name = DATABASE_URL.rsplit("/", 1)[-1]
    server = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", server, "-qtAc", sql], check=True, capture_output=True)
    env = _env()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    setup = (
        "from accounts.models import Centre, Role, User\n"
        "from accounts.services import membership_grant\n"
        "centre = Centre.objects.create(slug='bench-import', name='Import benchmark')\n"
        "user = User.objects.create(username='bench-importer')\n"
        "membership_grant(user=user, centre=centre, role=Role.LEARNER)\n"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", setup], cwd=ROOT, env=env, check=True
    )


def _env() -> dict:
    return {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_DEBUG": "1",
        "LOG_LEVEL": "WARNING",
        "CASEBOOK_PRIVATE_STORAGE": "/tmp/casebook_bench_import_private",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def count_rows() -> dict:
    query = (
        "SELECT (SELECT count(*) FROM complaints_problem), "
        "(SELECT count(*) FROM complaints_historicalproblem), "
        "(SELECT count(DISTINCT import_row) FROM complaints_problem)"
    )
    out = subprocess.run(
        ["psql", DATABASE_URL, "-qtAc", query], check=True, capture_output=True, text=True
    ).stdout.strip()
    problems, history, distinct_rows = (int(v) for v in out.split("|"))
    return {"problems": problems, "history": history, "distinct_import_rows": distinct_rows}


# The child: manage.py import_problems, with the analysis hook off unless asked for.
CHILD = """
import sys
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
if sys.argv[1] != "with-analysis":
    settings.CASEBOOK_PROBLEMS_IMPORTED_TASK = ""
call_command(*sys.argv[2:])
"""


def _run_measured(command: list[str]) -> tuple[int, float, float, str, str]:
    """Run the command; its exit code, wall seconds, peak RSS in MB (this child's own, not
    the earlier migrate's), stdout and stderr."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, env=_env(), stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return child.returncode, wall, usage.ru_maxrss / 1024, out.read(), err.read()


def main() -> int:
    args = [a for a in sys.argv[1:] if a != "--with-analysis"]
    with_analysis = "--with-analysis" in sys.argv[1:]
    rows = int(args[0]) if args else 1_000_000
    began = time.perf_counter()
    size = write_csv(rows)
    print(f"wrote {rows:,} rows, {size / 1e6:.1f} MB, in {time.perf_counter() - began:.1f} s")
    recreate_database()
    command = [
        sys.executable, "-c", CHILD, "with-analysis" if with_analysis else "import-only",
        "import_problems", str(CSV_PATH),
        "--centre", "bench-import", "--learner", "bench-importer", "-v", "2",
    ]  # fmt: skip
    returncode, wall, peak_mb, stdout, stderr = _run_measured(command)
    print(stdout[-2000:], stderr[-2000:], sep="\n")
    results = {
        "rows": rows,
        "analysis_inline": with_analysis,
        "file_mb": round(size / 1e6, 1),
        "wall_seconds": round(wall, 1),
        "peak_rss_mb": round(peak_mb),
        "exit_code": returncode,
        **count_rows(),
        "targets": {"wall_seconds": 90, "peak_rss_mb": 500},
    }
    print(json.dumps(results))
    ok = returncode == 0 and wall <= 90 and peak_mb < 500 and results["problems"] == rows
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
