import datetime

import factory
from django.utils import timezone

from complaints.models import (
    Action,
    ActionKind,
    Category,
    Feasibility,
    IdentifiedBy,
    Option,
    OptionBasis,
    PreventiveAction,
    Problem,
    RepeatedProblem,
)
from tests.accounts.factories import CentreFactory, UserFactory


class ProblemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Problem

    centre = factory.SubFactory(CentreFactory)
    learner = factory.SubFactory(UserFactory)
    number = factory.Sequence(lambda n: n + 1)
    # Recent (the manager's overview counts the last 90 days) and never in the future.
    received_at = factory.Sequence(
        lambda n: (
            timezone.now().replace(microsecond=0)
            - datetime.timedelta(days=20)
            + datetime.timedelta(minutes=n % 10000)
        )
    )
    identified_by = IdentifiedBy.CUSTOMER
    product = "Broadband"
    category = Category.SYSTEM_FAILURE
    description = "Customer's router was not dispatched after the order was confirmed."
    customer_ref = factory.Sequence(lambda n: f"CUST-{n:05d}")


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    problem = factory.SubFactory(ProblemFactory)
    kind = ActionKind.RESPONDED
    taken_at = factory.LazyAttribute(
        lambda a: a.problem.received_at + datetime.timedelta(minutes=30)
    )
    taken_by = factory.LazyAttribute(lambda a: a.problem.learner)
    description = "Apologised and confirmed the order details with the customer."


class RepeatedProblemFactory(factory.django.DjangoModelFactory):
    """A repeated problem with three incidents from its learner's log (pass `incidents` to
    choose them)."""

    class Meta:
        model = RepeatedProblem
        skip_postgeneration_save = True

    centre = factory.SubFactory(CentreFactory)
    learner = factory.SubFactory(UserFactory)
    title = "Routers not dispatched after orders are confirmed"
    pattern = "Customers call back a week after ordering because no router arrived."

    @factory.post_generation
    def incidents(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            extracted = ProblemFactory.create_batch(3, centre=self.centre, learner=self.learner)
        self.incidents.set(extracted)


class OptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Option

    repeated_problem = factory.SubFactory(RepeatedProblemFactory)
    title = factory.Sequence(lambda n: f"Option {n}")
    basis = OptionBasis.FORMAL_PROCEDURE
    customer_advantages = "The router arrives when promised."
    organisation_disadvantages = "Warehouse staff time."
    cost = "Two hours a week"
    feasibility = Feasibility.HIGH


def decide(record: RepeatedProblem, *, option: Option | None = None) -> RepeatedProblem:
    """Mark a repeated problem decided with an option chosen (two options, a consultation),
    as repeated_problem_decide leaves it, without going through its rules."""
    if option is None:
        option = OptionFactory(repeated_problem=record, title="Daily dispatch check")
        OptionFactory(
            repeated_problem=record,
            title="Courier upgrade",
            basis=OptionBasis.AUTHORISED_EXCEPTION,
            customer_advantages="",
            organisation_disadvantages="",
            organisation_advantages="Fewer repeat calls.",
        )
    record.consulted_with = "Team leader"
    record.consulted_on = timezone.localdate() - datetime.timedelta(days=40)
    record.agreed = "Try a daily dispatch check."
    record.chosen_option = option
    record.justification = "Routers go out the same day, at little cost."
    record.status = RepeatedProblem.Status.DECIDED
    record.decided_at = timezone.now() - datetime.timedelta(days=39)
    record.save()
    return record


class PreventiveActionFactory(factory.django.DjangoModelFactory):
    """A learner's own change, approved a month ago and in place for three weeks."""

    class Meta:
        model = PreventiveAction

    centre = factory.SubFactory(CentreFactory)
    learner = factory.SubFactory(UserFactory)
    title = "Daily dispatch check"
    proposal = "Check every confirmed order is dispatched by 4 pm."
    authority = "Customer services manager"
    decision = PreventiveAction.Decision.APPROVED
    decision_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    agreed = "A four-week trial."
    description = "The warehouse checks the day's confirmed orders at 4 pm."
    category = Category.SYSTEM_FAILURE
    product = "Broadband"
    implemented_on = factory.LazyFunction(
        lambda: timezone.localdate() - datetime.timedelta(days=21)
    )
