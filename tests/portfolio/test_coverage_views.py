"""The coverage page and its selector: the learner's own, read by their assessor and IV,
404 for everyone else; the data gathered in a fixed number of queries."""

import pytest
from django.urls import reverse

from complaints.models import Category, IdentifiedBy
from portfolio import selectors
from portfolio.models import EvidenceKnowledge, EvidenceOutcome, EvidenceRange
from tests.complaints.factories import ProblemFactory
from tests.portfolio.factories import EvidenceItemFactory

READERS = ["assessor", "verifier"]
OUTSIDERS = [
    "other_learner",
    "other_assessor",
    "manager",
    "centre_admin",
    "other_centre_learner",
    "other_centre_assessor",
    "other_centre_manager",
]


@pytest.fixture
def persona(request, other_enrolment):
    def get(name):
        return request.getfixturevalue(name)

    return get


def map_to(item, *, outcomes=(), knowledge=(), range_items=(), confirmed=True):
    unit = item.enrolment.unit
    for code in outcomes:
        EvidenceOutcome.objects.create(
            evidence=item, outcome=unit.outcomes.get(code=code), confirmed=confirmed
        )
    for code in knowledge:
        EvidenceKnowledge.objects.create(
            evidence=item, knowledge_item=unit.knowledge_items.get(code=code), confirmed=confirmed
        )
    for code in range_items:
        EvidenceRange.objects.create(
            evidence=item, range_item=unit.range_items.get(code=code), confirmed=confirmed
        )


@pytest.fixture
def mapped(enrolment, evidence_type, problem):
    """EI 1, a personal statement drawing on a customer-identified system failure (the
    `problem` factory's defaults), confirmed to 1.1 and 1.4, knowledge 7, two range items;
    1.5 only suggested."""
    item = EvidenceItemFactory(enrolment=enrolment, ei=1, evidence_type=evidence_type("P"))
    item.problems.add(problem)
    map_to(
        item,
        outcomes=["1.1", "1.4"],
        knowledge=["7"],
        range_items=["identified_by_customer", "system_failure"],
    )
    map_to(item, outcomes=["1.5"], confirmed=False)
    return item


def reader_url(enrolment):
    return reverse("portfolio:enrolment-coverage", args=[enrolment.pk])


# Access -----------------------------------------------------------------------------------


