"""Preventive actions (element 3): the rules of complaints/preventive.py, their messages,
history, and the engine told to re-measure once the change is committed."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from complaints import preventive as services
from complaints.models import (
    Category,
    CustomerCommunication,
    PreventiveAction,
    PreventiveAdjustment,
    RepeatedProblem,
)
from tests.complaints.factories import PreventiveActionFactory, RepeatedProblemFactory, decide

TODAY = timezone.localdate


def days_ago(n: int) -> datetime.date:
    return TODAY() - datetime.timedelta(days=n)


def create(enrolment, **fields):
    values = {
        "title": "Daily dispatch check",
        "category": Category.SYSTEM_FAILURE,
        "product": "Broadband",
        **fields,
    }
    return services.preventive_action_create(
        learner=enrolment.learner, centre=enrolment.centre, **values
    )


APPROVED = {
    "proposal": "Check every confirmed order is dispatched by 4 pm.",
    "authority": "Customer services manager",
    "decision": "approved",
    "decision_on": None,  # set per test
}


def approved(on: int = 20, **more):
    return {**APPROVED, "decision_on": days_ago(on), **more}


def messages_of(excinfo) -> dict:
    return excinfo.value.message_dict


@pytest.fixture
def decided(enrolment):
    return decide(RepeatedProblemFactory(centre=enrolment.centre, learner=enrolment.learner))


@pytest.fixture
def action(enrolment):
    return PreventiveActionFactory(centre=enrolment.centre, learner=enrolment.learner)


@pytest.fixture
def notified(monkeypatch, settings):
    """The task names and arguments the problem log hands to the engine."""
    sent = []

    class Signature:
        def __init__(self, name, args):
            self.name, self.args = name, args

        def delay(self):
            sent.append((self.name, self.args))

    monkeypatch.setattr(
        "complaints.services.current_app.signature", lambda name, args: Signature(name, args)
    )
    settings.CASEBOOK_PREVENTIVE_ACTION_CHANGED_TASK = "analytics.preventive_action_changed"
    return sent


# --- Recording it ---------------------------------------------------------------------------------


def test_a_planned_change_needs_only_a_name_and_a_target(enrolment):
    action = create(enrolment)
    assert action.stage == "Planned"
    assert action.implemented_on is None
    assert action.kind == PreventiveAction.Kind.OWN


def test_an_approved_change_put_in_place_is_recorded(enrolment):
    action = create(
        enrolment, **approved(), description="A 4 pm dispatch check.", implemented_on=days_ago(10)
    )
    assert action.stage == "In place"
    assert action.is_approved


def test_text_is_trimmed(enrolment):
    action = create(enrolment, title="  Daily check  ", authority="  Team leader ")
    assert (action.title, action.authority) == ("Daily check", "Team leader")


def test_an_unknown_field_is_a_programming_error(enrolment):
    with pytest.raises(TypeError, match="colour"):
        create(enrolment, colour="blue")


# --- 3.1 the negotiation --------------------------------------------------------------------------


def test_a_decision_says_who_made_it_and_when(enrolment):
    with pytest.raises(ValidationError) as excinfo:
        create(enrolment, proposal="A check", decision="approved")
    errors = messages_of(excinfo)
    assert errors["authority"] == ["Say who decided: the appropriate authority's name or role."]
    assert errors["decision_on"] == ["Give the date of the decision."]


def test_a_decision_date_without_a_decision_is_refused_with_the_date(enrolment):
    when = days_ago(3)
    with pytest.raises(ValidationError) as excinfo:
        create(enrolment, authority="Team leader", decision_on=when)
    assert f"Record the decision made on {when.day} " in messages_of(excinfo)["decision"][0]


def test_a_decision_cannot_be_in_the_future(enrolment):
    with pytest.raises(ValidationError) as excinfo:
        create(enrolment, **approved(on=-2))
    assert messages_of(excinfo)["decision_on"] == ["The decision cannot be in the future."]


def test_the_learners_own_change_says_what_was_proposed(enrolment):
    with pytest.raises(ValidationError) as excinfo:
        create(enrolment, **approved(proposal=""))
    assert messages_of(excinfo)["proposal"] == [
        "Say what you proposed to the appropriate authority."
    ]


# --- 3.2 the implementation -----------------------------------------------------------------------


def test_a_refused_change_cannot_be_implemented(enrolment):
    with pytest.raises(ValidationError) as excinfo:
        create(
            enrolment,
            **approved(decision="refused"),
            description="A check",
            implemented_on=days_ago(5),
        )
    message = messages_of(excinfo)["implemented_on"][0]
    assert message.startswith("Customer services manager refused this change")
    assert "cannot be implemented" in message


def test_a_refused_change_is_recorded_without_a_date(enrolment):
    action = create(enrolment, **approved(decision="refused"))
    assert action.stage == "Refused"


def test_a_change_cannot_take_effect_before_the_authority_decided(enrolment):
    with pytest.raises(ValidationError) as excinfo:
        create(enrolment, **approved(on=5), description="A check", implemented_on=days_ago(9))
    message = messages_of(excinfo)["implemented_on"][0]
    decided_on, effect_on = days_ago(5), days_ago(9)
    assert message == (
        f"The change cannot have taken effect on {effect_on.day} {effect_on:%b %Y}, before "
        f"Customer services manager's decision on {decided_on.day} {decided_on:%b %Y}."
    )


def test_the_learners_own_change_is_approved_before_it_is_implemented(enrolment):
    with pytest.raises(ValidationError) as excinfo:
        create(enrolment, description="A check", implemented_on=days_ago(2))
    assert (
        "Record the appropriate authority's approval (3.1)"
        in (messages_of(excinfo)["implemented_on"][0])
    )


def test_a_change_cannot_take_effect_in_the_future(enrolment):
    with pytest.raises(ValidationError) as excinfo:
        create(enrolment, **approved(), description="A check", implemented_on=days_ago(-1))
    assert "in the future" in messages_of(excinfo)["implemented_on"][0]


def test_an_implemented_change_says_what_changed(enrolment):
    with pytest.raises(ValidationError) as excinfo:
        create(enrolment, **approved(), implemented_on=days_ago(2))
    assert messages_of(excinfo)["description"] == ["Say what changed in systems or procedures."]


# --- 3.5 the organisation's change ----------------------------------------------------------------


def test_an_organisations_change_is_actioned_without_the_learners_negotiation(enrolment):
    action = create(
        enrolment,
        kind="organisation",
        organisation_change="A new returns procedure for faulty routers.",
        how_actioned="Briefed my team and used it from the first day.",
        description="Faulty routers are swapped in store.",
        implemented_on=days_ago(7),
    )
    assert action.stage == "In place"
    assert action.is_organisations


def test_an_organisations_change_says_what_was_brought_in_and_how_it_was_actioned(enrolment):
    with pytest.raises(ValidationError) as excinfo:
        create(enrolment, kind="organisation", description="x", implemented_on=days_ago(1))
    errors = messages_of(excinfo)
    assert errors["organisation_change"] == ["Say what your organisation brought in."]
    assert errors["how_actioned"] == ["Say how you actioned your organisation's change."]


# --- The repeated problem it addresses -------------------------------------------------------------


def test_a_change_addresses_a_decided_repeated_problem(enrolment, decided):
    action = create(enrolment, repeated_problem=decided)
    assert list(decided.preventive_actions.all()) == [action]


def test_an_undecided_repeated_problem_cannot_be_addressed_yet_and_the_message_says_why(
    enrolment,
):
    record = RepeatedProblemFactory(
        centre=enrolment.centre, learner=enrolment.learner, title="Routers sent late"
    )
    with pytest.raises(ValidationError) as excinfo:
        create(enrolment, repeated_problem=record)
    assert messages_of(excinfo)["repeated_problem"] == [
        "“Routers sent late” is not decided yet. Choose the best option for it (outcome 2.4) "
        "first: the preventive action is the change that carries it out."
    ]
    assert services.plan_blockers(repeated_problem=record)


def test_another_learners_repeated_problem_cannot_be_addressed(enrolment, other_learner):
    theirs = decide(RepeatedProblemFactory(centre=enrolment.centre, learner=other_learner))
    with pytest.raises(ValidationError) as excinfo:
        create(enrolment, repeated_problem=theirs)
    assert "only your own repeated problems" in messages_of(excinfo)["repeated_problem"][0]


def test_a_repeated_problem_at_another_centre_cannot_be_addressed(enrolment, other_centre, learner):
    elsewhere = decide(RepeatedProblemFactory(centre=other_centre, learner=learner))
    with pytest.raises(ValidationError) as excinfo:
        create(enrolment, repeated_problem=elsewhere)
    assert "at the same centre" in messages_of(excinfo)["repeated_problem"][0]


def test_putting_the_change_in_place_marks_the_repeated_problem_acted_on(enrolment, decided):
    action = create(enrolment, repeated_problem=decided, **approved())
    decided.refresh_from_db()
    assert decided.status == RepeatedProblem.Status.DECIDED
    services.preventive_action_update(
        preventive_action=action, description="A 4 pm check.", implemented_on=days_ago(3)
    )
    decided.refresh_from_db()
    assert decided.status == RepeatedProblem.Status.ACTED_ON
    assert decided.history.first().status == "acted_on"


# --- Updating, and history ------------------------------------------------------------------------


def test_an_update_applies_the_same_rules(action):
    with pytest.raises(ValidationError) as excinfo:
        services.preventive_action_update(preventive_action=action, decision="refused")
    assert "refused this change" in messages_of(excinfo)["implemented_on"][0]
    action.refresh_from_db()
    assert action.decision == "approved"


def test_every_change_is_kept_in_the_history(enrolment):
    action = create(enrolment, **approved())
    services.preventive_action_update(preventive_action=action, monitoring_plan="Weekly counts.")
    services.preventive_action_update(
        preventive_action=action, description="A 4 pm check.", implemented_on=days_ago(2)
    )
    history = list(action.history.order_by("history_date", "history_id"))
    assert [h.history_type for h in history] == ["+", "~", "~"]
    assert history[0].implemented_on is None
    assert history[1].monitoring_plan == "Weekly counts."
    assert history[2].implemented_on == days_ago(2)


# --- 3.3 customers told ---------------------------------------------------------------------------


def tell(action, **fields):
    values = {
        "sent_on": days_ago(1),
        "channel": "email",
        "audience": "Customers waiting for a router",
        "message": "From Monday every order is checked at 4 pm, so routers go out that day.",
        **fields,
    }
    return services.communication_add(preventive_action=action, **values)


def test_what_customers_were_told_is_recorded_with_history(action):
    communication = tell(action)
    assert list(action.communications.all()) == [communication]
    assert communication.history.count() == 1


def test_customers_are_told_about_a_change_before_it_is_in_place_too(enrolment):
    planned = create(enrolment, **approved())
    assert tell(planned).preventive_action == planned


def test_a_message_cannot_be_recorded_before_it_has_gone_out(action):
    with pytest.raises(ValidationError) as excinfo:
        tell(action, sent_on=days_ago(-1))
    assert messages_of(excinfo)["sent_on"] == ["Record the message once it has gone out."]


def test_a_message_says_who_was_told_and_what(action):
    with pytest.raises(ValidationError) as excinfo:
        tell(action, audience="  ", message="")
    assert set(messages_of(excinfo)) == {"audience", "message"}
    assert not CustomerCommunication.objects.exists()


def test_there_is_nothing_to_tell_customers_about_a_refused_change(enrolment):
    refused = create(enrolment, **approved(decision="refused"))
    with pytest.raises(ValidationError, match="refused this change: there is nothing to tell"):
        tell(refused)


# --- 3.4 adjustments ------------------------------------------------------------------------------


def adjust(action, **fields):
    values = {
        "made_on": days_ago(1),
        "what": "The check moved to 2 pm.",
        "why": "No clear change after six weeks: late orders missed the 4 pm check.",
        **fields,
    }
    return services.adjustment_add(preventive_action=action, **values)


def test_an_adjustment_is_recorded_with_history(action):
    adjustment = adjust(action)
    assert list(action.adjustments.all()) == [adjustment]
    assert adjustment.history.count() == 1


def test_a_change_not_in_place_cannot_be_adjusted(enrolment):
    planned = create(enrolment, **approved())
    with pytest.raises(ValidationError, match=r"Record the implementation \(3.2\) first"):
        adjust(planned)
    assert not PreventiveAdjustment.objects.exists()


def test_an_adjustment_cannot_come_before_the_change_took_effect(action):
    with pytest.raises(ValidationError) as excinfo:
        adjust(action, made_on=action.implemented_on - datetime.timedelta(days=1))
    assert "before the change took effect on" in messages_of(excinfo)["made_on"][0]


def test_an_adjustment_cannot_be_in_the_future(action):
    with pytest.raises(ValidationError) as excinfo:
        adjust(action, made_on=days_ago(-3))
    assert messages_of(excinfo)["made_on"] == ["Record the adjustment once it is made."]


# --- The engine re-measures after the commit -------------------------------------------------------


def test_a_change_put_in_place_is_measured_after_its_transaction_commits(
    enrolment, notified, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        create(enrolment, **approved(), description="A check", implemented_on=days_ago(3))
    assert notified == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert notified == [("analytics.preventive_action_changed", [enrolment.centre_id])]


def test_a_planned_change_has_nothing_to_measure(
    enrolment, notified, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        create(enrolment, **approved())
    assert notified == []


@pytest.mark.parametrize(
    "change",
    [
        {"implemented_on": days_ago(14)},
        {"category": Category.RESOURCE_OR_ERROR},
        {"product": "Landline"},
    ],
)
def test_a_new_date_or_target_is_measured_again(
    action, notified, django_capture_on_commit_callbacks, change
):
    with django_capture_on_commit_callbacks(execute=True):
        services.preventive_action_update(preventive_action=action, **change)
    assert notified == [("analytics.preventive_action_changed", [action.centre_id])]


def test_words_alone_need_no_new_measurement(action, notified, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.preventive_action_update(
            preventive_action=action, monitoring_plan="Weekly counts for two months."
        )
        tell(action)
        adjust(action)
    assert notified == []


def test_a_refused_save_tells_the_engine_nothing(
    action, notified, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.preventive_action_update(preventive_action=action, implemented_on=days_ago(-1))
    assert notified == []


def test_the_engine_re_measures_the_centres_actions_when_told(
    enrolment, django_capture_on_commit_callbacks, eager_jobs
):
    """The configured listener (the engine's full pass for the centre) stores a result."""
    from analytics.models import AnalysisRun, Effectiveness
    from tests.complaints.factories import ProblemFactory

    ProblemFactory(centre=enrolment.centre, learner=enrolment.learner)
    with django_capture_on_commit_callbacks(execute=True):
        action = create(enrolment, **approved(), description="A check", implemented_on=days_ago(3))
    run = AnalysisRun.objects.get(centre=enrolment.centre)
    assert (run.scope, run.status) == ("full", "succeeded")
    assert Effectiveness.objects.get(action=action).verdict == "too_early"
