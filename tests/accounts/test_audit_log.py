"""The audit log (issue 8, item 8): logins, failed and throttled logins, logouts, signing,
unlocking, exports and refused requests are recorded with who, from where and what; nobody
edits the log (the admin only reads it; on PostgreSQL the database refuses changes)."""

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.urls import reverse

from accounts.models import AuditEvent

PASSWORD = "correct horse battery"
HERE = "203.0.113.7"


def kinds():
    return list(AuditEvent.objects.order_by("pk").values_list("kind", flat=True))


@pytest.fixture
def lena(learner):
    learner.set_password(PASSWORD)
    learner.save()
    return learner


def test_a_login_and_a_logout_are_recorded_with_the_address(client, lena):
    client.post(
        reverse("login"), {"username": lena.username, "password": PASSWORD}, REMOTE_ADDR=HERE
    )
    client.post(reverse("logout"), REMOTE_ADDR=HERE)
    login, logout = AuditEvent.objects.order_by("pk")
    assert (login.kind, login.user, login.address) == ("login", lena, HERE)
    assert (logout.kind, logout.user) == ("logout", lena)


def test_a_failed_login_keeps_the_username_typed_and_never_the_password(client, db):
    client.post(reverse("login"), {"username": "nobody", "password": "s3cret-guess"})
    event = AuditEvent.objects.get()
    assert (event.kind, event.user, event.username) == ("login_failed", None, "nobody")
    assert "s3cret-guess" not in str(event.detail)


def test_a_throttled_login_is_recorded(client, lena, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": lena.username, "password": "wrong"})
    assert "locked_out" in kinds()


def test_a_refused_request_is_recorded_with_the_page(client, learner):
    client.force_login(learner)
    response = client.get(reverse("analytics:dashboard"))
    assert response.status_code == 403
    denied = AuditEvent.objects.get(kind="denied")
    assert denied.user == learner
    assert denied.path == reverse("analytics:dashboard")


def test_the_admin_reads_the_log_but_cannot_change_it(admin_client, db):
    AuditEvent.objects.create(kind="login", username="someone")
    assert admin_client.get(reverse("admin:accounts_auditevent_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:accounts_auditevent_add")).status_code == 403


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_change_or_delete_an_event(db):
    event = AuditEvent.objects.create(kind="login", username="someone")
    for sql in (
        "UPDATE accounts_auditevent SET username = 'someone else' WHERE id = %s",
        "DELETE FROM accounts_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises((IntegrityError, InternalError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).username == "someone"