def test_the_learner_sees_their_own_coverage(client, learner, mapped):
    client.force_login(learner)
    response = client.get(reverse("portfolio:coverage"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "My coverage" in page
    assert "Outcome 2.3 has no confirmed evidence yet" in page


def test_the_learner_may_also_open_their_coverage_by_its_readers_address(client, learner, mapped):
    client.force_login(learner)
    response = client.get(reader_url(mapped.enrolment))
    assert response.status_code == 200
    assert "My coverage" in response.content.decode()


@pytest.mark.parametrize("who", READERS)
def test_assessor_and_verifier_read_the_learners_coverage(client, persona, mapped, who):
    client.force_login(persona(who))
    response = client.get(reader_url(mapped.enrolment))
    assert response.status_code == 200
    page = response.content.decode()
    assert "coverage" in page
    assert "You are reading" in page


@pytest.mark.parametrize("who", OUTSIDERS)
def test_everyone_else_gets_404_for_the_learners_coverage(client, persona, mapped, who):
    client.force_login(persona(who))
    assert client.get(reader_url(mapped.enrolment)).status_code == 404


@pytest.mark.parametrize(
    "who", [*READERS, "manager", "centre_admin", "other_centre_assessor", "other_centre_manager"]
)
def test_people_without_a_portfolio_of_their_own_get_404_at_my_coverage(
    client, persona, mapped, who
):
    client.force_login(persona(who))
    assert client.get(reverse("portfolio:coverage")).status_code == 404


def test_another_learner_at_my_coverage_sees_only_their_own(client, persona, mapped):
    client.force_login(persona("other_learner"))
    response = client.get(reverse("portfolio:coverage"))
    assert response.status_code == 200
    assert mapped.title not in response.content.decode()


@pytest.mark.parametrize("name", ["own", "reader"])
def test_anonymous_visitors_are_sent_to_log_in(client, mapped, name):
    url = reverse("portfolio:coverage") if name == "own" else reader_url(mapped.enrolment)
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# What the page shows ----------------------------------------------------------------------


def test_the_outcome_matrix_marks_confirmed_mappings_in_words_with_headers(client, learner, mapped):
    client.force_login(learner)
    page = client.get(reverse("portfolio:coverage")).content.decode()
    assert '<th scope="col" class="cb-cov-ei">' in page
    assert 'scope="rowgroup"' in page
    assert '<td class="cb-cov-cell cb-cov-cell-yes">Yes</td>' in page
    assert "<caption>" in page
    assert 'role="region" aria-labelledby="outcomes-heading"' in page


def test_the_learner_sees_suggestions_marked_and_not_counted(client, learner, mapped):
    client.force_login(learner)
    page = client.get(reverse("portfolio:coverage")).content.decode()
    assert '<td class="cb-cov-cell cb-cov-cell-suggested">suggested</td>' in page
    assert "Outcome 1.5 has no confirmed evidence yet" in page
    assert "EI 1 suggests it" in page


def test_the_assessor_does_not_see_casebooks_unconfirmed_suggestions(client, assessor, mapped):
    client.force_login(assessor)
    page = client.get(reader_url(mapped.enrolment)).content.decode()
    assert "cb-cov-cell-suggested" not in page
    assert "Outcome 1.5 has no confirmed evidence yet" in page


def test_the_knowledge_grid_lists_ei_numbers_under_the_evidence_type(client, learner, mapped):
    client.force_login(learner)
    page = client.get(reverse("portfolio:coverage")).content.decode()
    assert '<abbr title="Personal Statement">P</abbr>' in page
    assert "2.v" in page
    assert "Knowledge item 7 has no evidence yet" not in page
    assert "Knowledge item 8 has no evidence yet" in page


def test_the_range_names_the_problem_that_shows_it(client, learner, mapped, problem):
    client.force_login(learner)
    page = client.get(reverse("portfolio:coverage")).content.decode()
    assert problem.reference in page
    assert problem.get_absolute_url() in page


def test_evidence_whose_problems_do_not_show_a_range_item_is_flagged_not_counted(
    client, learner, enrolment, evidence_type
):
    item = EvidenceItemFactory(enrolment=enrolment, ei=1, evidence_type=evidence_type("P"))
    item.problems.add(
        ProblemFactory(centre=enrolment.centre, learner=learner, category=Category.EXPECTATIONS_GAP)
    )
    map_to(item, range_items=["resource_or_error"])
    client.force_login(learner)
    page = client.get(reverse("portfolio:coverage")).content.decode()
    assert "do not show this" in page
    assert selectors.coverage_data(enrolment=enrolment).range_progress.covered == 0


def test_the_portfolio_page_links_to_coverage(client, learner, mapped):
    client.force_login(learner)
    page = client.get(reverse("portfolio:home")).content.decode()
    assert reader_url(mapped.enrolment) in page


def test_the_learners_home_shows_progress_and_the_first_three_missing(client, learner, mapped):
    client.force_login(learner)
    page = client.get(reverse("home-learner")).content.decode()
    assert "My coverage of unit F6" in page
    assert "Outcome 1.2 has no confirmed evidence yet" in page
    assert "Outcome 1.3 has no confirmed evidence yet" in page
    assert "Outcome 1.5 has no confirmed evidence yet" in page
    assert "Outcome 1.6 has no confirmed evidence yet" not in page
    assert reader_url(mapped.enrolment) in page


# The selector -----------------------------------------------------------------------------


def test_coverage_draws_on_the_learners_own_incidents_of_a_linked_repeated_problem(
    enrolment, learner, other_learner, evidence_type
):
    from analytics.models import CandidateIncident, RecurringCandidate

    mine = ProblemFactory(
        centre=enrolment.centre, learner=learner, identified_by=IdentifiedBy.COLLEAGUE
    )
    theirs = ProblemFactory(
        centre=enrolment.centre, learner=other_learner, category=Category.RESOURCE_OR_ERROR
    )
    candidate = RecurringCandidate.objects.create(
        centre=enrolment.centre,
        category="system_failure",
        product="Broadband",
        first_at=mine.received_at,
        last_at=mine.received_at,
    )
    for p in (mine, theirs):
        CandidateIncident.objects.create(candidate=candidate, problem=p)
    item = EvidenceItemFactory(enrolment=enrolment, ei=1, evidence_type=evidence_type("P"))
    item.repeated_problems.add(candidate)
    map_to(item, range_items=["identified_first_by_learner_or_colleague", "resource_or_error"])
    result = selectors.coverage_data(enrolment=enrolment)
    rows = {r.item.code: r for g in result.range for r in g.rows}
    assert rows["identified_first_by_learner_or_colleague"].covered
    assert [p.reference for p in result.evidence[0].problems] == [mine.reference]
    assert not rows["resource_or_error"].covered  # only someone else's incident shows it


def _evidence_items(enrolment, evidence_type, count):
    problems = ProblemFactory.create_batch(3, centre=enrolment.centre, learner=enrolment.learner)
    for n in range(1, count + 1):
        item = EvidenceItemFactory(enrolment=enrolment, ei=n, evidence_type=evidence_type("P"))
        item.problems.add(*problems[: 1 + n % 3])
        map_to(item, outcomes=["1.1", "2.3"], knowledge=["7", "2.ii"])
        map_to(item, outcomes=["3.1"], range_items=["system_failure"], confirmed=False)


@pytest.mark.parametrize("count", [1, 20])
def test_coverage_is_gathered_in_ten_queries_however_much_evidence(
    enrolment, evidence_type, django_assert_num_queries, count
):
    _evidence_items(enrolment, evidence_type, count)
    with django_assert_num_queries(10):
        result = selectors.coverage_data(enrolment=enrolment)
    assert len(result.evidence) == count
    assert result.outcomes.covered == 2


def test_the_coverage_page_renders_without_queries_per_evidence_item(
    client, learner, enrolment, evidence_type, django_assert_max_num_queries
):
    _evidence_items(enrolment, evidence_type, 20)
    client.force_login(learner)
    client.get(reverse("portfolio:coverage"))  # warm the session and user lookups
    with django_assert_max_num_queries(16):
        assert client.get(reverse("portfolio:coverage")).status_code == 200
