"""PostgreSQL unavailable for a moment, twice, while an import runs and people use the site
(``make faults-postgres``).

Casebook (gunicorn with production settings, a Celery worker and beat) reaches PostgreSQL
through a TCP proxy (bench.faults.proxy). An import of a 100,000-row file is asked for; the
proxy is cut for 5 s while the worker checks the file, and again while it imports: every
connection is dropped and new ones are refused. Meanwhile a learner's pages are requested
over and over (their home page, the problem log, the imports, the import's page and the
progress bar its page polls).

The import must finish with every row once; every request must get an answer, and those
that found the database gone the 503 page saying so, never a 500. Exits 1 otherwise.

Run: .venv/bin/python -m bench.faults.database_cut
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.faults.harness import (
    BIN,
    ROOT,
    SERVER,
    Celery,
    Figures,
    Redis,
    centre_with_learner,
    database_create,
    database_drop,
    django_setup,
    environment,
    fresh,
    import_upload,
    log,
    output_dir,
    rows_of,
    wait_for,
    write_export,
)
from bench.faults.proxy import CuttableProxy

DATABASE = "casebook_faults_postgres"
PROXY_PORT = 6432
IMPORT_ROWS = 100_000
CUT_SECONDS = 5.0
SECRET_KEY = "faults-only-secret-key-not-for-any-deployment"  # noqa: S105
THE_503_PAGE = "Casebook can't reach its database just now"

CUT_COLUMNS = [
    "cut", "while", "connections dropped", "seconds", "job past that point s after",
    "web answering again s after",
]  # fmt: skip
WEB_COLUMNS = [
    "requests started", "requests", "200 / 302", "503 with the message", "500",
    "no answer", "other",
]  # fmt: skip
IMPORT_COLUMNS = [
    "job", "rows expected", "imported", "lost", "duplicated", "state", "attempts seen",
    "total s",
]  # fmt: skip


def main() -> int:
    out = output_dir("postgres")
    redis = Redis(out)
    database_create(DATABASE)
    proxy = CuttableProxy(PROXY_PORT, _target()).start()
    env = environment(
        database_url=f"postgres://postgres@127.0.0.1:{PROXY_PORT}/{DATABASE}",
        broker_url=redis.url,
        storage=out / "private",
    )
    env["DJANGO_SECRET_KEY"] = SECRET_KEY  # the sessions made here are gunicorn's too
    celery = Celery(env, out)
    figures = Figures("PostgreSQL unavailable for a moment (make faults-postgres)")
    web = gunicorn = None
    try:
        redis.start()
        django_setup(env)
        centre, learner = centre_with_learner("postgres")
        job = import_upload(
            write_export(out / "export.csv", IMPORT_ROWS, prefix="PG"), centre, learner
        )
        gunicorn, port = _gunicorn(env, out)
        celery.start_worker()
        celery.start_beat()
        web = Browsing(port, _session_cookie(learner), _pages(job))
        web.start()
        time.sleep(2)  # some requests before the first cut
        cuts = _import_with_cuts(job, learner, proxy, web, figures)
        time.sleep(2)  # and some after the import
        web.stop()
        _report_web(web, cuts, figures)
    finally:
        if web is not None:
            web.stop()
        celery.stop()
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
        redis.stop()
        from django.db import connections

        connections.close_all()
        proxy.stop()
        database_drop(DATABASE)
    return figures.print()


def _target() -> tuple[str, int]:
    """Where PostgreSQL listens (FAULTS_DATABASE_SERVER)."""
    from urllib.parse import urlsplit

    parts = urlsplit(SERVER)
    return parts.hostname or "127.0.0.1", parts.port or 5432


# --- The web server and someone using it ---------------------------------------------------------


def _gunicorn(env: dict[str, str], out) -> tuple[subprocess.Popen, int]:
    """gunicorn with production settings (debug off, manifest static files), through the
    proxy like everything else."""
    production = {
        **env,
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT, env=production, check=True,
    )  # fmt: skip
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with open(out / "gunicorn.log", "w") as output:
        server = subprocess.Popen(  # noqa: S603 - our own gunicorn, our own arguments
            [str(BIN / "gunicorn"), "config.wsgi:application", f"--bind=127.0.0.1:{port}",
             "--workers=2", "--threads=2", "--timeout=60", "--no-control-socket"],
            cwd=ROOT, env=production, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    import requests

    def answers() -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok
        except requests.RequestException:
            return False

    wait_for(answers, "gunicorn to answer", timeout=60)
    return server, port


def _session_cookie(user) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _pages(job) -> list[str]:
    from django.urls import reverse

    return [
        reverse("home-learner"),
        reverse("complaints:problem-list"),
        reverse("complaints:import-list"),
        job.get_absolute_url(),
        reverse("complaints:import-progress", args=[job.pk]),
    ]


@dataclass
class Request:
    started: float
    ended: float
    path: str
    status: int | None  # None: no answer (connection refused, timed out)
    says_503: bool = False


@dataclass
class Browsing:
    """A learner's browser, requesting their pages one after another until stopped."""

    port: int
    session: str
    pages: list[str]
    log: list[Request] = field(default_factory=list)

    def start(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._browse, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if hasattr(self, "_stop"):
            self._stop.set()
            self._thread.join(timeout=30)

    def _browse(self) -> None:
        import requests

        browser = requests.Session()
        browser.cookies.set("sessionid", self.session)
        n = 0
        while not self._stop.is_set():
            path = self.pages[n % len(self.pages)]
            n += 1
            started = time.monotonic()
            try:
                answer = browser.get(f"http://127.0.0.1:{self.port}{path}", timeout=15)
                status, text = answer.status_code, answer.text
            except requests.RequestException:
                status, text = None, ""
            self.log.append(Request(started, time.monotonic(), path, status, THE_503_PAGE in text))
            time.sleep(0.05)


# --- The import and the cuts ---------------------------------------------------------------------


@dataclass
class Cut:
    while_: str
    dropped: int
    began: float
    ended: float
    job_recovery: float = 0.0


def _import_with_cuts(job, learner, proxy, web, figures: Figures) -> list[Cut]:
    from complaints.importing.checking import CHUNK_ROWS
    from complaints.importing.services import import_job_check, import_job_start
    from complaints.models import ImportJob

    began = time.monotonic()
    job = import_job_check(job=job, by=learner)
    cuts = [_cut(proxy, job.pk, "check", CHUNK_ROWS)]
    wait_for(lambda: fresh(ImportJob, job.pk).state == "validated", "the check", timeout=600)
    job = import_job_start(job=fresh(ImportJob, job.pk), by=learner)
    cuts.append(_cut(proxy, job.pk, "import", 2 * CHUNK_ROWS))
    wait_for(lambda: not fresh(ImportJob, job.pk).is_active, "the import", timeout=600)
    total = time.monotonic() - began

    job = fresh(ImportJob, job.pk)
    count = rows_of(job.pk, IMPORT_ROWS)
    log(f"import {job.pk}: {job.get_state_display()}, {count}")
    attempts = _attempts_seen()
    figures.table("The import", IMPORT_COLUMNS).add(
        f"import of {IMPORT_ROWS:,} rows",
        IMPORT_ROWS,
        count.distinct_rows,
        count.lost,
        count.duplicated,
        job.state,
        attempts,
        total,
    )
    if job.state != ImportJob.State.DONE:
        figures.fail(f"the import ended {job.state}: {job.error}")
    if count.lost or count.duplicated:
        figures.fail(f"the import lost {count.lost} and duplicated {count.duplicated} rows")
    return cuts


def _cut(proxy: CuttableProxy, job_id: int, phase: str, rows: int) -> Cut:
    """Once the job's `phase` has passed `rows` rows, cut PostgreSQL off for CUT_SECONDS;
    then time how long the job takes to get past where it was."""
    from complaints.models import ImportJob

    importing = phase == "import"

    def reached() -> bool:
        job = fresh(ImportJob, job_id)
        started = job.started_at is not None
        return job.state == "running" and started == importing and job.processed_rows >= rows

    wait_for(reached, f"the {phase} to pass row {rows:,}", timeout=600)
    at = fresh(ImportJob, job_id).processed_rows
    began = time.monotonic()
    dropped = proxy.cut()
    log(f"PostgreSQL cut during the {phase}, after row {at:,}: {dropped} connections dropped")
    time.sleep(CUT_SECONDS)
    proxy.resume()
    ended = time.monotonic()
    log(f"PostgreSQL back after {ended - began:.1f} s")
    cut = Cut(f"{phase}, after row {at:,}", dropped, began, ended)

    def past() -> bool:
        job = fresh(ImportJob, job_id)
        if importing:
            return job.processed_rows > at or job.state == "done"
        return job.state == "validated" or (job.state == "running" and job.processed_rows > at)

    cut.job_recovery = wait_for(past, f"the {phase} to get past row {at:,}", timeout=600)
    log(f"  the {phase} got past row {at:,} {cut.job_recovery:.1f} s after PostgreSQL was back")
    return cut


def _attempts_seen() -> str:
    """How often the worker's log shows a task retried after the database went away."""
    log_text = (ROOT / "var" / "faults" / "postgres" / "worker.log").read_text()
    retries = log_text.count("Retry in")
    return f"{retries} retries"


# --- What the learner saw -------------------------------------------------------------------------


def _report_web(web: Browsing, cuts: list[Cut], figures: Figures) -> None:
    def window(request: Request) -> str:
        for n, cut in enumerate(cuts, start=1):
            if cut.began <= request.started < cut.ended:
                return f"during cut {n}"
        return "database up"

    by_window: dict[str, list[Request]] = {}
    for request in web.log:
        by_window.setdefault(window(request), []).append(request)
    table = figures.table("What the learner's browser got", WEB_COLUMNS)
    for name in ["database up", *(f"during cut {n}" for n in range(1, len(cuts) + 1))]:
        requests = by_window.get(name, [])
        kinds = Counter(_kind(r) for r in requests)
        table.add(
            name,
            len(requests),
            kinds["ok"],
            kinds["503"],
            kinds["500"],
            kinds["none"],
            kinds["other"],
        )
    cut_table = figures.table("The cuts", CUT_COLUMNS)
    for n, cut in enumerate(cuts, start=1):
        answered = [
            r.started - cut.ended for r in web.log if r.started >= cut.ended and _kind(r) == "ok"
        ]
        cut_table.add(
            n,
            cut.while_,
            cut.dropped,
            cut.ended - cut.began,
            cut.job_recovery,
            min(answered) if answered else "never",
        )
    every = Counter(_kind(r) for r in web.log)
    log(f"web requests: {dict(every)}")
    unexpected = Counter((r.path, r.status) for r in web.log if _kind(r) not in ("ok", "503"))
    if unexpected:
        log(f"unexpected answers (page, status): {dict(unexpected)}")
    if every["500"] or every["none"] or every["other"]:
        figures.fail(
            f"web requests got {every['500']} 500s, {every['none']} no answer, "
            f"{every['other']} something else"
        )
    if not every["503"]:
        figures.fail("no request met the cut database: the cuts tested nothing")


def _kind(request: Request) -> str:
    if request.status is None:
        return "none"
    if request.status in (200, 302):
        return "ok"
    if request.status == 503 and request.says_503:
        return "503"
    if request.status >= 500:
        return "500"
    return "other"


if __name__ == "__main__":
    raise SystemExit(main())
