"""Drafting a personal statement from a repeated problem (element 2) or a preventive action
(element 3): STAR from the record, linked to it and its problems, with outcome and range
suggestions derived from what the record contains, none confirmed until the learner says so."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from analytics.models import Effectiveness
from complaints import preventive
from complaints.models import Category, IdentifiedBy, OptionBasis
from portfolio.models import EvidenceItem
from portfolio.services import (
    evidence_draft_from_preventive_action,
    evidence_draft_from_repeated_problem,
    mapping_save,
)
from tests.complaints.factories import (
    OptionFactory,
    PreventiveActionFactory,
    ProblemFactory,
    RepeatedProblemFactory,
    decide,
)


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def suggested_outcomes(item) -> dict:
    return dict(item.outcome_mappings.values_list("outcome__code", "confirmed"))


def suggested_range(item) -> dict:
    return dict(item.range_mappings.values_list("range_item__code", "confirmed"))


@pytest.fixture
def incidents(enrolment):
    return [
        ProblemFactory(
            centre=enrolment.centre,
            learner=enrolment.learner,
            identified_by=IdentifiedBy.CUSTOMER,
            category=Category.SYSTEM_FAILURE,
        )
        for _ in range(3)
    ]


@pytest.fixture
def record(enrolment, incidents):
    return RepeatedProblemFactory(
        centre=enrolment.centre,
        learner=enrolment.learner,
        incidents=incidents,
        title="Routers sent late",
        pattern="Customers call back a week after ordering because no router arrived.",
        identified_how="with_colleagues",
        identified_with="Warehouse lead",
        root_cause_whys=["Orders wait for a weekly batch", "Nobody checks daily"],
    )


@pytest.fixture
def decided(record):
    return decide(record)


def draft_repeated(record):
    return evidence_draft_from_repeated_problem(repeated_problem=record, by=record.learner)


def draft_action(action):
    return evidence_draft_from_preventive_action(preventive_action=action, by=action.learner)


# --- Element 2 ------------------------------------------------------------------------------


def test_a_draft_from_a_repeated_problem_is_a_personal_statement_linked_to_it_and_its_incidents(
    decided, incidents
):
    item, created = draft_repeated(decided)
    assert created
    assert item.evidence_type.code == "P"
    assert item.status == EvidenceItem.Status.DRAFT
    assert item.drafted_from_repeated == decided
    assert set(item.problems.all()) == set(incidents)
    assert item.title == "Repeated problem: Routers sent late"


def test_the_draft_tells_the_pattern_options_consultation_and_choice(decided, incidents):
    item, _ = draft_repeated(decided)
    assert "Customers call back a week after ordering" in item.situation
    assert "3 similar incidents between" in item.situation
    assert incidents[0].reference in item.situation
    assert "Incidents per month:" in item.situation
    assert "Orders wait for a weekly batch → Nobody checks daily" in item.situation
    assert "with colleagues (Warehouse lead)" in item.task
    assert "Option 1: Daily dispatch check (a formal organisational procedure)." in item.action
    assert (
        "For the customer: advantages: The router arrives when promised; disadvantages: none noted."
    ) in item.action
    assert ".;" not in item.action
    assert "agreed the way forward with Team leader: Try a daily dispatch check." in item.action
    assert "I chose “Daily dispatch check”" in item.result
    assert "Routers go out the same day" in item.result
    assert item.narrative.startswith("Situation\n")


def test_a_decided_repeated_problem_suggests_2_1_to_2_4_unconfirmed(decided):
    item, _ = draft_repeated(decided)
    assert suggested_outcomes(item) == {"2.1": False, "2.2": False, "2.3": False, "2.4": False}
    reasons = dict(item.outcome_mappings.values_list("outcome__code", "suggestion"))
    assert reasons["2.1"] == "3 incidents identified as a pattern with colleagues"
    assert reasons["2.3"] == "The way forward agreed with Team leader"


def test_an_open_repeated_problem_suggests_only_what_it_shows(record):
    OptionFactory(repeated_problem=record)
    item, _ = draft_repeated(record)
    assert suggested_outcomes(item) == {"2.1": False}
    assert item.result == "No option has been chosen yet."


def test_options_without_advantages_or_disadvantages_do_not_show_2_2(record):
    for title in ["One", "Two"]:
        OptionFactory(
            repeated_problem=record,
            title=title,
            customer_advantages="",
            organisation_disadvantages="",
        )
    item, _ = draft_repeated(record)
    assert "2.2" not in suggested_outcomes(item)


def test_range_items_come_from_the_options_and_the_incidents(decided):
    item, _ = draft_repeated(decided)
    assert suggested_range(item) == {
        "identified_by_customer": False,
        "system_failure": False,
        "formal_procedure": False,
        "authorised_exception": False,
        "viewpoint_customer": False,
        "viewpoint_organisation": False,
    }
    reasons = dict(item.range_mappings.values_list("range_item__code", "suggestion"))
    assert reasons["authorised_exception"] == (
        "Option “Courier upgrade” uses an agreed/authorised exception to usual practice"
    )


def test_only_the_points_of_view_an_option_was_weighed_from_are_suggested(record):
    for title in ["One", "Two"]:
        OptionFactory(
            repeated_problem=record,
            title=title,
            basis=OptionBasis.FORMAL_PROCEDURE,
            customer_advantages="Quicker",
            organisation_disadvantages="",
        )
    range_items = suggested_range(draft_repeated(record)[0])
    assert "viewpoint_customer" in range_items
    assert "viewpoint_organisation" not in range_items
    assert "authorised_exception" not in range_items


def test_nothing_from_a_repeated_problem_counts_until_the_learner_confirms_it(decided):
    item, _ = draft_repeated(decided)
    assert not item.outcome_mappings.filter(confirmed=True).exists()
    assert not item.range_mappings.filter(confirmed=True).exists()
    unit = item.enrolment.unit
    mapping_save(
        item=item,
        by=decided.learner,
        outcomes=list(unit.outcomes.filter(code="2.2")),
        knowledge_items=[],
        range_items=list(unit.range_items.filter(code="formal_procedure")),
    )
    assert list(
        item.outcome_mappings.filter(confirmed=True).values_list("outcome__code", flat=True)
    ) == ["2.2"]
    assert suggested_outcomes(item)["2.1"] is False


def test_a_second_draft_from_a_repeated_problem_opens_the_first(decided):
    first, _ = draft_repeated(decided)
    second, created = draft_repeated(decided)
    assert (second, created) == (first, False)
    assert EvidenceItem.objects.count() == 1


def test_personal_data_in_a_repeated_problem_stays_out_of_the_draft(record):
    record.pattern = "Customer jane.doe@example.com waited a week."
    record.save()
    item, _ = draft_repeated(record)
    assert "jane.doe@example.com" not in item.situation
    assert "[redacted]" in item.situation


def test_only_the_learner_drafts_from_their_repeated_problem(decided, assessor):
    with pytest.raises(ValidationError, match="Only the learner who recorded"):
        evidence_draft_from_repeated_problem(repeated_problem=decided, by=assessor)


def test_a_learner_who_is_not_enrolled_is_told_so(centre, other_learner):
    record = RepeatedProblemFactory(centre=centre, learner=other_learner)
    with pytest.raises(ValidationError, match="not enrolled"):
        draft_repeated(record)


# --- Element 3 ------------------------------------------------------------------------------


@pytest.fixture
def action(enrolment, decided):
    """An approved change, in place, told to customers, from the decided repeated problem."""
    action = PreventiveActionFactory(
        centre=enrolment.centre, learner=enrolment.learner, repeated_problem=decided
    )
    preventive.communication_add(
        preventive_action=action,
        sent_on=days_ago(10),
        channel="email",
        audience="Customers waiting for a router",
        message="From Monday your router leaves the day you order it.",
    )
    return action


def measure(action, verdict="effective", **more):
    today = timezone.localdate()
    values = {
        "computed_at": timezone.now(),
        "before_start": today - datetime.timedelta(weeks=44),
        "before_end": today - datetime.timedelta(weeks=18),
        "after_start": today - datetime.timedelta(weeks=12),
        "after_end": today,
        "count_before": 60,
        "count_after": 12,
        "rate_ratio": 0.42,
        "ci_low": 0.22,
        "ci_high": 0.77,
        "p_value": 0.003,
        "verdict": verdict,
        "summary": "…",
        **more,
    }
    return Effectiveness.objects.create(action=action, **values)


def test_a_draft_from_a_preventive_action_is_linked_to_it_and_its_problems(action, incidents):
    item, created = draft_action(action)
    assert created
    assert item.drafted_from_action == action
    assert list(item.preventive_actions.all()) == [action]
    assert set(item.problems.all()) == set(incidents)
    assert item.title == "Preventive action: Daily dispatch check"


def test_the_draft_tells_the_negotiation_implementation_communications_and_result(action):
    measure(action)
    preventive.adjustment_add(
        preventive_action=action, made_on=days_ago(2), what="Moved to 2 pm.", why="Late orders."
    )
    item, _ = draft_action(action)
    assert "The repeated problem “Routers sent late”" in item.situation
    assert "negotiate with the appropriate authority" in item.task
    assert "I proposed: Check every confirmed order is dispatched by 4 pm." in item.action
    assert "I negotiated it with Customer services manager, who approved it on" in item.action
    assert "What changed: The warehouse checks the day's confirmed orders at 4 pm." in item.action
    assert "I told Customers waiting for a router (e-mail):" in item.action
    assert "I adjusted it: Moved to 2 pm. Why: Late orders." in item.action
    assert "It worked: these problems fell after the change" in item.result
    assert "down 58% (95% CI 23–78%), p = 0.003" in item.result
    assert "2.3 a week" in item.result


def test_a_measured_approved_change_in_place_suggests_3_1_to_3_4_unconfirmed(action):
    measure(action)
    item, _ = draft_action(action)
    assert suggested_outcomes(item) == {"3.1": False, "3.2": False, "3.3": False, "3.4": False}
    reasons = dict(item.outcome_mappings.values_list("outcome__code", "suggestion"))
    assert reasons["3.1"].startswith("Approved by Customer services manager on")
    assert reasons["3.4"] == "Measured: effective"
    assert not item.range_mappings.exists()


def test_too_early_to_tell_is_not_a_monitoring_result(action):
    measure(action, "too_early", count_before=None, count_after=None, rate_ratio=None)
    item, _ = draft_action(action)
    assert "3.4" not in suggested_outcomes(item)


def test_an_adjustment_shows_3_4_before_any_result(action):
    preventive.adjustment_add(
        preventive_action=action, made_on=days_ago(2), what="Moved to 2 pm.", why="Late orders."
    )
    item, _ = draft_action(action)
    assert suggested_outcomes(item)["3.4"] is False
    assert "has not measured it yet" in item.result


def test_a_planned_change_suggests_nothing_it_does_not_show(enrolment):
    action = PreventiveActionFactory(
        centre=enrolment.centre,
        learner=enrolment.learner,
        decision="",
        decision_on=None,
        implemented_on=None,
        description="",
    )
    item, _ = draft_action(action)
    assert suggested_outcomes(item) == {}
    assert list(item.problems.all()) == []


def test_an_organisations_change_actioned_suggests_3_5_and_not_3_1(enrolment):
    action = PreventiveActionFactory(
        centre=enrolment.centre,
        learner=enrolment.learner,
        kind="organisation",
        organisation_change="A new returns procedure for faulty routers.",
        how_actioned="Briefed my team and used it from the first day.",
    )
    item, _ = draft_action(action)
    assert suggested_outcomes(item) == {"3.2": False, "3.5": False}
    assert "My organisation brought in a change: A new returns procedure" in item.situation
    assert "action the change my organisation brought in" in item.task


def test_nothing_from_a_preventive_action_counts_until_the_learner_confirms_it(action):
    item, _ = draft_action(action)
    assert not item.outcome_mappings.filter(confirmed=True).exists()
    unit = item.enrolment.unit
    mapping_save(
        item=item,
        by=action.learner,
        outcomes=list(unit.outcomes.filter(code="3.3")),
        knowledge_items=[],
        range_items=[],
    )
    assert dict(item.outcome_mappings.values_list("outcome__code", "confirmed")) == {
        "3.1": False,
        "3.2": False,
        "3.3": True,
    }


def test_a_second_draft_from_a_preventive_action_opens_the_first(action):
    first, _ = draft_action(action)
    second, created = draft_action(action)
    assert (second, created) == (first, False)


def test_only_the_learner_drafts_from_their_preventive_action(action, assessor):
    with pytest.raises(ValidationError, match="Only the learner who recorded"):
        evidence_draft_from_preventive_action(preventive_action=action, by=assessor)


# --- The pages ------------------------------------------------------------------------------


@pytest.fixture
def persona(request):
    return request.getfixturevalue


def urls(decided, action):
    return [
        reverse("portfolio:draft-from-repeated", args=[decided.pk]),
        reverse("portfolio:draft-from-preventive", args=[action.pk]),
    ]


def test_the_learner_drafts_from_each_page_and_lands_on_the_draft(client, learner, decided, action):
    client.force_login(learner)
    for page, url in zip([decided, action], urls(decided, action), strict=True):
        assert url in client.get(page.get_absolute_url()).text
        response = client.post(url, follow=True)
        item = EvidenceItem.objects.order_by("-pk").first()
        assert response.redirect_chain[-1][0] == item.get_absolute_url()
        assert "is a draft personal statement from" in response.text
        again = client.post(url, follow=True)
        assert "This is the draft you already started from" in again.text
    assert EvidenceItem.objects.count() == 2


def test_the_draft_page_links_back_to_the_records(client, learner, decided, action):
    client.force_login(learner)
    for url, record in zip(urls(decided, action), [decided, action], strict=True):
        item_url = client.post(url)["Location"]
        assert f'href="{record.get_absolute_url()}"' in client.get(item_url).text


@pytest.mark.parametrize(
    "name",
    [
        "assessor",
        "verifier",
        "manager",
        "centre_admin",
        "other_learner",
        "other_centre_learner",
        "other_centre_manager",
    ],
)
def test_only_the_learner_may_draft_from_their_records(client, persona, name, decided, action):
    client.force_login(persona(name))
    for url in urls(decided, action):
        assert client.post(url).status_code == 404
    assert not EvidenceItem.objects.exists()


def test_drafting_is_post_only(client, learner, decided, action):
    client.force_login(learner)
    for url in urls(decided, action):
        assert client.get(url).status_code == 405


def test_a_learner_not_enrolled_is_sent_back_with_the_reason(client, other_learner, enrolment):
    record = decide(RepeatedProblemFactory(centre=enrolment.centre, learner=other_learner))
    client.force_login(other_learner)
    response = client.post(reverse("portfolio:draft-from-repeated", args=[record.pk]), follow=True)
    assert response.redirect_chain[-1][0] == record.get_absolute_url()
    assert "not enrolled on a unit at this centre" in response.text
