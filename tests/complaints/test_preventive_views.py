"""Preventive-action pages, as each persona uses them: the learner owns and writes them;
their assessor, IV and centre managers read them; everyone else gets 404. The page shows each
of 3.1–3.5 and the effectiveness card, read from the engine's stored result."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from analytics.models import AnalysisRun, Effectiveness
from complaints.models import CustomerCommunication, PreventiveAction, PreventiveAdjustment
from tests.accounts.factories import member
from tests.complaints.factories import PreventiveActionFactory, RepeatedProblemFactory, decide

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


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


@pytest.fixture
def other_assessor(centre):
    """An assessor at the same centre who does not assess this learner."""
    return member(centre=centre, role=Role.ASSESSOR, username="otto")


@pytest.fixture
def persona(request):
    return request.getfixturevalue


@pytest.fixture
def action(enrolment):
    return PreventiveActionFactory(
        centre=enrolment.centre, learner=enrolment.learner, title="Daily dispatch check"
    )


OWNER_PAGES = [
    "complaints:prevent-edit",
    "complaints:prevent-communication-create",
    "complaints:prevent-adjustment-create",
]


def measured(action, verdict: str, **fields) -> Effectiveness:
    """The engine's stored result, as its pass writes it (26 weeks before, 12 after)."""
    today = timezone.localdate()
    values = {
        "computed_at": timezone.now(),
        "before_start": today - datetime.timedelta(weeks=44),
        "before_end": today - datetime.timedelta(weeks=18),
        "after_start": today - datetime.timedelta(weeks=12),
        "after_end": today,
        "count_before": 60,
        "count_after": 12,
        "exposure_before": 182.0,
        "exposure_after": 84.0,
        "rate_ratio": 0.42,
        "ci_low": 0.22,
        "ci_high": 0.77,
        "p_value": 0.0031,
        "verdict": verdict,
        "summary": "Effective: down 58% (95% CI 23–78%), p = 0.003; 60 problems in the 26 "
        "weeks before, 12 in the 12 weeks after.",
        "weekly": [
            {
                "start": (today - datetime.timedelta(weeks=44)).isoformat(),
                "days": 7,
                "count": 3,
                "phase": "before",
            },
            {
                "start": (today - datetime.timedelta(weeks=1)).isoformat(),
                "days": 7,
                "count": 1,
                "phase": "after",
            },
        ],
        **fields,
    }
    return Effectiveness.objects.create(action=action, **values)


# --- Access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", READERS)
def test_the_learner_their_assessor_iv_and_manager_read_the_action(client, persona, name, action):
    client.force_login(persona(name))
    response = client.get(action.get_absolute_url())
    assert response.status_code == 200
    assert "Daily dispatch check" in response.text


@pytest.mark.parametrize("name", OUTSIDERS)
def test_anyone_else_gets_404_for_the_action(client, persona, name, action):
    client.force_login(persona(name))
    assert client.get(action.get_absolute_url()).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, action):
    for url in [action.get_absolute_url(), reverse("complaints:prevent-list")]:
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


@pytest.mark.parametrize("name", READERS)
def test_readers_see_the_action_in_the_list(client, persona, name, action):
    client.force_login(persona(name))
    response = client.get(reverse("complaints:prevent-list"))
    assert response.status_code == 200
    assert "Daily dispatch check" in response.text


@pytest.mark.parametrize("name", ["other_learner", "other_centre_manager", "other_centre_learner"])
def test_the_list_leaves_out_actions_the_user_may_not_read(client, persona, name, action):
    client.force_login(persona(name))
    response = client.get(reverse("complaints:prevent-list"))
    assert response.status_code == 200
    assert "Daily dispatch check" not in response.text


@pytest.mark.parametrize("name", ["other_assessor", "centre_admin", "other_centre_assessor"])
def test_people_who_read_no_logs_get_404_for_the_list(client, persona, name, action):
    client.force_login(persona(name))
    assert client.get(reverse("complaints:prevent-list")).status_code == 404


def test_a_manager_sees_whose_action_it_is(client, manager, action):
    client.force_login(manager)
    response = client.get(reverse("complaints:prevent-list"))
    assert action.learner.display_name in response.text


@pytest.mark.parametrize("url_name", OWNER_PAGES)
def test_the_owner_opens_the_writing_pages(client, learner, action, url_name):
    client.force_login(learner)
    assert client.get(reverse(url_name, args=[action.pk])).status_code == 200


