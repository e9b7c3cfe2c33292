"""The demo centre `make run` creates."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import Membership, Role, User
from complaints.models import Action, Problem
from config.demo import demo_seed
from portfolio.models import Enrolment

README_USERS = {
    "learner": Role.LEARNER,
    "assessor": Role.ASSESSOR,
    "verifier": Role.VERIFIER,
    "manager": Role.MANAGER,
    "centre-admin": Role.CENTRE_ADMIN,
}


@pytest.fixture
def demo(db, settings):
    settings.CASEBOOK_DEMO = True
    return demo_seed(days=60)


def test_the_demo_centre_has_one_user_of_each_role_named_as_in_the_readme(demo):
    assert demo.centre.slug == "demo"
    for username, role in README_USERS.items():
        assert Membership.objects.filter(
            user__username=username, centre=demo.centre, role=role
        ).exists()


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("learner", "home-learner"),
        ("assessor", "home-assessor"),
        ("verifier", "home-verifier"),
        ("manager", "home-manager"),
        ("centre-admin", "home-centre-admin"),
    ],
)
def test_each_demo_user_logs_in_with_the_demo_password_to_their_home(
    client, demo, settings, username, home
):
    response = client.post(
        reverse("login"),
        {"username": username, "password": settings.DEMO_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse(home)
    assert response.status_code == 200


def test_the_demo_learners_are_enrolled_on_f6_with_the_demo_assessor_and_verifier(demo):
    enrolment = Enrolment.objects.get(learner__username="learner")
    assert enrolment.unit.code == "F6"
    assert enrolment.assessor.username == "assessor"
    assert enrolment.verifier.username == "verifier"


def test_the_demo_log_has_realistic_problems_with_timelines(demo):
    problems = Problem.objects.filter(centre=demo.centre)
    assert demo.problems_created == problems.count() > 200
    assert problems.filter(learner__username="learner").exists()
    assert set(problems.values_list("category", flat=True)) >= {
        "expectations_gap",
        "system_failure",
        "resource_or_error",
    }
    assert problems.filter(status="new").exists()
    assert problems.filter(status="closed").exists()
    assert Action.objects.filter(problem__centre=demo.centre).count() == demo.actions_created
    numbers = list(problems.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))


def test_the_demo_records_history_for_its_problems(demo):
    problem = Problem.objects.filter(centre=demo.centre).first()
    assert problem.history.count() == 1


def test_seeding_again_reuses_what_exists(demo):
    again = demo_seed(days=60)
    assert (again.users_created, again.problems_created) == (0, 0)
    assert User.objects.filter(username="learner").count() == 1


def test_a_demo_user_who_changed_their_password_keeps_it(demo):
    learner = User.objects.get(username="learner")
    learner.set_password("my-own-long-passphrase")
    learner.save()
    demo_seed(days=60)
    learner.refresh_from_db()
    assert learner.check_password("my-own-long-passphrase")


def test_demo_data_is_refused_outside_demo_mode(db, settings):
    settings.CASEBOOK_DEMO = False
    with pytest.raises(CommandError, match="only created in demo mode"):
        call_command("seed_demo")
    assert not User.objects.exists()
