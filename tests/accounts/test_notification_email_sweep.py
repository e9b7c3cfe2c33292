"""Notification e-mails the job service never took: a broker that did not answer when the
notification was made, or that lost the message (a restart), is caught up by the sweep
(config.tasks.jobs_sweep) within CASEBOOK_NOTIFICATION_EMAIL_HOURS; each e-mail goes out at
most once, however many messages ask for it."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError

from accounts.models import Notification
from accounts.services import (
    notification_email_send,
    notification_emails_resend_stale,
    notify,
)
from accounts.tasks import notification_email_task
from config.tasks import jobs_sweep


class JobService:
    """The broker, as the e-mail task sees it: it takes messages (kept here, not run) or,
    when down, refuses them."""

    def __init__(self):
        self.up = True
        self.messages: list[int] = []

    def delay(self, notification_id):
        if not self.up:
            raise BrokerOperationalError("[Errno 111] Connection refused")
        self.messages.append(notification_id)

    def deliver(self) -> None:
        """A worker takes every message, in order."""
        while self.messages:
            notification_email_send(notification_id=self.messages.pop(0))


@pytest.fixture
def service(monkeypatch, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CASEBOOK_JOB_STALE_SECONDS = 300
    settings.CASEBOOK_NOTIFICATION_EMAIL_HOURS = 24
    broker = JobService()
    monkeypatch.setattr(notification_email_task, "delay", broker.delay)
    return broker


def tell(user, title="Tom assessed EI 4"):
    return notify(
        recipient=user,
        kind=Notification.Kind.EVIDENCE_ASSESSED,
        title=title,
        body="Competent on 1.1 and 1.2.",
        url="/portfolio/evidence/4/",
    )


def ago(minutes: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=minutes)


def test_an_email_asked_for_while_the_job_service_was_down_goes_out_once_it_is_back(
    service, learner, django_capture_on_commit_callbacks
):
    service.up = False
    with django_capture_on_commit_callbacks(execute=True):
        notification = tell(learner)
    notification.refresh_from_db()
    assert notification.email_queued_at is None
    assert notification_emails_resend_stale() == 0  # still down: nothing sent, nothing lost

    service.up = True
    assert notification_emails_resend_stale() == 1
    service.deliver()
    assert [m.subject for m in mail.outbox] == ["Casebook: Tom assessed EI 4"]
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_an_email_whose_message_was_lost_is_sent_again_after_the_stale_time(
    service, learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lost = tell(learner, "Lost in a restart")
        recent = tell(learner, "Still in the queue")
    service.messages.clear()  # the broker restarted and forgot its queue
    Notification.objects.filter(pk=lost.pk).update(email_queued_at=ago(10))
    Notification.objects.filter(pk=recent.pk).update(email_queued_at=ago(1))

    assert notification_emails_resend_stale() == 1
    assert service.messages == [lost.pk]
    service.deliver()
    assert [m.subject for m in mail.outbox] == ["Casebook: Lost in a restart"]


def test_two_messages_for_one_notification_send_one_email(
    service, learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = tell(learner)
    Notification.objects.filter(pk=notification.pk).update(email_queued_at=ago(10))
    assert notification_emails_resend_stale() == 1  # the first message was only slow
    assert service.messages == [notification.pk, notification.pk]
    service.deliver()
    assert len(mail.outbox) == 1


def test_the_sweep_leaves_alone_emails_tried_sent_too_old_or_no_longer_wanted(
    service, learner, assessor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refused = tell(learner, "The mail server refused it")
        sent = tell(learner, "Sent")
        old = tell(learner, "Two days old")
        unwanted = tell(assessor, "E-mail turned off since")
    service.messages.clear()
    Notification.objects.update(email_queued_at=ago(10))
    Notification.objects.filter(pk=refused.pk).update(email_tried_at=ago(9))
    Notification.objects.filter(pk=sent.pk).update(email_tried_at=ago(9), emailed_at=ago(9))
    Notification.objects.filter(pk=old.pk).update(created_at=ago(48 * 60))
    assessor.email_notifications = False
    assessor.save(update_fields=["email_notifications"])

    assert notification_emails_resend_stale() == 0
    assert service.messages == []
    # Not e-mailed, but still on the assessor's notifications page.
    assert list(assessor.notifications.values_list("pk", flat=True)) == [unwanted.pk]


def test_without_a_broker_the_sweep_has_no_emails_to_send(learner, settings, eager_jobs):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    tell(learner)
    Notification.objects.update(email_queued_at=None, email_tried_at=None, emailed_at=None)
    assert notification_emails_resend_stale() == 0


def test_the_job_sweep_counts_the_emails_it_sent_again(
    service, learner, django_capture_on_commit_callbacks
):
    service.up = False
    with django_capture_on_commit_callbacks(execute=True):
        tell(learner)
    service.up = True
    assert jobs_sweep().endswith("1 notification e-mails sent again")
