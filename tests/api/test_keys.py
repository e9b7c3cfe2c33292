"""API keys: a centre admin makes one (shown once, only its hash kept) and revokes it; each
request with a key is audited and counted against the key's rate."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, AuditEvent
from tests.api.conftest import key_client

LIST = "/api/v1/problems/"


def test_a_centre_admin_makes_a_key_shown_once_and_stored_only_as_a_hash(centre, centre_admin):
    client = Client()
    client.force_login(centre_admin)
    url = reverse("accounts:api-tokens", args=[centre.slug])

    made = client.post(url, {"name": "CRM export", "scope": "write"})

    key = re.search(r'id="new-api-key">([^<]+)<', made.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert (token.centre, token.scope, token.created_by) == (centre, "write", centre_admin)
    assert key.startswith(token.prefix + ".")
    assert token.key_hash == ApiToken.hash_key(key)
    assert key not in token.key_hash
    assert made["Cache-Control"] == "no-store"
    assert key not in client.get(url).content.decode()  # never shown again
    assert key_client(key).get(LIST).status_code == 200


def test_a_revoked_key_is_refused_from_then_on(centre, centre_admin, write_key):
    client = Client()
    client.force_login(centre_admin)
    token = ApiToken.objects.get()

    client.post(reverse("accounts:api-token-revoke", args=[token.pk]))

    token.refresh_from_db()
    assert token.revoked_by == centre_admin
    assert token.revoked_at is not None
    response = key_client(write_key).get(LIST)
    assert response.status_code == 401
    assert response.json() == {"detail": "This key has been revoked."}


def test_only_a_centre_admin_of_the_centre_manages_its_keys(
    centre, other_centre, manager, write_key, other_centre_key
):
    client = Client()
    client.force_login(manager)
    assert client.get(reverse("accounts:api-tokens", args=[centre.slug])).status_code == 404
    token = ApiToken.objects.get(centre=centre)
    assert client.post(reverse("accounts:api-token-revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_each_request_with_a_key_is_audited_by_prefix_never_the_key(reader, read_key):
    prefix = read_key.partition(".")[0]
    reader.get(LIST)
    key_client(f"{prefix}.wrong").get(LIST)

    events = list(AuditEvent.objects.filter(kind=AuditEvent.Kind.API).order_by("pk"))
    assert [(e.detail["status"], e.detail["token"]) for e in events] == [
        (200, prefix),
        (401, prefix),
    ]
    assert events[0].detail["centre"] == "harbour"
    assert events[0].path == LIST
    assert not any(read_key in str(e.detail) + e.username + e.subject for e in events)


def test_a_key_past_its_rate_gets_429_with_retry_after(settings, reader, writer):
    settings.CASEBOOK_API_RATE = "3/minute"
    codes = [reader.get(LIST).status_code for _ in range(4)]

    assert codes == [200, 200, 200, 429]
    limited = reader.get(LIST)
    assert int(limited["Retry-After"]) > 0
    assert writer.get(LIST).status_code == 200  # another key has its own count


@pytest.mark.parametrize("scope", ["admin", ""])
def test_a_key_is_read_or_write_only(centre, centre_admin, scope):
    from django.core.exceptions import ValidationError

    from accounts.services import api_token_create

    with pytest.raises(ValidationError):
        api_token_create(centre=centre, name="x", scope=scope, by=centre_admin)


def test_the_admin_site_shows_keys_read_only_without_secrets(centre_admin, write_key):
    client = Client()
    client.force_login(centre_admin)
    token = ApiToken.objects.get()
    page = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    assert page.status_code == 200
    assert token.key_hash not in page.content.decode()
    assert write_key not in page.content.decode()
    assert (
        client.post(reverse("admin:accounts_apitoken_delete", args=[token.pk])).status_code == 403
    )
