"""Sending a submission through the real view, and judging what came back: never a 500;
a refused submission writes nothing and says what is wrong, beside the field."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote_plus

from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db import models as models_module
from django.db.models.functions import Length
from django.forms.forms import NON_FIELD_ERRORS
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from tests.complaints.test_import_files import HEADER, csv_text, good_rows
from tests.security.strategies import NUL, Submission, Value
from tests.security.targets import Target
from tests.security.world import World

# Rows a refused request may legitimately write: the audit log records refusals (403s,
# failed logins, exports) by design.
NOT_WATCHED = {"accounts_auditevent"}
APPS = ("accounts", "complaints", "portfolio", "analytics")


def _tables() -> list[str]:
    names = []
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            table = model._meta.db_table
            if not model._meta.proxy and table not in NOT_WATCHED:
                names.append(table)
    return sorted(set(names))


_COUNT_SQL: str | None = None


def row_counts() -> dict[str, int]:
    """Every table of the project's apps (history tables too) with its row count, in one
    query: a refused submission must leave all of them as they were."""
    global _COUNT_SQL
    tables = _tables()
    if _COUNT_SQL is None:
        quote = connection.ops.quote_name
        # Table names from the models, quoted; no value from a request.
        counts = ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables)  # noqa: S608
        _COUNT_SQL = f"SELECT {counts}"
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_SQL)
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _models_by_table() -> dict:
    return {
        model._meta.db_table: model
        for app in APPS
        for model in apps.get_app_config(app).get_models()
        if not model._meta.proxy
    }


def stored_problems(changed_tables: set[str], watched: list) -> list[str]:
    """What an accepted submission stored that the database should never hold: text longer
    than its column (SQLite does not enforce lengths; PostgreSQL refuses with a 500) or a
    NUL (PostgreSQL refuses it). Looked for in the tables that gained rows and the watched
    rows' tables."""
    by_table = _models_by_table()
    models = {by_table[t] for t in changed_tables if t in by_table}
    models |= {type(o) for o in watched}
    problems = []
    for model in models:
        texts = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models_module.CharField | models_module.TextField)
        ]
        for f in texts:
            if (
                f.max_length
                and model.objects.annotate(n=Length(f.name)).filter(n__gt=f.max_length).exists()
            ):
                problems.append(f"{model.__name__}.{f.name} holds more than {f.max_length}")
            if connection.vendor == "sqlite" and _holds_nul(model, f):
                problems.append(f"{model.__name__}.{f.name} holds a NUL")
    return problems


def _holds_nul(model, field) -> bool:
    """On SQLite (PostgreSQL cannot hold one): LIKE stops at a NUL, instr does not."""
    quote = connection.ops.quote_name
    table, column = quote(model._meta.db_table), quote(field.column)
    # Names from the model, quoted; no value from a request.
    sql = f"SELECT 1 FROM {table} WHERE instr({column}, char(0)) > 0 LIMIT 1"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone() is not None


def rows_of(objects: list) -> list[dict | None]:
    return [type(o).objects.filter(pk=o.pk).values().first() for o in objects]


def upload_for(name: str) -> SimpleUploadedFile:
    """A small valid file for a file field kept as it is."""
    if name == "file":
        return SimpleUploadedFile(
            "log.csv", csv_text([HEADER, *good_rows(2)]).encode(), content_type="text/csv"
        )
    raise KeyError(name)


def urlencoded(submission: Submission) -> bytes:
    parts = []
    for name, value in submission.pairs:
        raw = value.raw if isinstance(value.raw, bytes) else value.raw.encode()
        parts.append(f"{quote_plus(name)}={quote_plus(raw)}")
    return "&".join(parts).encode("ascii")


@contextmanager
def cookies_kept(client: Client) -> Iterator[None]:
    """The client's cookies put back as they were before the example: a login, a logout or a
    password change in one example must not log the next one in or out (the database is
    rolled back; the session cookie would not be)."""
    saved = copy.deepcopy(client.cookies)
    try:
        yield
    finally:
        client.cookies = saved


# What a browser always sends with a form: the CSRF middleware (off in the test client)
# would refuse a post without it, so no real post is ever empty.
CSRF_FIELD = ("csrfmiddlewaretoken", Value("x" * 64))


