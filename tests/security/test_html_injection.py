"""HTML injection (issue 8, item 4): markup typed into every free-text field (problems,
actions, repeated problems, options, preventive actions, what customers were told,
adjustments, evidence, witness requests and statements, decisions' feedback, records'
feedback and comments, sampling reasons, reviews, responses, unlock reasons, notifications,
people's names, the centre's name, attachment names) comes back escaped on every page that
shows it, to every persona who may read it, and prints literally in the PDFs.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from portfolio.services import exports, printing
from portfolio.services.exports import portfolio_export_request, portfolio_export_run
from tests.authorisation.policy import ANONYMOUS, POLICY
from tests.portfolio.printing_helpers import pdf_words
from tests.security.conftest import example_isolated
from tests.security.world import World

PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
# What must never reach a page unescaped.
RAW = ("<script>alert(1)", "<img src=x onerror", "onerror=alert(1)>")


def SAY(name: str) -> str:  # noqa: N802 - the world's text writer (tests/security/conftest.py)
    return f"{PAYLOAD}{name}"


# Fields a page does not show, and why.
NOT_SHOWN: dict[str, str] = {}

# Which world objects fill the URL of a policy entry's object.
OBJECTS = {
    "problem": ["problem", "problem_1", "problem_2"],
    "repeated_problem": ["repeated_problem"],
    "option": ["option"],
    "preventive_action": ["preventive_action"],
    "candidate": ["candidate"],
    "enrolment": ["enrolment"],
    "evidence": [
        "assessed",
        "submitted",
        "referred_back",
        "statement_item",
        "draft",
        "unlocked",
        "targetable",
    ],
    "draft": ["draft"],
    "export": ["export"],
    "signature": ["signature", "voided_signature"],
    "sample_item": ["sample_item", "referred_item", "responded_item"],
    "import_job": ["import_job"],
    "witness_link": ["witness_token"],
    "centre": ["centre"],
}
# Pages with nobody's free text, or never a page.
SKIPPED = {"healthz", "password_reset_confirm", "accounts:notification-open"}


def _kwargs(world: World, obj: str | None, key: str | None, entry) -> dict:
    if obj is None:
        return dict(entry.kwargs)
    if obj == "option":
        option = world["option"]
        return {"pk": option.repeated_problem_id, "option_pk": option.pk}
    if obj == "witness_link":
        return {"token": world["witness_token"]}
    if obj == "centre":
        return {"slug": world.centre.slug}
    return {"pk": world[key].pk}


def pages(world: World) -> list[tuple[str, str, str]]:
    """(persona, url, name) for every page some persona of the world may read."""
    found = []
    for name, entry in POLICY.items():
        if entry.post_only or name in SKIPPED or name.startswith("admin"):
            continue
        # The other learner has no log or portfolio here: nothing of the world to show them.
        personas = [
            p for p in entry.ok if p != "other_learner" and (p in world.people or p == ANONYMOUS)
        ]
        if entry.obj and entry.obj not in OBJECTS:
            continue
        keys = OBJECTS[entry.obj] if entry.obj else [None]
        for key in keys:
            if key is not None and key not in world.o:
                continue
            url = reverse(name, kwargs=_kwargs(world, entry.obj, key, entry))
            url += f"?{entry.query}" if entry.query else ""
            found += [(persona, url, name) for persona in personas]
    return found


def test_every_page_to_every_reader_shows_typed_markup_escaped(world, clients, monkeypatch):
    monkeypatch.setattr(exports, "record_print", _stub_print)
    with example_isolated():
        export = portfolio_export_request(
            user=world.people["learner"], enrolment=world["enrolment"]
        )
        world.o["export"] = portfolio_export_run(export_id=export.pk)
        world.o["signature"] = world["enrolment"].signatures.first()
        seen, leaks = [], []
        for persona, url, name in pages(world):
            response = clients[persona].get(url)
            assert response.status_code in (200, 302), (persona, url, response.status_code)
            if response.status_code != 200 or getattr(response, "streaming", False):
                continue
            if "html" not in response["Content-Type"]:
                continue
            html = response.content.decode()
            leaks += [f"{name} {url} as {persona}: {raw!r}" for raw in RAW if raw in html]
            seen.append(html)
        del world.o["export"]
    assert not leaks, "\n".join(leaks)
    shown = "\n".join(seen)
    unshown = [
        name for name in _said(world) if escape(SAY(name)) not in shown and name not in NOT_SHOWN
    ]
    assert not unshown, f"typed into these but shown on no page: {unshown}"


def _said(world: World) -> set[str]:
    """Every field name the world wrote with SAY, found by reading the rows back."""
    from django.apps import apps

    names = set()
    pattern = re.compile(re.escape(PAYLOAD) + r"([a-z_0-9]+)")
    for app in ("accounts", "complaints", "portfolio", "analytics"):
        for model in apps.get_app_config(app).get_models():
            if model.__name__.startswith("Historical") or model.__name__ == "AuditEvent":
                continue
            for row in model.objects.values():
                for value in row.values():
                    names.update(pattern.findall(str(value)))
    return names


def _stub_print(*, enrolment, part, progress=None):
    return printing.PrintedRecord(b"%PDF-1.7 stub", f"{part}.pdf", part.title(), True)


@pytest.mark.parametrize("part", ["achievement", "knowledge", "index", "portfolio"])
def test_the_printed_records_show_typed_markup_as_text(world, part):
    printed = printing.record_print(enrolment=world["enrolment"], part=part)
    words = "".join(pdf_words(printed.body).split())
    assert "".join(PAYLOAD.split()) in words  # printed literally, not interpreted
    assert b"/JavaScript" not in printed.body
    assert b"/JS " not in printed.body
    assert b"x onerror" not in printed.body  # no image was fetched or linked from the text
