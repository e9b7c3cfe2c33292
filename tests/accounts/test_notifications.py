"""Notifications: a row on the recipient's own page, written in the caller's transaction, and
an e-mail sent only after it commits, unless they turned e-mail off. A mail server that
refuses never undoes the action. Everyone sees only their own; links stay on the site."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Notification
from accounts.services import notification_email_send, notifications_mark_read, notify
from accounts.tasks import notification_email_task

# The e-mails go out through a job: follow its effect here, broker or not.
pytestmark = pytest.mark.usefixtures("eager_jobs")

KIND = Notification.Kind.EVIDENCE_SUBMITTED
PERSONAS = [
    "learner",
    "assessor",
    "verifier",
    "manager",
    "centre_admin",
    "other_learner",
    "other_centre_learner",
    "other_centre_assessor",
    "other_centre_manager",
]


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def tell(user, title="Lena submitted EI 1: Billing call", url="/portfolio/evidence/1/", **kw):
    fields = {"kind": KIND, "body": "Observation evidence, waiting for you.", **kw}
    return notify(recipient=user, title=title, url=url, **fields)


@pytest.fixture
def persona(request):
    def get(name):
        return request.getfixturevalue(name)

    return get


# The service -----------------------------------------------------------------------------


def test_a_notification_is_emailed_only_after_the_transaction_commits(
    assessor, settings, django_capture_on_commit_callbacks
):
    settings.CASEBOOK_SITE_URL = "https://casebook.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        notification = tell(assessor)
        assert Notification.objects.filter(recipient=assessor).count() == 1
        assert mail.outbox == []
    (message,) = mail.outbox
    assert message.to == [assessor.email]
    assert message.subject == "Casebook: Lena submitted EI 1: Billing call"
    assert "Observation evidence, waiting for you." in message.body
    assert f"https://casebook.example.org/notifications/{notification.pk}/" in message.body
    assert "https://casebook.example.org/notifications/settings/" in message.body
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert notification.read_at is None


def test_a_rolled_back_action_leaves_no_notification_and_sends_nothing(
    assessor, django_capture_on_commit_callbacks
):
    @transaction.atomic
    def action_failing_after_it_notified():
        tell(assessor)
        raise RuntimeError("the action failed after notifying")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        action_failing_after_it_notified()
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_turning_email_off_stops_the_email_but_not_the_notification(
    assessor, django_capture_on_commit_callbacks
):
    assessor.email_notifications = False
    assessor.save()
    with django_capture_on_commit_callbacks(execute=True):
        notification = tell(assessor)
    assert mail.outbox == []
    assert Notification.objects.get().pk == notification.pk
    notification.refresh_from_db()
    assert notification.emailed_at is None


def test_someone_without_an_email_address_gets_the_notification_only(
    assessor, django_capture_on_commit_callbacks
):
    assessor.email = ""
    assessor.save()
    with django_capture_on_commit_callbacks(execute=True):
        tell(assessor)
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=assessor).exists()


def test_email_turned_off_before_the_mail_goes_out_is_respected(assessor):
    notification = tell(assessor)
    assessor.email_notifications = False
    assessor.save()
    assert notification_email_send(notification_id=notification.pk) is False
    assert mail.outbox == []


def test_a_mail_server_that_refuses_is_logged_and_the_notification_kept(
    assessor, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.accounts.test_notifications.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        notification = tell(assessor)
    notification.refresh_from_db()
    assert notification.emailed_at is None
    assert f"Notification {notification.pk}: the e-mail to user {assessor.pk}" in caplog.text
    assert assessor.email not in caplog.text


def test_the_email_job_sends_once_however_often_it_runs(assessor):
    notification = tell(assessor)
    notification_email_task.delay(notification.pk)
    notification_email_task.delay(notification.pk)
    assert len(mail.outbox) == 1


def test_the_email_job_for_a_deleted_notification_does_nothing(assessor):
    notification = tell(assessor)
    notification.delete()
    assert notification_email_task.delay(notification.pk).get() == (
        f"notification {notification.pk}: nothing sent"
    )


@pytest.mark.parametrize(
    "url",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_a_notification_must_link_within_the_site(assessor, url):
    with pytest.raises(ValueError, match="path within Casebook"):
        tell(assessor, url=url)
    assert not Notification.objects.exists()


def test_an_unknown_kind_is_refused(assessor):
    with pytest.raises(ValueError, match="Unknown notification kind"):
        tell(assessor, kind="evidence_eaten")


def test_a_long_or_multi_line_title_is_cut_to_one_line_that_fits(assessor):
    notification = tell(assessor, title="Lena submitted\nEI 1: " + "x" * 300)
    assert notification.title.startswith("Lena submitted EI 1: xxx")
    assert len(notification.title) == 200
    notification.full_clean()


def test_marking_read_touches_only_the_users_own_notifications(assessor, learner):
    first, second = tell(assessor), tell(assessor)
    theirs = tell(learner)
    assert notifications_mark_read(user=assessor, ids=[first.pk, theirs.pk]) == 1
    assert notifications_mark_read(user=assessor) == 1
    for notification, read in ((first, True), (second, True), (theirs, False)):
        notification.refresh_from_db()
        assert (notification.read_at is not None) is read


# The page --------------------------------------------------------------------------------


def test_the_notifications_page_needs_a_login(client):
    response = client.get(reverse("accounts:notifications"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", PERSONAS)
def test_everyone_sees_only_their_own_notifications(client, persona, who):
    people = {name: persona(name) for name in PERSONAS}
    for name, user in people.items():
        tell(user, title=f"For {name} only")
    client.force_login(people[who])
    page = client.get(reverse("accounts:notifications")).content.decode()
    assert f"For {who} only" in page
    assert [name for name in PERSONAS if f"For {name} only<" in page] == [who]


def test_the_page_lists_newest_first_and_marks_unread_ones_new(client, learner):
    older = tell(learner, title="Older")
    tell(learner, title="Newer")
    notifications_mark_read(user=learner, ids=[older.pk])
    client.force_login(learner)
    page = client.get(reverse("accounts:notifications")).content.decode()
    assert page.index("Newer") < page.index("Older")
    assert page.count(">New</span>") == 1
    assert page.index(">New</span>") < page.index("Newer") < page.index("Older")


def test_the_page_holds_25_and_links_to_the_next(client, learner):
    for n in range(26):
        tell(learner, title=f"Number {n}")
    client.force_login(learner)
    first = client.get(reverse("accounts:notifications"))
    assert len(first.context["page"].object_list) == 25
    assert 'href="?page=2"' in first.content.decode()
    second = client.get(reverse("accounts:notifications"), {"page": 2})
    assert [n.title for n in second.context["page"].object_list] == ["Number 0"]


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, learner):
    notification = tell(learner, url="/portfolio/evidence/7/")
    client.force_login(learner)
    response = client.get(notification.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == "/portfolio/evidence/7/"
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize("who", ["assessor", "other_learner", "other_centre_learner"])
def test_opening_someone_elses_notification_is_404_and_leaves_it_unread(
    client, persona, learner, who
):
    notification = tell(learner)
    client.force_login(persona(who))
    assert client.get(notification.get_absolute_url()).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


@pytest.mark.parametrize(
    "url", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_the_redirect_refuses_to_leave_the_site(client, learner, url):
    # Written past notify's own check, as a row changed in the database or the admin would be.
    notification = Notification.objects.create(recipient=learner, kind=KIND, title="T", url=url)
    client.force_login(learner)
    response = client.get(notification.get_absolute_url(), follow=True)
    assert response.redirect_chain == [(reverse("accounts:notifications"), 302)]
    assert "leads off Casebook" in response.content.decode()


def test_mark_all_as_read_marks_only_ones_own(client, learner, assessor):
    mine = [tell(learner), tell(learner)]
    theirs = tell(assessor)
    client.force_login(learner)
    response = client.post(reverse("accounts:notifications-mark-all-read"), follow=True)
    assert "2 notifications marked as read." in response.content.decode()
    assert all(Notification.objects.get(pk=n.pk).read_at for n in mine)
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_mark_all_as_read_is_a_post(client, learner):
    tell(learner)
    client.force_login(learner)
    assert client.get(reverse("accounts:notifications-mark-all-read")).status_code == 405
    assert Notification.objects.get().read_at is None


def test_the_mark_all_button_shows_only_while_something_is_unread(client, learner):
    client.force_login(learner)
    url = reverse("accounts:notifications")
    assert "Mark all as read" not in client.get(url).content.decode()
    tell(learner)
    assert "Mark all as read" in client.get(url).content.decode()


# E-mail settings -------------------------------------------------------------------------


def test_a_user_turns_email_off_and_on_again_on_the_settings_page(client, learner):
    client.force_login(learner)
    url = reverse("accounts:notification-settings")
    page = client.get(url).content.decode()
    assert learner.email in page
    assert "checked" in page
    response = client.post(url, {}, follow=True)
    assert "no longer be e-mailed" in response.content.decode()
    learner.refresh_from_db()
    assert learner.email_notifications is False
    client.post(url, {"email_notifications": "on"})
    learner.refresh_from_db()
    assert learner.email_notifications is True


def test_the_settings_page_says_when_there_is_no_address_to_email(client, learner):
    learner.email = ""
    learner.save()
    client.force_login(learner)
    page = client.get(reverse("accounts:notification-settings")).content.decode()
    assert "no e-mail address" in page


def test_the_settings_page_needs_a_login(client):
    assert client.get(reverse("accounts:notification-settings")).status_code == 302


# The badge -------------------------------------------------------------------------------


def _badge(page: str) -> str | None:
    marker = '<span class="visually-hidden"> unread notifications</span>'
    if marker not in page:
        return None
    before = page[: page.index(marker)]
    return before[before.rindex(">") + 1 :].strip()


def test_the_badge_counts_unread_notifications_for_screen_readers_too(client, learner):
    first, _, _ = tell(learner), tell(learner), tell(learner)
    notifications_mark_read(user=learner, ids=[first.pk])
    client.force_login(learner)
    assert _badge(client.get(reverse("home-learner")).content.decode()) == "2"


def test_no_badge_when_everything_is_read(client, learner):
    tell(learner)
    notifications_mark_read(user=learner)
    client.force_login(learner)
    page = client.get(reverse("home-learner")).content.decode()
    assert _badge(page) is None
    assert 'href="/notifications/"' in page


def test_the_badge_stops_at_99_plus(client, learner):
    Notification.objects.bulk_create(
        Notification(recipient=learner, kind=KIND, title=f"N{n}", url="/") for n in range(120)
    )
    client.force_login(learner)
    assert _badge(client.get(reverse("home-learner")).content.decode()) == "99+"


def test_others_notifications_do_not_count_in_ones_badge(client, learner, assessor):
    tell(assessor)
    client.force_login(learner)
    assert _badge(client.get(reverse("home-learner")).content.decode()) is None


def _notification_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "accounts_notification" in q["sql"]]


def test_a_page_counts_unread_notifications_in_one_query(client, learner):
    tell(learner)
    client.force_login(learner)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("home-learner"))
    assert len(_notification_queries(queries)) == 1


@pytest.mark.parametrize("url_name", ["login", "password_reset"])
def test_pages_for_someone_not_signed_in_make_no_notification_query(client, db, url_name):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert _notification_queries(queries) == []
    assert "unread notifications" not in response.content.decode()