def send(client: Client, target: Target, world: World, submission: Submission):
    # Messages left in the cookie by an earlier example would be read as this one's.
    client.cookies.pop(CookieStorage.cookie_name, None)
    url = target.url(world)
    if target.method != "get":
        submission = Submission((CSRF_FIELD, *submission.pairs))
    if target.method == "get":
        joiner = "&" if "?" in url else "?"
        return client.get(f"{url}{joiner}{urlencoded(submission).decode('ascii')}")
    if target.files:
        data: dict[str, list] = {}
        for name, value in submission.pairs:
            if name in target.files and value.raw == "file":
                data.setdefault(name, []).append(upload_for(name))
            else:
                data.setdefault(name, []).append(value.text())
        return client.post(url, data)
    return client.post(
        url, data=urlencoded(submission), content_type="application/x-www-form-urlencoded"
    )


@dataclass
class Outcome:
    status: int
    accepted: bool
    errors: list[str]  # error messages (level error) after a redirect
    html: str


def outcome_of(target: Target, response) -> Outcome:
    storage = getattr(response.wsgi_request, "_messages", None)
    messages = list(getattr(storage, "_queued_messages", []))
    errors = [str(m) for m in messages if m.level >= message_levels.ERROR]
    html = ""
    if not getattr(response, "streaming", False) and "html" in response.get("Content-Type", ""):
        html = response.content.decode(errors="replace")
    elif getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # read to the end, as a server would
    if target.method == "get":
        accepted = response.status_code == 200
    elif target.accepted_when and response.status_code == 200:
        accepted = target.accepted_when(response.context)
    elif target.accepted_template and response.status_code == 200:
        accepted = target.accepted_template in [t.name for t in response.templates]
    elif response.status_code == 302:
        location = response["Location"]
        accepted = (
            not errors
            and not location.startswith(reverse("login"))
            and target.accepted_redirect(location)
        )
    else:
        accepted = False
    return Outcome(response.status_code, accepted, errors, html)


def refusal_problems(target: Target, response, outcome: Outcome) -> list[str]:
    """What is wrong with how a refused submission was told: each of the form's errors on
    the page, a field's error beside its field (or in the summary naming it); a redirect
    with an error message; a 4xx page that says something."""
    if outcome.status in (302, 403, 404, 405, 410, 429):
        # A redirect carries its error as a message (or goes to a re-authentication); a
        # refusal by status has Django's page.
        return []
    if target.find_form is not None and outcome.html:
        form = target.find_form(response.context)
        return _errors_shown(target, form, outcome.html)
    if target.form is None or not outcome.html:
        if outcome.status == 400 and outcome.html and not _has_error_markup(outcome.html):
            return ["refused with 400 but the page shows no error"]
        return []
    form = response.context.get(target.form) if response.context else None
    if form is None:
        # A page without the form: a plain answer to a request no page makes ("Unknown
        # action."), which must at least say something.
        return [] if outcome.html.strip() else ["refused with an empty page"]
    if not form.errors:
        if target.method == "get":
            return []
        return ["refused, but the form shows no error"]
    return _errors_shown(target, form, outcome.html)


def _errors_shown(target: Target, form, html: str) -> list[str]:
    if form is None or not form.errors:
        return ["refused, but the form shows no error"]
    problems = []
    for name, errors in form.errors.items():
        hidden = name in form.fields and form[name].is_hidden
        if hidden and name not in target.error_places:
            # A field nobody sees: a non-field error must say what is wrong instead.
            if not form.non_field_errors():
                problems.append(f"the errors on the hidden field {name!r} are not explained")
            continue
        for error in errors:
            if escape(error) not in html:
                problems.append(f"the error {error!r} on {name!r} is not on the page")
            elif name != NON_FIELD_ERRORS and not _beside_field(html, form, name, target):
                problems.append(f"the error {error!r} is not shown beside the field {name!r}")
    return problems


def _has_error_markup(html: str) -> bool:
    return any(
        mark in html for mark in ('role="alert"', "alert-danger", "invalid-feedback", "is-invalid")
    )


def _beside_field(html: str, form, name: str, target: Target) -> bool:
    if name in target.error_places:
        return target.error_places[name] in html
    if name not in form.fields:
        return True  # an error a service named after a field the form does not have
    field = form[name]
    ident = field.auto_id
    return (
        f'id="error_1_{ident}"' in html  # crispy's error under the field
        or f'href="#{field.id_for_label}"' in html  # the error summary's link to it
        or f'id="{ident}_error"' in html  # Django's own templates (the admin's login)
    )


def nul_accepted(target: Target, world: World, submission: Submission) -> list[str]:
    """A NUL byte must never be taken into a field (PostgreSQL would refuse to store it)."""
    if target.method == "get":
        return []
    return [
        f"accepted a NUL byte in {name!r}"
        for name in target.valid(world)
        if name not in (*target.not_stored, *target.files)
        and NUL in (submission.value_of(name) or "")
    ]
