"""Writes about people and centres, and the notifications Casebook sends them."""

from __future__ import annotations

import datetime
import logging
import secrets
import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator

from accounts.models import ApiToken, Centre, Membership, Notification, Role, User
from config.jobs import rows_resend, stale_before, task_send

logger = logging.getLogger(__name__)


@transaction.atomic
def membership_grant(*, user: User, centre: Centre, role: Role | str) -> Membership:
    """Give a user a role at a centre (idempotent). Centre admins get Django admin access."""
    membership, _ = Membership.objects.get_or_create(user=user, centre=centre, role=role)
    user.__dict__.pop("_casebook_memberships", None)  # accounts.selectors.user_memberships
    if role == Role.CENTRE_ADMIN and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership


# Notifications ---------------------------------------------------------------------------


def is_site_path(url: str) -> bool:
    """A path on this site ("/portfolio/evidence/3/"), not an address elsewhere: notification
    links are followed by a redirect, which must never become an open redirect."""
    return (
        url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    )


def _wants_email(user: User) -> bool:
    return user.is_active and user.email_notifications and bool(user.email)


def notify(
    *, recipient: User, kind: Notification.Kind | str, title: str, body: str, url: str
) -> Notification:
    """Tell someone something happened: a row on their notifications page, written in the
    caller's transaction, and an e-mail queued only once that transaction commits (so a
    rolled-back action sends nothing). A mail that cannot be sent never undoes the action."""
    if kind not in Notification.Kind.values:
        raise ValueError(f"Unknown notification kind {kind!r}: add it to Notification.Kind.")
    if not is_site_path(url):
        raise ValueError(f"A notification links to a path within Casebook, not {url!r}.")
    title_max = Notification._meta.get_field("title").max_length
    notification = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        # One line (it is also the e-mail's subject), and titles quoting a learner's own
        # words must not overflow the column and fail the learner's action.
        title=Truncator(" ".join(title.split())).chars(title_max),
        body=body.strip(),
        url=url,
    )
    if _wants_email(recipient):
        transaction.on_commit(lambda: _email_enqueue(notification.pk), robust=True)
    return notification


def _email_enqueue(notification_id: int) -> bool:
    """Hand the e-mail to the job service; False, logged, when it does not answer. Either way
    the notification is on the site, and the sweep sends an e-mail no worker took."""
    from accounts.tasks import notification_email_task  # the task calls back into this module

    if not task_send(notification_email_task, notification_id):
        return False
    Notification.objects.filter(pk=notification_id, email_tried_at__isnull=True).update(
        email_queued_at=timezone.now()
    )
    return True


def notification_email_send(*, notification_id: int) -> bool:
    """E-mail a notification to its recipient, at most once. False when there is nothing to
    send (gone, already sent or being sent, e-mail turned off, no address) or the mail server
    refused: that is logged, emailed_at stays empty and it is not tried again; the
    notification itself is still on the site."""
    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    )
    if notification is None or notification.emailed_at is not None:
        return False
    recipient = notification.recipient
    if not _wants_email(recipient):
        return False
    # Taken by this worker, or by none: a message delivered twice (a sweep's and the
    # original, or a redelivery) sends one e-mail.
    if not Notification.objects.filter(pk=notification.pk, email_tried_at__isnull=True).update(
        email_tried_at=timezone.now()
    ):
        return False
    site = settings.CASEBOOK_SITE_URL.rstrip("/")
    context = {
        "notification": notification,
        "recipient": recipient,
        "link": site + notification.get_absolute_url(),
        "settings_link": site + reverse("accounts:notification-settings"),
    }
    try:
        send_mail(
            subject=f"Casebook: {notification.title}",
            message=render_to_string("email/notification.txt", context),
            from_email=None,
            recipient_list=[recipient.email],
        )
    except (smtplib.SMTPException, OSError):
        # The address is personal data: the log names the notification and the user's id.
        logger.exception(
            "Notification %s: the e-mail to user %s could not be sent",
            notification.pk,
            recipient.pk,
        )
        return False
    Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    return True


def notification_emails_resend_stale() -> int:
    """Hand the job service again the e-mails no worker has taken: never handed over (the
    service did not answer) or handed over more than CASEBOOK_JOB_STALE_SECONDS ago (the
    message was lost, say in a broker restart). Only for notifications younger than
    CASEBOOK_NOTIFICATION_EMAIL_HOURS (an e-mail days late helps nobody; the notification is
    on the site) whose recipient still wants e-mail. Each is claimed first by moving its
    email_queued_at on (config.jobs.rows_resend), so two sweeps at once send it once. How many were sent; without a
    broker (eager), none: e-mails went out where they were asked for."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return 0
    youngest_missed = timezone.now() - datetime.timedelta(
        hours=settings.CASEBOOK_NOTIFICATION_EMAIL_HOURS
    )
    silent = Q(email_queued_at__isnull=True) | Q(email_queued_at__lt=stale_before())
    waiting = Notification.objects.filter(
        silent,
        emailed_at__isnull=True,
        email_tried_at__isnull=True,
        created_at__gte=youngest_missed,
        recipient__is_active=True,
        recipient__email_notifications=True,
    ).exclude(recipient__email="")

    def send(notification: Notification) -> bool:
        if _email_enqueue(notification.pk):
            return True
        Notification.objects.filter(pk=notification.pk).update(email_queued_at=None)
        return False

    return rows_resend(waiting, mark="email_queued_at", send=send)


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's own unread notifications read: those with the given ids, or all of
    them. Anyone else's are never touched. Returns how many were marked."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def notification_email_set(*, user: User, enabled: bool) -> User:
    """Turn e-mailed notifications on or off; those on the site carry on either way."""
    user.email_notifications = enabled
    user.save(update_fields=["email_notifications"])
    return user


# API tokens ------------------------------------------------------------------------------


def _require_centre_admin(*, user: User, centre: Centre) -> None:
    if not Membership.objects.filter(user=user, centre=centre, role=Role.CENTRE_ADMIN).exists():
        raise PermissionError(f"{user} is not a centre admin of {centre}.")


@transaction.atomic
def api_token_create(*, centre: Centre, name: str, scope: str, by: User) -> tuple[ApiToken, str]:
    """Make a token for one centre and return it with its key, which is never stored and so
    can be shown only now. Only a centre admin of that centre makes its tokens."""
    _require_centre_admin(user=by, centre=centre)
    if scope not in ApiToken.Scope.values:
        raise ValidationError({"scope": f"Choose read or write, not {scope!r}."})
    prefix = f"cb_{secrets.token_hex(6)}"
    key = f"{prefix}.{secrets.token_urlsafe(32)}"
    token = ApiToken(
        centre=centre,
        name=name.strip(),
        scope=scope,
        prefix=prefix,
        key_hash=ApiToken.hash_key(key),
        created_by=by,
    )
    token.full_clean()
    token.save()
    return token, key


def api_token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    """Revoke a token for good (a second revoke changes nothing). Requests with it get 401
    from then on."""
    _require_centre_admin(user=by, centre=token.centre)
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )
    token.refresh_from_db()
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Note when a token was last used, at most once a minute (one cheap UPDATE)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
