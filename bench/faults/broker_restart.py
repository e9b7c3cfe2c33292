"""Redis restarted while jobs wait in its queue, and jobs asked for while it is down
(``make faults-redis``).

1. With no worker running, three imports (two checked and waiting to import, one waiting to
   be checked), an analysis of the demo centre and the demo learner's portfolio PDF are asked
   for: five messages wait in Redis.
2. Redis is restarted. It keeps nothing on disk (as on this machine), so all five are gone.
3. Redis is stopped, and through the pages (Django's test client) a learner starts an import,
   asks for a PDF, and a manager asks for an analysis. Each page must answer (no 500) and say
   the job is waiting for the job service and will start by itself.
4. Redis is started, then a worker and beat. The sweep sends every job again: those never
   sent at once, those whose message was lost once silent for 15 s.

Every job must finish, every import with each of its rows once. Exits 1 otherwise.

Run: .venv/bin/python -m bench.faults.broker_restart
"""

from __future__ import annotations

import time

from bench.faults.harness import (
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
    manage,
    output_dir,
    rows_of,
    wait_for,
    write_export,
)

DATABASE = "casebook_faults_redis"
IMPORT_ROWS = 30_000
WAITING = "Waiting for Casebook's job service."

JOB_COLUMNS = [
    "job", "asked for", "its message", "state", "rows expected", "imported", "lost",
    "duplicated", "finished s after Redis was back",
]  # fmt: skip
WEB_COLUMNS = ["request while Redis was down", "status", "page says it is waiting", "seconds"]


def main() -> int:
    out = output_dir("redis")
    redis = Redis(out)
    env = environment(
        database_url=database_create(DATABASE), broker_url=redis.url, storage=out / "private"
    )
    celery = Celery(env, out)
    figures = Figures("Redis restarted with jobs queued, and down while jobs are asked for")
    try:
        redis.start()
        django_setup(env)
        manage(env, "load_standard", "portfolio/data/units/f6.yaml")
        manage(env, "seed_demo")
        jobs = _queue_jobs(out)
        before = redis.queued()
        log(f"{len(jobs)} jobs asked for, worker stopped: {before} messages in Redis")
        redis.stop()
        redis.start()
        after = redis.queued()
        log(f"Redis restarted: {after} messages left")
        redis.stop()
        web = figures.table("Asked for through the pages while Redis was down", WEB_COLUMNS)
        jobs += _ask_while_down(out, web, figures)
        redis.start()
        back = time.monotonic()
        celery.start_worker()
        celery.start_beat()
        log("Redis, a worker and beat started")
        _report(jobs, back, figures, lost_messages=before - after)
    finally:
        celery.stop()
        redis.stop()
        from django.db import connections

        connections.close_all()
        database_drop(DATABASE)
    return figures.print()


# --- Asking for jobs ------------------------------------------------------------------------------


def _queue_jobs(out) -> list[dict]:
    """Three imports, an analysis and a PDF, asked for as the pages would, no worker running."""
    from accounts.models import Centre, User
    from analytics.models import AnalysisRun
    from analytics.services import analysis_request
    from complaints.importing.services import (
        import_job_check,
        import_job_start,
        import_job_validate,
    )
    from portfolio.models import Enrolment
    from portfolio.services.exports import portfolio_export_request

    jobs = []
    for n in range(3):
        centre, learner = centre_with_learner(f"redis-{n}")
        path = write_export(out / f"export-{n}.csv", IMPORT_ROWS, prefix=f"RD{n}", seed=n)
        job = import_upload(path, centre, learner)
        if n < 2:
            job = import_job_start(job=import_job_validate(job=job), by=learner)
            jobs.append(_import(job, "before the restart, to import"))
        else:
            job = import_job_check(job=job, by=learner)
            jobs.append(_import(job, "before the restart, to check"))
    manager = User.objects.get(username="manager")
    run = analysis_request(
        centre=Centre.objects.get(slug="demo"), trigger=AnalysisRun.Trigger.MANUAL, by=manager
    )
    jobs.append({"kind": "analysis", "pk": run.pk, "when": "before the restart"})
    learner = User.objects.get(username="learner")
    export = portfolio_export_request(
        user=learner, enrolment=Enrolment.objects.get(learner=learner)
    )
    jobs.append({"kind": "export", "pk": export.pk, "when": "before the restart"})
    return jobs


def _import(job, when: str) -> dict:
    return {"kind": "import", "pk": job.pk, "when": when, "rows": IMPORT_ROWS}


