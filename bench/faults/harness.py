"""What the fault scripts share: a scratch PostgreSQL database, a redis-server of their own, a
Celery worker and beat they can kill, the file to import, and the counts and table of figures.

Nothing here touches the machine's own Redis (6379) or stops its PostgreSQL: the Redis that
gets restarted is started here, on FAULTS_REDIS_PORT, and a PostgreSQL outage is a proxy cut
(bench.faults.proxy), not the server going down.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SERVER = os.environ.get("FAULTS_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
REDIS_PORT = int(os.environ.get("FAULTS_REDIS_PORT", "6390"))
# Short enough to watch: a job silent for 15 s is sent again, swept every 5 s (deployed: 300
# and 60). The figures' "time to recover" after a whole worker is killed depends on these.
STALE_SECONDS = 15
SWEEP_SECONDS = 5


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- The database ------------------------------------------------------------------------------


def psql(url: str, sql: str) -> str:
    done = subprocess.run(
        ["psql", url, "-qtAc", sql], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return done.stdout.strip()


def database_create(name: str) -> str:
    """A fresh, empty database on the server; its URL."""
    database_drop(name)
    psql(f"{SERVER}/postgres", f"CREATE DATABASE {name}")
    return f"{SERVER}/{name}"


def database_drop(name: str) -> None:
    psql(
        f"{SERVER}/postgres",
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",  # noqa: S608 - our own scratch database's name
    )
    psql(f"{SERVER}/postgres", f"DROP DATABASE IF EXISTS {name}")


# --- Redis -------------------------------------------------------------------------------------


class Redis:
    """A redis-server of this script's own that keeps nothing on disk, as the machine's does:
    a restart forgets every queued message."""

    def __init__(self, out: Path, port: int = REDIS_PORT) -> None:
        self.port, self.out = port, out
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self) -> None:
        if self.ping():
            raise SystemExit(f"Something already answers on port {self.port}: not ours to use.")
        subprocess.run(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "yes", "--dir", str(self.out),
             "--pidfile", str(self.out / "redis.pid"), "--logfile", str(self.out / "redis.log")],
            check=True,
        )  # fmt: skip
        wait_for(self.ping, "redis-server to answer", timeout=10)

    def stop(self) -> None:
        if self.ping():
            self._cli("shutdown", "nosave")
            wait_for(lambda: not self.ping(), "redis-server to stop", timeout=10)

    def ping(self) -> bool:
        try:
            return self._cli("ping") == "PONG"
        except subprocess.CalledProcessError:
            return False

    def queued(self, queue: str = "celery") -> int:
        return int(self._cli("llen", queue) or 0)

    def _cli(self, *args: str) -> str:
        done = subprocess.run(
            ["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True, check=True
        )
        if "Could not connect" in done.stdout + done.stderr:
            raise subprocess.CalledProcessError(1, "redis-cli")
        return done.stdout.strip()


# --- Celery ------------------------------------------------------------------------------------


class Celery:
    """A worker (prefork, two processes, as deployed) and beat, each in a process group of its
    own so that a kill reaches the whole worker."""

    def __init__(self, env: dict[str, str], out: Path) -> None:
        self.env, self.out = env, out
        self.worker: subprocess.Popen | None = None
        self.beat: subprocess.Popen | None = None
        self.workers_started = 0

    def start_worker(self) -> None:
        self.workers_started += 1
        self.worker = self._spawn(
            ["worker", "--concurrency=2", "--without-gossip", "--without-mingle",
             "-l", "info", "-n", f"faults{self.workers_started}@%h"],
            "worker.log",
        )  # fmt: skip

    def start_beat(self) -> None:
        schedule = self.out / "celerybeat-schedule"
        for old in self.out.glob("celerybeat-schedule*"):
            old.unlink()
        self.beat = self._spawn(["beat", "-l", "info", "--schedule", str(schedule)], "beat.log")

    def pool_pids(self) -> list[int]:
        """The worker's pool processes (the ones that run the tasks)."""
        done = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.worker.pid)], capture_output=True, text=True
        )
        return [int(pid) for pid in done.stdout.split()]

    def kill_worker(self) -> None:
        """SIGKILL the whole worker: the main process and its pool, mid-task."""
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(timeout=10)
        self.worker = None

    def kill_pool(self) -> int:
        """SIGKILL the worker's pool processes (the main process sees them die and starts new
        ones); how many were killed."""
        pids = self.pool_pids()
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        return len(pids)

    def stop(self) -> None:
        for name in ("beat", "worker"):
            process = getattr(self, name)
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
            setattr(self, name, None)

    def _spawn(self, args: list[str], logname: str) -> subprocess.Popen:
        with open(self.out / logname, "a") as output:
            return subprocess.Popen(  # noqa: S603 - our own celery, our own arguments
                [str(BIN / "celery"), "-A", "config", *args],
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )


# --- Set-up --------------------------------------------------------------------------------------


