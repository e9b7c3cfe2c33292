"""Issue 8, item 6: learners logging problems and browsing their log, and a few managers on
the dashboard, against a running Casebook (``bench.load.run`` starts everything; run alone:
``PYTHONPATH=. locust -f bench/load/locustfile.py --host http://127.0.0.1:8000``).

Each learner is its own account (``load-learner-NNN``, created by ``bench.load.seed``). A
request counts as failed when the status is not the one a browser expects (200 for a page,
a redirect after a form), when a page sends the user back to the login page, and when a form
comes back with errors. Every problem logged carries a unique customer reference and is
recorded with the id from the redirect, so the runner can check afterwards that each is in
the database exactly once (written to --record-path when the run stops, with the time of
every request).
"""

from __future__ import annotations

import datetime
import itertools
import json
import random
import time

from locust import HttpUser, between, events, task

from bench.load import scenario

_learner_numbers = itertools.count(1)
_manager_numbers = itertools.count(1)
# What the users wrote, and every request (seconds into the run, name, milliseconds, the
# error or None): the runner checks the first against the database and computes the figures
# from the second, exactly rather than from locust's rounded histogram.
RECORD: dict[str, list] = {"problems": [], "actions": [], "unanswered": [], "requests": []}
_run = {"id": "dev", "started": time.monotonic()}


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    parser.add_argument("--run-id", default="dev", help="in the customer references logged")
    parser.add_argument("--record-path", default="", help="where to write the record")


@events.test_start.add_listener
def _start(environment, **kwargs) -> None:
    _run["id"] = environment.parsed_options.run_id
    _run["started"] = time.monotonic()


@events.request.add_listener
def _note(name, response_time, exception, **kwargs) -> None:
    at = round(time.monotonic() - _run["started"] - response_time / 1000, 2)
    error = None if exception is None else str(exception)
    RECORD["requests"].append((at, name, round(response_time, 1), error))


@events.quitting.add_listener
def _write_record(environment, **kwargs) -> None:
    """Written once the users have stopped (a headless run quits after stopping them)."""
    if path := environment.parsed_options.record_path:
        with open(path, "w") as out:
            json.dump(RECORD, out)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _today() -> datetime.date:
    return datetime.datetime.now(scenario.LOCAL).date()


