"""Login throttling (issue 8, item 3): after too many wrong passwords for one username from
one address, that pair is refused for a cool-off, with a page that says so; the same person
elsewhere, and everyone else, can still log in; a success clears the count."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.accounts.factories import member

PASSWORD = "correct horse battery"
HERE, ELSEWHERE = "203.0.113.7", "198.51.100.9"


@pytest.fixture
def lena(centre):
    user = member(centre=centre, role="learner", username="lena")
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(client, password, address=HERE, username="lena"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def fail(client, times, address=HERE):
    """Wrong passwords; the attempt that reaches the limit is answered with the pause."""
    return [log_in(client, "wrong password", address).status_code for _ in range(times)]


def test_five_wrong_passwords_pause_logging_in_from_that_address_even_with_the_right_one(
    client, lena, settings
):
    limit = settings.AXES_FAILURE_LIMIT
    assert fail(client, limit) == [200] * (limit - 1) + [429]
    response = log_in(client, PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed attempts" in page
    assert "<strong>lena</strong>" in page
    assert "5 times from this device" in page
    assert "paused for 15 minutes" in page
    assert "_auth_user_id" not in client.session


def test_the_same_person_elsewhere_is_not_locked_out_by_someone_elses_guesses(
    client, lena, settings
):
    fail(client, settings.AXES_FAILURE_LIMIT)
    response = log_in(client, PASSWORD, address=ELSEWHERE)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(lena.pk)


def test_other_users_at_the_same_address_can_still_log_in(client, lena, centre, settings):
    other = member(centre=centre, role="assessor", username="asa")
    other.set_password(PASSWORD)
    other.save()
    fail(client, settings.AXES_FAILURE_LIMIT)
    assert log_in(client, PASSWORD, username="asa").status_code == 302


def test_a_successful_login_clears_the_count(client, lena, settings):
    fail(client, settings.AXES_FAILURE_LIMIT - 1)
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()
    fail(client, settings.AXES_FAILURE_LIMIT - 1)
    assert log_in(client, PASSWORD).status_code == 302


def test_after_the_cool_off_the_right_password_works_again(client, lena, settings):
    from axes.models import AccessAttempt

    fail(client, settings.AXES_FAILURE_LIMIT)
    assert log_in(client, PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(minutes=1)
    )
    assert log_in(client, PASSWORD).status_code == 302
