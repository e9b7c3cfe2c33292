"""PostgreSQL unavailable for a moment: a request that finds the database gone gets a 503
page saying so and when to try again (config.middleware), never the 500 page; anything
else that fails is still a 500."""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory
from django.urls import reverse

from complaints.importing import selectors
from config.middleware import database_unavailable_response
from config.views import server_error

IMPORTS = reverse("complaints:import-list")


def text(response) -> str:
    return " ".join(response.content.decode().split())


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed"),
    ],
)
def test_a_page_that_finds_the_database_gone_says_so_with_a_503(
    client, learner, monkeypatch, error
):
    client.force_login(learner)

    def gone(**kwargs):
        raise error

    monkeypatch.setattr(selectors, "import_jobs_visible_to", gone)
    response = client.get(IMPORTS)

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    words = text(response)
    assert "Casebook can't reach its database just now" in words
    assert "Wait a minute, then try again." in words
    assert "it may not have been saved: check it before you try again" in words
    assert "Content-Security-Policy" in response  # the strict policy still applies


def test_the_503_page_is_standalone_and_asks_nothing_of_the_database():
    # No db fixture: any query while rendering would fail this test.
    page = database_unavailable_response().content.decode()
    assert "<style" not in page
    assert "<script" not in page
    assert "css/casebook" in page  # its styles come from the static stylesheet


def test_any_other_failure_is_still_a_500(client, learner, monkeypatch):
    client.raise_request_exception = False
    client.force_login(learner)

    def broken(**kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(selectors, "import_jobs_visible_to", broken)
    assert client.get(IMPORTS).status_code == 500


def test_the_database_gone_outside_a_view_is_a_503_too():
    request = RequestFactory().get("/")
    try:
        raise OperationalError("could not connect to server: Connection refused")
    except OperationalError:
        response = server_error(request)  # as Django calls handler500, while handling it
    assert response.status_code == 503


def test_other_failures_outside_a_view_get_the_500_page():
    request = RequestFactory().get("/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500
    assert "Sorry, something went wrong" in response.content.decode()
