"""CSRF everywhere (issue 8, item 3): every URL of the project, sent a POST without a CSRF
token by a signed-in member of the centre and by someone signed out, refuses it with
Django's CSRF failure before any view runs. A view marked csrf_exempt, or a URL the policy
table forgot, fails here by name. The URLs and their objects are the authorisation matrix's
(tests/authorisation/test_matrix.py), so a new URL is covered as soon as it has an entry."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from complaints.models import Problem
from portfolio.models import EvidenceItem, Signature
from portfolio.standard import DEFAULT_UNIT_PATH, standard_load
from tests.authorisation.policy import ADMIN, POLICY
from tests.authorisation.test_matrix import (  # noqa: F401 (fixtures)
    CANARY,
    MARKER,
    build_world,
    fake_renderer,
    private_storage,
)


def every_url(world) -> dict[str, str]:
    urls = {}
    for name, entry in POLICY.items():
        if name == ADMIN:
            urls[name] = reverse(name)
            continue
        kwargs = world.kwargs(entry.obj) if entry.obj else (entry.kwargs or None)
        urls[name] = reverse(name, kwargs=kwargs)
    return urls


@pytest.mark.usefixtures("private_storage", "fake_renderer")
def test_every_url_refuses_a_post_without_a_csrf_token(db, settings):
    settings.CSRF_FAILURE_VIEW = "django.views.csrf.csrf_failure"
    unit = standard_load(path=DEFAULT_UNIT_PATH)
    here = build_world(unit, slug="harbour", marker=MARKER)
    build_world(unit, slug="elsewhere", marker=CANARY)
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(here.people["learner"])
    clients = {"learner": signed_in, "anonymous": Client(enforce_csrf_checks=True)}
    counts = (
        Problem.objects.count(),
        EvidenceItem.objects.count(),
        Signature.objects.count(),
        AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGNED).count(),
    )

    failures = []
    urls = every_url(here)
    for name, url in urls.items():
        for who, client in clients.items():
            response = client.post(url, {"title": "x", "description": "x", "action": "submit"})
            refused = response.status_code == 403 and b"CSRF verification failed" in (
                response.content
            )
            if not refused:
                failures.append(f"{name} {url} | {who} | got {response.status_code}")

    assert failures == [], "POSTs without a CSRF token that were not refused:\n" + "\n".join(
        failures
    )
    assert len(urls) == len(POLICY) > 100
    # Nothing was written by any of them.
    assert counts == (
        Problem.objects.count(),
        EvidenceItem.objects.count(),
        Signature.objects.count(),
        AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGNED).count(),
    )
