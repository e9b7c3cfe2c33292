"""The audit log: security-relevant events, written once and never changed (on PostgreSQL a
trigger refuses UPDATE and DELETE; the admin only reads). Callers say what happened; the
request, when there is one, gives the address and the page."""

from __future__ import annotations

import logging

from django.http import HttpRequest

from accounts.models import AuditEvent, User

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest | None) -> str | None:
    """The address login throttling counts (django-axes sets it), else REMOTE_ADDR."""
    if request is None:
        return None
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    kind: str,
    request: HttpRequest | None = None,
    user: User | None = None,
    username: str = "",
    subject: object | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Record one event. ``user`` defaults to the request's signed-in user; ``username`` is
    kept as typed for failed logins, where there may be no such user."""
    if user is None and request is not None and getattr(request, "user", None) is not None:
        user = request.user if request.user.is_authenticated else None
    event = AuditEvent.objects.create(
        kind=kind,
        user=user,
        username=_storable((user.username if user is not None else username)[:150]),
        address=client_address(request),
        path=(request.get_full_path() if request is not None else "")[:500],
        subject=f"{type(subject).__name__} {subject.pk}" if subject is not None else "",
        detail=_storable(detail or {}),
    )
    logger.info("audit %s by %s: %s", kind, event.username or "-", event.subject or event.path)
    return event


def _storable(value):
    """The value with any NUL character shown as U+FFFD: what was typed (a filter, a
    username) is recorded as nearly as possible, and PostgreSQL refuses NUL in text and in
    JSON, which would turn the request being recorded into a server error."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value
