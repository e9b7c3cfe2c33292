"""Project-wide tasks."""

from __future__ import annotations

import socket

from celery import shared_task
from django.db import connection


@shared_task(ignore_result=False)
def ping() -> dict:
    """Round trip through the broker and the database: proves a worker is consuming and can
    reach the same database as the web app."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"pong": one == 1, "database": connection.vendor, "host": socket.gethostname()}
