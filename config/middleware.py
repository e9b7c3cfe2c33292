"""A database that is gone for a moment (restarting, failing over, a dropped connection) is
not a bug in Casebook: the person gets a 503 page that says so and when to try again,
instead of the 500 "something went wrong" page."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from config.jobs import TRANSIENT

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 60


def database_unavailable_response() -> HttpResponse:
    """The 503 page. Rendered without the request: the context processors and the session
    would ask the database again."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, TRANSIENT):
            return None
        logger.warning(
            "%s %s: the database is unavailable: %s",
            request.method,
            request.path,
            str(exception).strip()[:200],
        )
        return database_unavailable_response()
