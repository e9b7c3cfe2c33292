"""Personas of the API: keys of the centre (read, write), a key of another centre, a revoked
key, and the people of the centre signed in to a browser (tests/conftest.py)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.services import api_token_create, api_token_revoke
from tests.accounts.factories import member


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    """Each test starts with no requests counted against any key or person."""
    cache.clear()
    yield
    cache.clear()


def key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def write_key(centre, centre_admin) -> str:
    return api_token_create(centre=centre, name="CRM", scope="write", by=centre_admin)[1]


@pytest.fixture
def read_key(centre, centre_admin) -> str:
    return api_token_create(centre=centre, name="BI", scope="read", by=centre_admin)[1]


@pytest.fixture
def other_centre_key(other_centre) -> str:
    admin = member(centre=other_centre, role=Role.CENTRE_ADMIN, username="xadmin")
    return api_token_create(centre=other_centre, name="Theirs", scope="write", by=admin)[1]


@pytest.fixture
def revoked_key(centre, centre_admin) -> str:
    token, key = api_token_create(centre=centre, name="Old", scope="write", by=centre_admin)
    api_token_revoke(token=token, by=centre_admin)
    return key


@pytest.fixture
def writer(write_key) -> APIClient:
    return key_client(write_key)


@pytest.fixture
def reader(read_key) -> APIClient:
    return key_client(read_key)


@pytest.fixture
def outsider(other_centre_key) -> APIClient:
    return key_client(other_centre_key)


def problem_payload(**overrides) -> dict:
    """A problem as a company system sends it."""
    payload = {
        "learner": "lena",
        "external_ref": "CRM-1",
        "received_at": "2026-03-02T09:30:00Z",
        "identified_by": "customer",
        "customer_kind": "external",
        "channel": "phone",
        "product": "Broadband",
        "category": "system_failure",
        "severity": "medium",
        "description": "Router not dispatched after the order was confirmed.",
    }
    payload.update(overrides)
    return payload
