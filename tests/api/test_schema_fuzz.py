"""Schemathesis against the API's own OpenAPI schema (issue 9, item 4): requests generated
from the schema, valid and not, sent with a centre's write key through the WSGI app, find no
server error, no status code the schema does not list, and no response that breaks the
schema. Bounded to finish in about a minute; runs in `make test`, so in CI.

Each operation's cases are drawn with Hypothesis straight from schemathesis's strategies
(schemathesis 4.32's pytest plugin reads a node attribute pytest 9 no longer has)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.complaints.factories import ProblemFactory

EXAMPLES = 25
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(db, centre, learner, settings):
    settings.CASEBOOK_API_RATE = "100000/minute"
    ProblemFactory.create_batch(3, centre=centre, learner=learner)
    cache.clear()
    # As Django's test client does: the WSGI handler would otherwise close the test's
    # database connection (inside its transaction) after every request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize(
    "mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
)
def test_the_api_keeps_to_its_schema_and_never_fails(api_schema, write_key, mode):
    headers = {"Authorization": f"Token {write_key}"}
    failures, operations = [], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except Exception as error:  # every operation is fuzzed; failures reported together
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert operations == 9
    assert not failures, "\n\n".join(failures)
