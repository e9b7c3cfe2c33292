import datetime

import factory
from django.utils import timezone

from complaints.models import Action, ActionKind, Category, IdentifiedBy, Problem
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