@pytest.mark.parametrize("name", NOT_OWNERS)
@pytest.mark.parametrize("url_name", OWNER_PAGES)
def test_only_the_owner_may_write_readers_included(client, persona, name, action, url_name):
    client.force_login(persona(name))
    url = reverse(url_name, args=[action.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"title": "x", "what": "x", "why": "x"}).status_code == 404
    assert not CustomerCommunication.objects.exists()
    assert not PreventiveAdjustment.objects.exists()


@pytest.mark.parametrize("name", ["assessor", "verifier", "manager", "centre_admin"])
def test_only_learners_record_preventive_actions(client, persona, name):
    client.force_login(persona(name))
    assert client.get(reverse("complaints:prevent-create")).status_code == 404


@pytest.mark.parametrize("name", ["assessor", "verifier", "manager"])
def test_readers_see_no_writing_controls(client, persona, name, action):
    measured(action, "no_clear_change")
    client.force_login(persona(name))
    text = client.get(action.get_absolute_url()).text
    for control in ["Edit", "Add what customers were told", "Record an adjustment", "Draft a"]:
        assert control not in text
    assert "A change the learner proposed." in text
    assert "A change I proposed" not in text


def test_the_navigation_marks_preventive_actions(client, learner, action):
    client.force_login(learner)
    text = client.get(reverse("complaints:prevent-list")).text
    assert 'aria-current="page"\n                         href="/log/prevent/">' in text
    text = client.get(action.get_absolute_url()).text
    assert 'aria-current="true"\n                         href="/log/prevent/">' in text
    assert 'aria-current="true"\n                         href="/log/problems/">' not in text


# --- The learner's flow ---------------------------------------------------------------------


def form_data(**fields):
    return {
        "kind": "own",
        "title": "Daily dispatch check",
        "category": "system_failure",
        "product": "Broadband",
        "proposal": "",
        "authority": "",
        "decision": "",
        "decision_on": "",
        "agreed": "",
        "description": "",
        "implemented_on": "",
        "monitoring_plan": "",
        "organisation_change": "",
        "how_actioned": "",
        **fields,
    }


def test_the_learner_records_a_planned_change(client, learner, enrolment):
    client.force_login(learner)
    response = client.post(reverse("complaints:prevent-create"), form_data())
    action = PreventiveAction.objects.get()
    assert response.status_code == 302
    assert response["Location"] == action.get_absolute_url()
    assert (action.learner, action.centre) == (learner, enrolment.centre)


def test_a_refused_change_with_a_date_is_refused_and_the_form_says_why(client, learner, enrolment):
    client.force_login(learner)
    response = client.post(
        reverse("complaints:prevent-create"),
        form_data(
            proposal="A daily check",
            authority="Customer services manager",
            decision="refused",
            decision_on=days_ago(4).isoformat(),
            description="A check",
            implemented_on=days_ago(1).isoformat(),
        ),
    )
    assert response.status_code == 400
    assert "Not saved yet: see what to change below." in response.text
    assert "Customer services manager refused this change" in response.text
    assert not PreventiveAction.objects.exists()


def test_planning_from_a_decided_repeated_problem_starts_from_its_choice(
    client, learner, enrolment
):
    record = decide(RepeatedProblemFactory(centre=enrolment.centre, learner=learner))
    client.force_login(learner)
    page = client.get(record.get_absolute_url()).text
    start = f"{reverse('complaints:prevent-create')}?repeated={record.pk}"
    assert f'href="{start}"' in page
    response = client.get(start)
    assert response.status_code == 200
    assert 'value="Daily dispatch check"' in response.text  # the chosen option's title
    assert f'<option value="{record.pk}" selected>' in response.text
    assert '<option value="system_failure" selected>' in response.text


def test_an_undecided_repeated_problem_says_why_no_action_can_be_planned_yet(
    client, learner, enrolment
):
    record = RepeatedProblemFactory(
        centre=enrolment.centre, learner=learner, title="Routers sent late"
    )
    client.force_login(learner)
    assert "Plan a preventive action" not in client.get(record.get_absolute_url()).text
    response = client.get(f"{reverse('complaints:prevent-create')}?repeated={record.pk}")
    assert response.status_code == 200
    assert "“Routers sent late” is not decided yet" in response.text
    assert "<form" not in response.text.split("<main", 1)[1]


def test_another_learners_repeated_problem_cannot_be_planned_from(
    client, learner, other_learner, enrolment
):
    theirs = decide(RepeatedProblemFactory(centre=enrolment.centre, learner=other_learner))
    client.force_login(learner)
    url = f"{reverse('complaints:prevent-create')}?repeated={theirs.pk}"
    assert client.get(url).status_code == 404


