"""The Django admin for centre admins: their own centre's people, nobody else's."""

from django.urls import reverse

from accounts.models import Membership, Role
from tests.accounts.factories import member


def test_a_centre_admin_sees_only_their_own_centres_people(
    client, centre_admin, learner, other_centre_learner
):
    client.force_login(centre_admin)
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 200
    shown = set(response.context["cl"].queryset)
    assert learner in shown
    assert other_centre_learner not in shown


def test_a_centre_admin_cannot_open_another_centres_person(
    client, centre_admin, other_centre_learner
):
    client.force_login(centre_admin)
    url = reverse("admin:accounts_user_change", args=[other_centre_learner.pk])
    response = client.get(url)
    # The admin treats a row outside the scoped queryset as missing.
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_a_centre_admin_cannot_make_anyone_a_superuser(client, centre_admin, learner):
    client.force_login(centre_admin)
    response = client.get(reverse("admin:accounts_user_change", args=[learner.pk]))
    assert response.status_code == 200
    assert "is_superuser" not in response.context["adminform"].form.fields


def test_a_learner_cannot_reach_the_admin(client, learner):
    client.force_login(learner)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


def test_granting_the_centre_admin_role_opens_the_admin(centre):
    user = member(centre=centre, role=Role.CENTRE_ADMIN, username="newadmin")
    assert user.is_staff
    assert Membership.objects.filter(user=user, role=Role.CENTRE_ADMIN).exists()