def environment(*, database_url: str, broker_url: str, storage: Path) -> dict[str, str]:
    """What the scripts, the worker, beat (and a web server) run with."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "CASEBOOK_PRIVATE_STORAGE": str(storage),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "1",
        "LOG_LEVEL": "INFO",
        "CASEBOOK_JOB_STALE_SECONDS": str(STALE_SECONDS),
        "CASEBOOK_JOB_SWEEP_SECONDS": str(SWEEP_SECONDS),
    }


def output_dir(name: str) -> Path:
    out = ROOT / "var" / "faults" / name
    shutil.rmtree(out, ignore_errors=True)
    (out / "private").mkdir(parents=True)
    return out


def django_setup(env: dict[str, str]) -> None:
    """This process becomes a Casebook process on the scratch database (migrated)."""
    os.environ.update(env)
    os.environ.update({"LOG_LEVEL": "WARNING"})
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def manage(env: dict[str, str], *args: str) -> str:
    """A management command in a child process (jobs in-process: no broker)."""
    child = {k: v for k, v in env.items() if k != "CELERY_BROKER_URL"}
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=child, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def centre_with_learner(slug: str):
    """A centre with one learner, who imports into their own log."""
    from accounts.models import Centre, Role, User
    from accounts.services import membership_grant

    centre = Centre.objects.create(slug=slug, name=f"Faults {slug}")
    learner = User.objects.create(username=f"{slug}-learner", first_name="Faye")
    membership_grant(user=learner, centre=centre, role=Role.LEARNER)
    return centre, learner


# --- The company export to import --------------------------------------------------------------


def write_export(path: Path, rows: int, *, prefix: str, seed: int = 7) -> Path:
    """A company system's export of `rows` problems (the import benchmark's shape): UK dates
    with times, closed dates, products, channels, the company's categories, keywords. Case
    references start with `prefix`, so several files can go into one log."""
    from bench.bench_import import CATEGORIES, CHANNELS, KEYWORDS, PRODUCTS, SEVERITIES

    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["Case ID", "Date received", "Date closed", "Product", "Channel",
                      "Category", "Details", "Priority"])  # fmt: skip
        for n in range(rows):
            day, minute = rng.randrange(3 * 336), rng.randrange(24 * 60)  # 2023 to 2025
            received = f"{1 + day % 28:02d}/{1 + day // 28 % 12:02d}/{2023 + day // 336} "
            received += f"{minute // 60:02d}:{minute % 60:02d}"
            out.writerow(
                [f"{prefix}-{n + 1:08d}", received, "", rng.choice(PRODUCTS),
                 rng.choice(CHANNELS), rng.choice(CATEGORIES),
                 "; ".join(rng.sample(KEYWORDS, 2)), rng.choice(SEVERITIES)]
            )  # fmt: skip
    return path


def import_upload(path: Path, centre, learner):
    """Upload a file as the learner would, with the guessed mapping (nothing checked yet)."""
    from django.core.files import File

    from complaints.importing.services import import_job_configure, import_job_create

    with path.open("rb") as handle:
        job = import_job_create(
            centre=centre, uploaded_by=learner, learner=learner, upload=File(handle, path.name)
        )
    return import_job_configure(job=job, by=learner, mapping=job.mapping, date_format="dmy")


@dataclass
class RowCount:
    """One import's rows, as they are in the log."""

    expected: int
    problems: int = 0
    distinct_rows: int = 0
    distinct_refs: int = 0
    history: int = 0

    @property
    def lost(self) -> int:
        return self.expected - self.distinct_rows

    @property
    def duplicated(self) -> int:
        return (self.problems - self.distinct_rows) + (self.history - self.problems)


def rows_of(job_id: int, expected: int) -> RowCount:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT import_row), count(DISTINCT external_ref) "
            "FROM complaints_problem WHERE import_job_id = %s",
            [job_id],
        )
        problems, distinct_rows, refs = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM complaints_historicalproblem "
            "WHERE import_job_id = %s AND history_type = '+'",
            [job_id],
        )
        (history,) = cursor.fetchone()
    return RowCount(expected, problems, distinct_rows, refs, history)


# --- Waiting, and the database going away meanwhile ----------------------------------------------


def wait_for(predicate: Callable[[], bool], what: str, *, timeout: float = 300) -> float:
    """Poll until `predicate` holds; the seconds it took. A database that is away while
    polling counts as not yet."""
    started = time.monotonic()
    while True:
        if _holds(predicate):
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)


def _holds(predicate: Callable[[], bool]) -> bool:
    try:
        return bool(predicate())
    except Exception as exc:  # the database away during a cut: not yet
        from django.db import InterfaceError, OperationalError, connection

        if not isinstance(exc, OperationalError | InterfaceError):
            raise
        connection.close()
        return False


def fresh(model, pk: int):
    return model.objects.get(pk=pk)


# --- The table of figures ----------------------------------------------------------------------


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)

    def add(self, *values) -> None:
        self.rows.append(list(values))


@dataclass
class Figures:
    """The tables each script prints, and whether everything was kept."""

    title: str
    tables: list[Table] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def table(self, title: str, columns: list[str]) -> Table:
        self.tables.append(Table(title, columns))
        return self.tables[-1]

    def fail(self, problem: str) -> None:
        self.problems.append(problem)
        log(f"FAILED: {problem}")

    def print(self) -> int:
        print(f"\n## {self.title}")
        for table in self.tables:
            print(f"\n{table.title}\n")
            print("| " + " | ".join(table.columns) + " |")
            print(
                "|" + "|".join("---" if i == 0 else "---:" for i in range(len(table.columns))) + "|"
            )
            for row in table.rows:
                print("| " + " | ".join(_cell(v) for v in row) + " |")
        print()
        if self.problems:
            print("NOT KEPT:\n" + "\n".join(f"- {p}" for p in self.problems))
            return 1
        print("Everything kept: nothing lost, nothing duplicated, every job finished.")
        return 0


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
