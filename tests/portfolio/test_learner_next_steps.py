"""The learner's home says what to do next: evidence referred back, records to sign,
overdue problems, the engine's suggestions they can confirm, repeated problems to take
forward, drafts to finish and statements awaited; each links to where it is done."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.models import CandidateIncident, RecurringCandidate
from complaints.models import Status
from tests.complaints.factories import OptionFactory, ProblemFactory, RepeatedProblemFactory
from tests.portfolio.factories import EvidenceItemFactory


@pytest.fixture
def home(client, learner):
    client.force_login(learner)

    def steps() -> str:
        response = client.get(reverse("home-learner"))
        assert response.status_code == 200
        return [s.text for s in response.context["next_steps"]]

    return steps


def test_with_nothing_waiting_the_home_says_so(client, learner, enrolment):
    client.force_login(learner)
    assert b"Nothing is waiting for you" in client.get(reverse("home-learner")).content


def test_evidence_referred_back_comes_first_and_links_to_the_item(home, enrolment):
    EvidenceItemFactory(enrolment=enrolment, status="draft", title="A draft")
    item = EvidenceItemFactory(enrolment=enrolment, status="referred_back", title="Needs more")
    steps = home()
    assert steps[0].startswith(f"Change EI {item.ei} (Needs more) and submit it again")
    assert any(s.startswith("Finish draft EI") for s in steps)


def test_a_draft_with_suggestions_asks_the_learner_to_check_them(home, enrolment, f6):
    from portfolio.models import EvidenceOutcome

    item = EvidenceItemFactory(enrolment=enrolment, status="draft", title="From the log")
    for code in ("1.1", "1.2"):
        EvidenceOutcome.objects.create(
            evidence=item, outcome=f6.outcomes.get(code=code), confirmed=False
        )
    assert f"Check the 2 suggested outcomes on draft EI {item.ei} (From the log)" in home()[0]


def test_overdue_problems_are_listed_but_not_while_waiting_on_the_customer(
    home, enrolment, learner
):
    past = timezone.now() - datetime.timedelta(days=1)
    late = ProblemFactory(
        centre=enrolment.centre, learner=learner, status=Status.IN_PROGRESS, resolution_due=past
    )
    ProblemFactory(
        centre=enrolment.centre,
        learner=learner,
        status=Status.AWAITING_CUSTOMER,
        resolution_due=past,
    )
    ProblemFactory(
        centre=enrolment.centre, learner=learner, status=Status.RESOLVED, resolution_due=past
    )
    assert [s for s in home() if "overdue" in s] == [
        f"{late.reference} is overdue: record what you have done, or resolve it."
    ]


def test_many_of_one_kind_are_summed_up_after_three(home, enrolment):
    for n in range(5):
        EvidenceItemFactory(enrolment=enrolment, status="draft", title=f"Draft {n}")
    drafts = [s for s in home() if "draft" in s]
    assert len(drafts) == 4
    assert drafts[-1] == "…and 2 more drafts."


def test_only_suggestions_the_learner_can_confirm_count(home, enrolment, learner):
    def candidate(n_mine):
        c = RecurringCandidate.objects.create(
            centre=enrolment.centre,
            category="system_failure",
            product="Broadband",
            first_at=timezone.now(),
            last_at=timezone.now(),
            size=3,
            status=RecurringCandidate.Status.PROPOSED,
        )
        for _ in range(n_mine):
            p = ProblemFactory(centre=enrolment.centre, learner=learner)
            CandidateIncident.objects.create(candidate=c, problem=p)
        return c

    candidate(1)
    assert not [s for s in home() if "possible repeated" in s]
    candidate(3)
    assert "Casebook found a possible repeated problem in your log" in " ".join(home())


def test_open_repeated_problems_say_what_element_2_still_needs(home, enrolment, learner):
    rp = RepeatedProblemFactory(centre=enrolment.centre, learner=learner, title="Late routers")
    assert f"{rp.title}: appraise at least two options for solving it." in home()
    OptionFactory(repeated_problem=rp)
    OptionFactory(repeated_problem=rp)
    assert f"{rp.title}: record who agreed the way forward, and what." in home()


def test_records_to_countersign_are_listed(home, enrolment, element_signed):
    from portfolio.services import element_record_sign

    element_record_sign(
        enrolment=enrolment,
        element=element_signed,
        by=enrolment.assessor,
        feedback="Good.",
        reauthenticated_at=timezone.now(),
    )
    assert "Countersign the element 1 record: your assessor has signed it." in home()


def test_the_learner_home_shows_what_is_due(client, learner, enrolment):
    ProblemFactory(
        centre=enrolment.centre,
        learner=learner,
        status=Status.IN_PROGRESS,
        resolution_due=timezone.now() - datetime.timedelta(hours=2),
    )
    client.force_login(learner)
    page = client.get(reverse("home-learner")).content.decode()
    assert '<th scope="col">Due</th>' in page
    assert "Overdue" in page


def test_the_learner_home_takes_the_same_queries_however_much_is_waiting(
    client, learner, enrolment
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(learner)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home-learner")).status_code == 200
        return len(queries)

    few = count()
    for n in range(6):
        EvidenceItemFactory(enrolment=enrolment, status="draft", title=f"Draft {n}")
        EvidenceItemFactory(enrolment=enrolment, status="referred_back", title=f"Back {n}")
        ProblemFactory(
            centre=enrolment.centre,
            learner=learner,
            status=Status.IN_PROGRESS,
            resolution_due=timezone.now() - datetime.timedelta(hours=n + 1),
        )
    assert count() == few