class CasebookUser(HttpUser):
    abstract = True
    home_path = "/"
    home_name = "home"

    def on_start(self) -> None:
        self.rng = random.Random()
        self.username = self.next_username()
        self.log_in()

    def next_username(self) -> str:
        raise NotImplementedError

    def log_in(self) -> None:
        page = self.page("/accounts/login/", "log in (form)")
        token = scenario.csrf_token(page or "")
        with self.client.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": token,
                "username": self.username,
                "password": scenario.PASSWORD,
                "next": "",
            },
            name="log in (submit)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or "/accounts/login/" in _location(response):
                response.failure(f"{self.username} not logged in: {_describe(response)}")
                return
        self.redirect("/", "home (redirect)")
        self.page(self.home_path, self.home_name)

    def page(self, path: str, name: str, params: dict | None = None) -> str | None:
        """GET a page a browser would show: a 200, not a redirect (to the login page)."""
        with self.client.get(
            path, params=params, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(_describe(response))
                return None
            return response.text

    def redirect(self, path: str, name: str) -> str | None:
        with self.client.get(
            path, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302 or "/accounts/login/" in _location(response):
                response.failure(_describe(response))
                return None
            return _location(response)

    def browse_problem(self, pk: int) -> str | None:
        return self.page(f"/log/problems/{pk}/", "problem")


class Learner(CasebookUser):
    """Opens their log every way the filter panel offers, opens problems, logs new ones
    through the form and adds actions to their timelines."""

    wait_time = between(1, 4)
    home_path = "/home/learner/"
    home_name = "learner home"

    def next_username(self) -> str:
        self.number = next(_learner_numbers)
        self.logged = 0
        self.seen: list[int] = []  # problems on the last log page they looked at
        self.identified_by: dict[int, str] = {}  # their problems logged during the run
        return scenario.learner_username(self.number)

    @task(5)
    def view_log(self) -> None:
        kind, params = scenario.log_query(rng=self.rng, today=_today())
        html = self.page("/log/problems/", f"log: {kind}", params)
        if html is not None and (ids := scenario.problem_ids(html)):
            self.seen = ids

    @task(4)
    def open_problem(self) -> None:
        choices = self.seen + list(self.identified_by)
        if not choices:
            self.view_log()
            return
        self.browse_problem(self.rng.choice(choices))

    @task(2)
    def log_problem(self) -> None:
        form = self.page("/log/problems/new/", "log a problem (form)")
        if form is None:
            return
        self.logged += 1
        reference = f"LOAD-{_run['id']}-{self.number:03d}-{self.logged:03d}"
        data = scenario.problem_form_data(rng=self.rng, reference=reference, now=_now())
        data["csrfmiddlewaretoken"] = scenario.csrf_token(form)
        with self.client.post(
            "/log/problems/new/",
            data=data,
            name="log a problem (submit)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            pk = scenario.created_problem_id(_location(response))
            if response.status_code == 302 and pk is not None:
                self.identified_by[pk] = data["identified_by"]
                RECORD["problems"].append(
                    {"reference": reference, "id": pk, "learner": self.username}
                )
            else:
                if response.status_code == 0:  # no answer: it may or may not be saved
                    RECORD["unanswered"].append(reference)
                response.failure(_describe(response, form=True))
                return
        self.browse_problem(pk)

    @task(2)
    def add_action(self) -> None:
        choices = list(self.identified_by) or self.seen
        if not choices:
            self.view_log()
            return
        pk = self.rng.choice(choices)
        html = self.browse_problem(pk)
        if html is None:
            return
        kind = scenario.action_kind_for(rng=self.rng, identified_by=self.identified_by.get(pk))
        data = scenario.action_form_data(kind=kind, now=_now())
        data["csrfmiddlewaretoken"] = scenario.csrf_token(html)
        with self.client.post(
            f"/log/problems/{pk}/actions/new/",
            data=data,
            name="add an action (submit)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or _location(response) != f"/log/problems/{pk}/":
                response.failure(_describe(response, form=True))
                return
            RECORD["actions"].append({"problem": pk, "kind": kind, "learner": self.username})
        self.browse_problem(pk)

    @task(1)
    def home(self) -> None:
        self.page(self.home_path, self.home_name)


class Manager(CasebookUser):
    """Watches the centre: the dashboard (default and the last month), the whole centre's
    log and its problems."""

    fixed_count = 3
    wait_time = between(2, 6)
    home_path = "/home/manager/"
    home_name = "manager home"

    def next_username(self) -> str:
        self.seen = []
        return scenario.manager_username(next(_manager_numbers))

    @task(3)
    def dashboard(self) -> None:
        self.page("/analysis/", "dashboard")

    @task(1)
    def dashboard_last_month(self) -> None:
        today = _today()
        start = today - datetime.timedelta(days=30)
        params = {"start": start.isoformat(), "end": today.isoformat()}
        self.page("/analysis/", "dashboard", params)

    @task(2)
    def centre_log(self) -> None:
        kind, params = scenario.log_query(rng=self.rng, today=_today())
        html = self.page("/log/problems/", f"centre log: {kind}", params)
        if html is not None and (ids := scenario.problem_ids(html)):
            self.seen = ids

    @task(2)
    def open_problem(self) -> None:
        if self.seen:
            self.browse_problem(self.rng.choice(self.seen))
        else:
            self.centre_log()

    @task(1)
    def home(self) -> None:
        self.page(self.home_path, self.home_name)


def _describe(response, *, form: bool = False) -> str:
    """Why a response is a failure: no answer (and the error), a form shown again with its
    errors, or the status and where it redirected."""
    if not response.status_code:
        return f"no answer: {response.error!r}"
    errors = scenario.form_errors(response.text or "") if form else None
    return f"{response.status_code} {errors or _location(response)}".strip()


def _location(response) -> str:
    return response.headers.get("Location", "") if response.headers is not None else ""