def _ask_while_down(out, web, figures: Figures) -> list[dict]:
    """A learner starts an import and asks for a PDF, and a manager asks for an analysis,
    through the pages, with Redis down."""
    from django.test import Client
    from django.urls import reverse

    from accounts.models import Role, User
    from accounts.services import membership_grant
    from analytics.models import AnalysisRun
    from complaints.importing.services import import_job_validate
    from portfolio.models import Enrolment, PortfolioExport

    centre, learner = centre_with_learner("redis-down")
    path = write_export(out / "export-down.csv", IMPORT_ROWS, prefix="RDD", seed=9)
    job = import_job_validate(job=import_upload(path, centre, learner))
    manager = User.objects.create(username="redis-down-manager")
    membership_grant(user=manager, centre=centre, role=Role.MANAGER)
    demo_learner = User.objects.get(username="learner")
    enrolment = Enrolment.objects.get(learner=demo_learner)

    def ask(label: str, user, url: str, data: dict) -> None:
        """POST as the page's form does, then follow the redirect to the page it leads to."""
        client = Client(raise_request_exception=False)
        client.force_login(user)
        started = time.monotonic()
        response = client.post(url, data, follow=True)
        seconds = time.monotonic() - started
        says = WAITING in response.content.decode()
        statuses = [code for _, code in response.redirect_chain] + [response.status_code]
        status = " then ".join(str(code) for code in statuses)
        web.add(label, status, "yes" if says else "NO", seconds)
        log(f"{label}: {status} in {seconds:.1f} s, says it waits: {says}")
        if max(statuses) >= 500 or not says:
            figures.fail(f"{label}: {status}, says it is waiting: {says}")

    ask("a learner starts an import", learner, job.get_absolute_url(), {"action": "import"})
    ask(
        "a learner asks for a PDF",
        demo_learner,
        reverse("portfolio:enrolment-exports", args=[enrolment.pk]),
        {"part": "achievement"},
    )
    ask(
        "a manager asks for an analysis",
        manager,
        reverse("analytics:start", args=[centre.slug]),
        {},
    )
    export = PortfolioExport.objects.filter(part="achievement").latest("pk")
    run = AnalysisRun.objects.filter(centre=centre).latest("pk")
    return [
        _import(job, "while Redis was down, to import"),
        {"kind": "export", "pk": export.pk, "when": "while Redis was down"},
        {"kind": "analysis", "pk": run.pk, "when": "while Redis was down"},
    ]


# --- What became of them ----------------------------------------------------------------------------


def _model(kind: str):
    from analytics.models import AnalysisRun
    from complaints.models import ImportJob
    from portfolio.models import PortfolioExport

    return {"import": ImportJob, "analysis": AnalysisRun, "export": PortfolioExport}[kind]


def _report(jobs: list[dict], back: float, figures: Figures, *, lost_messages: int) -> None:
    from complaints.importing.services import import_job_start
    from complaints.models import ImportJob

    finished: dict[int, float] = {}

    def all_done() -> bool:
        for index, job in enumerate(jobs):
            row = fresh(_model(job["kind"]), job["pk"])
            if job["kind"] == "import" and row.state == ImportJob.State.VALIDATED:
                # The check finished: the learner presses "Import" on its page.
                import_job_start(job=row, by=row.uploaded_by)
                continue
            if not row.is_active and index not in finished:
                finished[index] = time.monotonic() - back
        return len(finished) == len(jobs)

    wait_for(all_done, "every job to finish", timeout=600)
    table = figures.table("Every job, after Redis, a worker and beat were started", JOB_COLUMNS)
    for index, job in enumerate(jobs):
        row = fresh(_model(job["kind"]), job["pk"])
        state = getattr(row, "state", None) or row.status
        message = "sent, then lost in the restart"
        if "down" in job["when"]:
            message = "never sent: Redis was down"
        expected = imported = lost = duplicated = "-"
        if job["kind"] == "import":
            count = rows_of(row.pk, job["rows"])
            expected, imported = job["rows"], count.distinct_rows
            lost, duplicated = count.lost, count.duplicated
            if lost or duplicated:
                figures.fail(f"import {row.pk} lost {lost} and duplicated {duplicated} rows")
        name = {"import": "import", "analysis": "analysis run", "export": "portfolio PDF"}
        table.add(
            f"{name[job['kind']]} {row.pk}",
            job["when"],
            message,
            state,
            expected,
            imported,
            lost,
            duplicated,
            finished[index],
        )
        if state not in ("done", "succeeded"):
            figures.fail(f"{job['kind']} {row.pk} ended {state}: {row.error}")
    log(f"messages lost in the restart: {lost_messages}")
    figures.tables.insert(0, figures.tables.pop())
    figures.title += f" ({lost_messages} messages lost in the restart)"


if __name__ == "__main__":
    raise SystemExit(main())
