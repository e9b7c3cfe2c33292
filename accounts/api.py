"""The API's access rules (/api/v1/, wired in config/api.py): who a request comes from (a
centre's token, or a person signed in to the browser), what it may do, how often, and the
audit record of each request made with a token.

A token is not a person. Its request's ``user`` is an anonymous one (ApiClient), so anything
that asks a user for a person's rights (problems_visible_to, login_required, the history of
a change) grants it nothing; the API's views ask the token (``request.auth``) instead.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken
from accounts.selectors import api_token_for_key
from accounts.services import api_token_touch


class ApiClient(AnonymousUser):
    """``request.user`` for a request made with a token."""

    def __init__(self, token: ApiToken):
        self.token = token

    def __str__(self) -> str:
        return f"token {self.token.prefix}"


def request_token(request) -> ApiToken | None:
    """The token a DRF request was made with, or None (a session, or nobody)."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


class TokenAuthentication(BaseAuthentication):
    """``Authorization: Token <key>``. A header naming a key that is wrong or revoked is
    refused (401), never passed on to the session: a client that sends a key means it."""

    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Send the key as: Authorization: Token <key>.")
        try:
            key = parts[1].decode("ascii")
        except UnicodeError as error:
            raise AuthenticationFailed("That is not a Casebook API key.") from error
        # For the audit record: the prefix as presented (never the key).
        request._request.casebook_token_prefix = key.partition(".")[0][:16]
        token = api_token_for_key(key=key)
        if token is None:
            raise AuthenticationFailed("That is not a Casebook API key.")
        if not token.is_active:
            raise AuthenticationFailed("This key has been revoked.")
        request._request.casebook_api_token = token
        api_token_touch(token=token)
        return ApiClient(token), token

    def authenticate_header(self, request) -> str:
        return self.keyword


class ApiAccess(BasePermission):
    """A centre's token reads with either scope and writes with a write token only; a person
    signed in goes on to the view, which gives them exactly their web permissions; anyone
    else is refused (401)."""

    message = "This key may only read: writing needs a key with the write scope."

    def has_permission(self, request, view) -> bool:
        token = request_token(request)
        if token is not None:
            return request.method in SAFE_METHODS or token.can_write
        return bool(request.user and request.user.is_authenticated)


class ApiRateThrottle(SimpleRateThrottle):
    """CASEBOOK_API_RATE requests per token (per person for a browser session, per address
    otherwise); the next one gets 429 with Retry-After. The counts live in the default cache,
    which is Redis in production (CASEBOOK_CACHE_URL) so every worker shares them."""

    scope = "api"

    def get_rate(self) -> str:
        return settings.CASEBOOK_API_RATE

    def get_cache_key(self, request, view) -> str:
        token = request_token(request)
        if token is not None:
            ident = f"token-{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return f"throttle-api-{ident}"
