"""Repeated-problem pages, as each persona uses them: the learner owns and writes them;
their assessor, IV and centre managers read them; everyone else gets 404."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from complaints.models import RepeatedProblem
from tests.accounts.factories import member
from tests.complaints.factories import OptionFactory, ProblemFactory, RepeatedProblemFactory

READERS = ["learner", "assessor", "verifier", "manager"]
OUTSIDERS = [
    "other_learner",
    "other_assessor",
    "centre_admin",
    "other_centre_learner",
    "other_centre_assessor",
    "other_centre_manager",
]
NOT_OWNERS = ["assessor", "verifier", "manager", *OUTSIDERS]


@pytest.fixture
def other_assessor(centre):
    """An assessor at the same centre who does not assess this learner."""
    return member(centre=centre, role=Role.ASSESSOR, username="otto")


@pytest.fixture
def record(enrolment):
    return RepeatedProblemFactory(
        centre=enrolment.centre, learner=enrolment.learner, title="Routers sent late"
    )


@pytest.fixture
def persona(request):
    return request.getfixturevalue


OWNER_PAGES = [
    ("complaints:repeated-edit", lambda r: [r.pk]),
    ("complaints:option-create", lambda r: [r.pk]),
    ("complaints:repeated-consult", lambda r: [r.pk]),
]


# --- Access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", READERS)
def test_the_learner_their_assessor_iv_and_manager_read_the_record(client, persona, name, record):
    client.force_login(persona(name))
    response = client.get(record.get_absolute_url())
    assert response.status_code == 200
    assert "Routers sent late" in response.text


@pytest.mark.parametrize("name", OUTSIDERS)
def test_anyone_else_gets_404_for_the_record(client, persona, name, record):
    client.force_login(persona(name))
    assert client.get(record.get_absolute_url()).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, record):
    response = client.get(record.get_absolute_url())
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("name", READERS)
def test_readers_see_the_record_in_the_list(client, persona, name, record):
    client.force_login(persona(name))
    response = client.get(reverse("complaints:repeated-list"))
    assert response.status_code == 200
    assert "Routers sent late" in response.text


@pytest.mark.parametrize("name", ["other_learner", "other_centre_manager", "other_centre_learner"])
def test_the_list_leaves_out_records_the_user_may_not_read(client, persona, name, record):
    client.force_login(persona(name))
    response = client.get(reverse("complaints:repeated-list"))
    assert response.status_code == 200
    assert "Routers sent late" not in response.text


@pytest.mark.parametrize("name", ["other_assessor", "centre_admin", "other_centre_assessor"])
def test_people_who_read_no_logs_get_404_for_the_list(client, persona, name, record):
    client.force_login(persona(name))
    assert client.get(reverse("complaints:repeated-list")).status_code == 404


@pytest.mark.parametrize(("url_name", "args"), OWNER_PAGES)
def test_the_owner_opens_the_writing_pages(client, learner, record, url_name, args):
    client.force_login(learner)
    assert client.get(reverse(url_name, args=args(record))).status_code == 200


@pytest.mark.parametrize("name", NOT_OWNERS)
@pytest.mark.parametrize(("url_name", "args"), OWNER_PAGES)
def test_only_the_owner_may_write_readers_included(client, persona, name, record, url_name, args):
    client.force_login(persona(name))
    assert client.get(reverse(url_name, args=args(record))).status_code == 404


@pytest.mark.parametrize("name", NOT_OWNERS)
def test_only_the_owner_may_edit_an_option_or_decide(client, persona, name, record):
    option = OptionFactory(repeated_problem=record)
    client.force_login(persona(name))
    edit = reverse("complaints:option-edit", args=[record.pk, option.pk])
    decide = reverse("complaints:repeated-decide", args=[record.pk])
    assert client.get(edit).status_code == 404
    assert client.post(decide, {"option": option.pk, "justification": "x"}).status_code == 404


def test_an_option_of_another_record_is_404_under_this_one(client, learner, record):
    other = OptionFactory(
        repeated_problem=RepeatedProblemFactory(centre=record.centre, learner=learner)
    )
    client.force_login(learner)
    url = reverse("complaints:option-edit", args=[record.pk, other.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("name", ["assessor", "verifier", "manager", "centre_admin"])
def test_only_learners_record_repeated_problems(client, persona, name):
    client.force_login(persona(name))
    assert client.get(reverse("complaints:repeated-create")).status_code == 404


def test_readers_see_no_writing_controls(client, assessor, record):
    client.force_login(assessor)
    response = client.get(record.get_absolute_url())
    assert "Add an option" not in response.text
    assert "Choose this option" not in response.text


# --- The learner's flow ---------------------------------------------------------------------


def test_the_learner_records_a_repeated_problem_from_three_ticked_problems(
    client, learner, enrolment
):
    problems = ProblemFactory.create_batch(3, centre=enrolment.centre, learner=learner)
    client.force_login(learner)
    response = client.post(
        reverse("complaints:repeated-create"),
        {
            "save": "1",
            "incidents": [p.pk for p in problems],
            "title": "Routers not dispatched",
            "pattern": "Three customers in a month waited for routers.",
            "identified_how": "with_colleagues",
            "identified_with": "Team leader",
            "why_1": "Orders wait for a weekly batch",
            "root_cause_category": "process",
        },
    )
    record = RepeatedProblem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == record.get_absolute_url()
    assert record.incidents.count() == 3
    assert record.root_cause_whys == ["Orders wait for a weekly batch"]


def test_two_ticked_problems_are_refused_with_the_reason_and_stay_ticked(
    client, learner, enrolment
):
    problems = ProblemFactory.create_batch(2, centre=enrolment.centre, learner=learner)
    client.force_login(learner)
    response = client.post(
        reverse("complaints:repeated-create"),
        {"save": "1", "incidents": [p.pk for p in problems], "title": "t", "pattern": "p"},
    )
    assert response.status_code == 400
    assert "three or more similar incidents" in response.text
    assert response.text.count("checked") >= 2
    assert not RepeatedProblem.objects.exists()


def test_filtering_keeps_the_ticked_problems_and_saves_nothing(client, learner, enrolment):
    gas = ProblemFactory(centre=enrolment.centre, learner=learner, product="Gas meter")
    broadband = ProblemFactory(centre=enrolment.centre, learner=learner, product="Broadband")
    ticked = ProblemFactory(centre=enrolment.centre, learner=learner, product="Smart plug")
    client.force_login(learner)
    response = client.post(
        reverse("complaints:repeated-create"),
        {"filter": "1", "incidents": [ticked.pk], "title": "Draft", "f-product": "gas"},
    )
    assert response.status_code == 200
    assert gas.reference in response.text
    assert broadband.reference not in response.text
    assert f'value="{ticked.pk}" id="incident-{ticked.pk}" checked' in response.text
    assert 'value="Draft"' in response.text
    assert "This field is required" not in response.text
    assert not RepeatedProblem.objects.exists()


def test_another_learners_problem_cannot_be_ticked(client, learner, other_learner, enrolment):
    mine = ProblemFactory.create_batch(2, centre=enrolment.centre, learner=learner)
    theirs = ProblemFactory(centre=enrolment.centre, learner=other_learner)
    client.force_login(learner)
    response = client.post(
        reverse("complaints:repeated-create"),
        {
            "save": "1",
            "incidents": [*(p.pk for p in mine), theirs.pk],
            "title": "t",
            "pattern": "p",
        },
    )
    assert response.status_code == 400
    assert not RepeatedProblem.objects.exists()


def test_with_one_option_the_page_says_why_the_decision_is_disabled(client, learner, record):
    OptionFactory(repeated_problem=record)
    client.force_login(learner)
    response = client.get(record.get_absolute_url())
    assert "Consider at least two options before choosing one; this record has 1." in response.text
    assert 'aria-describedby="decide-blockers"' in response.text
    assert "disabled" in response.text


def test_the_learner_adds_options_records_the_consultation_and_decides(client, learner, record):
    client.force_login(learner)
    for title, basis in [
        ("Daily dispatch check", "formal_procedure"),
        ("Free courier", "authorised_exception"),
    ]:
        response = client.post(
            reverse("complaints:option-create", args=[record.pk]),
            {
                "title": title,
                "basis": basis,
                "customer_advantages": "Quicker",
                "organisation_disadvantages": "Costs more",
                "cost": "£10",
                "feasibility": "high",
            },
        )
        assert response.status_code == 302
    response = client.post(
        reverse("complaints:repeated-consult", args=[record.pk]),
        {
            "consulted_with": "Team leader",
            "consulted_on": timezone.localdate().isoformat(),
            "agreed": "Try the daily check for a month.",
        },
    )
    assert response.status_code == 302
    chosen = record.options.get(title="Daily dispatch check")
    response = client.post(
        reverse("complaints:repeated-decide", args=[record.pk]),
        {"option": chosen.pk, "justification": "Customers get routers on time at little cost."},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == RepeatedProblem.Status.DECIDED
    assert record.chosen_option == chosen
    page = client.get(record.get_absolute_url()).text
    assert "Customers get routers on time at little cost." in page
    assert "Add an option" not in page


def test_deciding_without_a_justification_is_refused(client, learner, record):
    first, _ = OptionFactory.create_batch(2, repeated_problem=record)
    client.force_login(learner)
    client.post(
        reverse("complaints:repeated-consult", args=[record.pk]),
        {"consulted_with": "TL", "consulted_on": timezone.localdate().isoformat(), "agreed": "Yes"},
    )
    response = client.post(
        reverse("complaints:repeated-decide", args=[record.pk]), {"option": first.pk}
    )
    assert response.status_code == 400
    record.refresh_from_db()
    assert record.status == RepeatedProblem.Status.OPEN


def test_the_detail_shows_incidents_per_month_and_links_to_each(client, learner, record):
    client.force_login(learner)
    response = client.get(record.get_absolute_url())
    for problem in record.incidents.all():
        assert problem.get_absolute_url() in response.text
    assert "Incidents per month" in response.text
