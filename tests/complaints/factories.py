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