def test_the_learner_edits_the_action_to_record_the_implementation(client, learner, enrolment):
    action = PreventiveActionFactory(
        centre=enrolment.centre, learner=learner, implemented_on=None, description=""
    )
    client.force_login(learner)
    data = form_data(
        proposal=action.proposal,
        authority=action.authority,
        decision="approved",
        decision_on=action.decision_on.isoformat(),
        description="The warehouse checks orders at 4 pm.",
        implemented_on=days_ago(2).isoformat(),
    )
    response = client.post(reverse("complaints:prevent-edit", args=[action.pk]), data)
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.implemented_on == days_ago(2)


def test_the_learner_records_what_customers_were_told(client, learner, action):
    client.force_login(learner)
    response = client.post(
        reverse("complaints:prevent-communication-create", args=[action.pk]),
        {
            "sent_on": days_ago(1).isoformat(),
            "channel": "email",
            "audience": "Customers waiting for a router",
            "message": "Your router now leaves our warehouse the day you order it.",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#outcome-3-3")
    page = client.get(action.get_absolute_url()).text
    assert "Your router now leaves our warehouse the day you order it." in page


def test_a_future_message_is_refused_on_the_form(client, learner, action):
    client.force_login(learner)
    response = client.post(
        reverse("complaints:prevent-communication-create", args=[action.pk]),
        {
            "sent_on": days_ago(-2).isoformat(),
            "channel": "email",
            "audience": "Customers",
            "message": "Soon.",
        },
    )
    assert response.status_code == 400
    assert "Record the message once it has gone out." in response.text


def test_the_learner_records_an_adjustment(client, learner, action):
    client.force_login(learner)
    response = client.post(
        reverse("complaints:prevent-adjustment-create", args=[action.pk]),
        {
            "made_on": days_ago(1).isoformat(),
            "what": "Moved the check to 2 pm.",
            "why": "Late orders missed it.",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#outcome-3-4")
    assert "Moved the check to 2 pm." in client.get(action.get_absolute_url()).text


# --- Element 3, outcome by outcome ----------------------------------------------------------


def test_the_page_shows_each_outcome_with_what_is_done_and_missing(client, learner, action):
    client.force_login(learner)
    text = client.get(action.get_absolute_url()).text
    for code in ["3.1", "3.2", "3.3", "3.4", "3.5"]:
        assert f'id="outcome-{code.replace(".", "-")}"' in text
    assert "Negotiated with Customer services manager." in text
    assert "What you told customers about the change: when, how and to whom." in text
    assert "How you will monitor it: what you will watch, and for how long." in text
    assert "Shown by a change your organisation brought in that you actioned" in text


def test_an_organisations_change_shows_3_5_and_not_3_1(client, learner, enrolment):
    action = PreventiveActionFactory(
        centre=enrolment.centre,
        learner=learner,
        kind="organisation",
        decision="",
        decision_on=None,
        authority="",
        proposal="",
        organisation_change="A new returns procedure.",
        how_actioned="Used it from day one.",
    )
    client.force_login(learner)
    text = client.get(action.get_absolute_url()).text
    assert "Your organisation brought in: A new returns procedure." in text
    assert "it shows 3.5, not a change you negotiated" in text


def test_a_refused_change_says_it_does_not_show_3_1(client, learner, enrolment):
    action = PreventiveActionFactory(
        centre=enrolment.centre,
        learner=learner,
        decision="refused",
        implemented_on=None,
        description="",
    )
    client.force_login(learner)
    text = client.get(action.get_absolute_url()).text
    assert "A refused change does not show 3.1." in text
    assert "The change was refused, so there is nothing to action." in text


# --- The effectiveness card -----------------------------------------------------------------


def test_an_effective_change_shows_rates_change_interval_p_value_and_verdict(
    client, assessor, action
):
    measured(action, "effective")
    client.force_login(assessor)
    text = client.get(action.get_absolute_url()).text
    assert "It worked: these problems fell after the change" in text
    assert "2.3 a week" in text  # 60 in 26 weeks
    assert "1.0 a week" in text  # 12 in 12 weeks
    assert "down 58% (95% CI 23–78%)" in text
    assert "0.003" in text
    assert "Week by week" in text
    assert "A weak result" not in text


@pytest.mark.parametrize(
    ("verdict", "words"),
    [
        ("no_clear_change", "No clear change: the numbers moved too little"),
        ("worse", "More of these problems since the change"),
    ],
)
def test_a_weak_result_prompts_the_learner_to_record_an_adjustment(
    client, learner, action, verdict, words
):
    ratio = {"no_clear_change": (0.9, 0.6, 1.3), "worse": (1.5, 1.1, 2.1)}[verdict]
    measured(action, verdict, rate_ratio=ratio[0], ci_low=ratio[1], ci_high=ratio[2], p_value=0.4)
    client.force_login(learner)
    text = client.get(action.get_absolute_url()).text
    assert words in text
    assert "A weak result." in text
    adjust = reverse("complaints:prevent-adjustment-create", args=[action.pk])
    assert f'class="alert-link" href="{adjust}"' in text
    assert "The result is weak: record what you adjusted, and why." in text


def test_a_worse_result_reads_as_a_rise(client, learner, action):
    measured(action, "worse", rate_ratio=1.5, ci_low=1.1, ci_high=2.1, p_value=0.99)
    client.force_login(learner)
    assert "up 50% (95% CI 10–110%)" in client.get(action.get_absolute_url()).text


def test_too_early_to_tell_says_so_and_asks_to_keep_monitoring(client, learner, action):
    measured(
        action,
        "too_early",
        after_start=days_ago(7),
        after_end=days_ago(0),
        count_before=None,
        count_after=None,
        rate_ratio=None,
        ci_low=None,
        ci_high=None,
        p_value=None,
        summary="Too early to tell: 1 week of data since the change took effect; the "
        "measurement needs at least 4.",
    )
    client.force_login(learner)
    text = client.get(action.get_absolute_url()).text
    assert "Too early to tell" in text
    assert "Keep monitoring." in text
    assert "Not enough data to say yet" in text
    assert "A result: too early to tell so far; keep monitoring." in text


def test_an_unmeasured_change_says_when_the_next_analysis_runs(client, learner, action):
    client.force_login(learner)
    text = client.get(action.get_absolute_url()).text
    assert "Not measured yet." in text
    assert "The next analysis of the log runs at 02:30 on" in text


def test_an_unmeasured_change_says_an_analysis_is_under_way(client, learner, action):
    AnalysisRun.objects.create(centre=action.centre, trigger="import")
    client.force_login(learner)
    assert "An analysis of the log is under way now" in client.get(action.get_absolute_url()).text


def test_a_change_not_in_place_is_measured_once_it_is(client, learner, enrolment):
    action = PreventiveActionFactory(
        centre=enrolment.centre, learner=learner, implemented_on=None, description=""
    )
    client.force_login(learner)
    text = client.get(action.get_absolute_url()).text
    assert "Casebook measures the change once it is in place" in text
    assert "Record an adjustment" not in text


def test_the_list_shows_each_verdict(client, learner, enrolment, action):
    measured(action, "effective")
    PreventiveActionFactory(centre=enrolment.centre, learner=learner, title="Second change")
    client.force_login(learner)
    text = client.get(reverse("complaints:prevent-list")).text
    assert "Effective" in text
    assert "Not measured yet" in text


def test_the_detail_page_reads_in_a_fixed_number_of_queries(
    client, learner, action, django_assert_max_num_queries
):
    measured(action, "effective")
    client.force_login(learner)
    client.get(action.get_absolute_url())
    with django_assert_max_num_queries(20):
        assert client.get(action.get_absolute_url()).status_code == 200


def test_readers_see_personal_data_in_the_record_redacted_and_the_learner_sees_it_to_remove(
    client, learner, assessor, action
):
    CustomerCommunication.objects.create(
        preventive_action=action,
        sent_on=days_ago(1),
        channel="email",
        audience="Customers waiting for a router",
        message="Wrote to jane.doe@example.com about the new check.",
    )
    client.force_login(assessor)
    text = client.get(action.get_absolute_url()).text
    assert "jane.doe@example.com" not in text
    assert "[redacted]" in text
    client.force_login(learner)
    assert "jane.doe@example.com" in client.get(action.get_absolute_url()).text


def test_a_centre_admin_reads_an_action_with_its_communications_in_the_admin(
    client, centre_admin, action
):
    CustomerCommunication.objects.create(
        preventive_action=action,
        sent_on=days_ago(1),
        channel="email",
        audience="Customers waiting for a router",
        message="Routers now leave the day you order.",
    )
    centre_admin.is_staff = True
    centre_admin.save()
    client.force_login(centre_admin)
    response = client.get(reverse("admin:complaints_preventiveaction_change", args=[action.pk]))
    assert response.status_code == 200
    assert "Routers now leave the day you order." in response.text
