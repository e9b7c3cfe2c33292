"""Signing in: each role lands on its own home page, and role pages are closed to others."""

import pytest
from django.urls import reverse

from tests.accounts.factories import TEST_PASSWORD

ROLE_HOMES = {
    "learner": "home-learner",
    "assessor": "home-assessor",
    "verifier": "home-verifier",
    "manager": "home-manager",
    "centre_admin": "home-centre-admin",
}


@pytest.fixture
def everyone(learner, assessor, verifier, manager, centre_admin, enrolment):
    return {
        "learner": learner,
        "assessor": assessor,
        "verifier": verifier,
        "manager": manager,
        "centre_admin": centre_admin,
    }


@pytest.mark.parametrize("role", ROLE_HOMES)
def test_each_role_lands_on_its_own_home_page_after_login(client, everyone, role):
    user = everyone[role]
    response = client.post(
        reverse("login"), {"username": user.username, "password": TEST_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse(ROLE_HOMES[role])
    assert response.status_code == 200
    assert response.context["user"] == user


@pytest.mark.parametrize("role", ROLE_HOMES)
@pytest.mark.parametrize("page_role", ROLE_HOMES)
def test_a_role_home_page_is_forbidden_to_people_without_that_role(
    client, everyone, role, page_role
):
    client.force_login(everyone[role])
    response = client.get(reverse(ROLE_HOMES[page_role]))
    assert response.status_code == (200 if role == page_role else 403)


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_login_page_is_served_with_local_assets_only(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<form" in html
    assert "cdn" not in html.lower()
    assert "https://" not in html.replace("https://getbootstrap.com", "")


def test_a_wrong_password_is_refused_with_a_message(client, learner):
    response = client.post(reverse("login"), {"username": "lena", "password": "wrong-password"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_the_learner_home_lists_the_learners_open_problems_only(
    client, learner, problem, other_learner
):
    from tests.complaints.factories import ProblemFactory

    ProblemFactory(centre=problem.centre, learner=other_learner, product="Somebody else's")
    client.force_login(learner)
    response = client.get(reverse("home-learner"))
    assert list(response.context["open_problems"]) == [problem]


def test_the_assessor_home_shows_their_caseload(client, assessor, enrolment, problem):
    client.force_login(assessor)
    response = client.get(reverse("home-assessor"))
    [row] = response.context["caseload"]
    assert row["enrolment"] == enrolment
    assert row["counts"] == {"total": 1, "open": 1}


def test_the_manager_home_summarises_only_their_centre(
    client, manager, problem, other_centre_learner, other_centre
):
    from tests.complaints.factories import ProblemFactory

    ProblemFactory(centre=other_centre, learner=other_centre_learner)
    client.force_login(manager)
    response = client.get(reverse("home-manager"))
    [entry] = response.context["centres"]
    assert entry["centre"] == problem.centre
    assert entry["summary"]["total"] == 1


def test_the_manager_home_leads_to_the_analysis_dashboard(client, manager):
    client.force_login(manager)
    page = client.get(reverse("home-manager")).content.decode()
    assert f'href="{reverse("analytics:overview")}"' in page
    assert "Open the analysis dashboard" in page


def test_password_change_needs_the_old_password(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "not-it",
            "new_password1": "a-new-long-passphrase",
            "new_password2": "a-new-long-passphrase",
        },
    )
    assert response.status_code == 200
    learner.refresh_from_db()
    assert learner.check_password(TEST_PASSWORD)


def test_password_reset_sends_an_email(client, learner, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": learner.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert learner.email in mailoutbox[0].to


def test_the_health_check_answers_ok(client, db):
    assert client.get(reverse("healthz")).json() == {"status": "ok"}


def test_an_unknown_page_gets_the_casebook_404_page(client, learner, settings):
    settings.DEBUG = False
    client.force_login(learner)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Casebook" in response.content.decode()


def test_the_manager_home_labels_statuses_and_types_in_words(client, manager, problem):
    client.force_login(manager)
    html = client.get(reverse("home-manager")).content.decode()
    assert "System or procedure failure" in html
    assert ">New<" in html
    assert "system_failure" not in html


def test_a_centre_admin_finds_the_signatures_page_in_the_navigation(client, centre_admin):
    client.force_login(centre_admin)
    page = client.get(reverse("home-centre-admin")).content.decode()
    assert f'href="{reverse("portfolio:signatures")}">Signatures</a>' in page
