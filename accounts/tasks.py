"""Background jobs about people. Thin: each takes an id, calls one service, and is safe to
run twice (a notification already e-mailed is not sent again)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from accounts import services


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def notification_email_task(notification_id: int) -> str:
    """E-mail one notification. A refused mail is logged, not retried: the notification is
    on the recipient's page whatever happens to the mail."""
    if services.notification_email_send(notification_id=notification_id):
        return f"notification {notification_id}: e-mailed"
    return f"notification {notification_id}: nothing sent"
