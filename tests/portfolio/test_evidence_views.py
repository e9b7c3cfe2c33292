"""The portfolio's pages, for every persona: the learner owns and changes their portfolio;
their assessor and internal verifier read it; everyone else gets 404."""

import pytest
from django.urls import reverse

from portfolio.models import EvidenceItem
from tests.complaints.factories import ActionFactory

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
    """Every persona; the other learner is enrolled, with their own assessor (otto)."""

    def get(name):
        return request.getfixturevalue(name)

    return get


def urls(item, problem):
    return {
        "portfolio": reverse("portfolio:enrolment", args=[item.enrolment_id]),
        "detail": item.get_absolute_url(),
        "edit": reverse("portfolio:evidence-edit", args=[item.pk]),
        "mapping": reverse("portfolio:evidence-mapping", args=[item.pk]),
        "submit": reverse("portfolio:evidence-submit", args=[item.pk]),
        "draft": reverse("portfolio:draft-from-problem", args=[problem.pk]),
    }


# Reading ----------------------------------------------------------------------------------


def test_the_learner_sees_their_portfolio_at_portfolio(client, learner, item):
    client.force_login(learner)
    response = client.get(reverse("portfolio:home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "My portfolio" in page
    assert item.title in page


@pytest.mark.parametrize("who", READERS)
def test_assessor_and_verifier_find_the_learners_portfolio_at_portfolio(client, persona, item, who):
    client.force_login(persona(who))
    response = client.get(reverse("portfolio:home"))
    assert response.status_code == 200
    assert reverse("portfolio:enrolment", args=[item.enrolment_id]) in response.content.decode()


def test_another_learner_sees_only_their_own_portfolio(client, persona, item):
    client.force_login(persona("other_learner"))
    response = client.get(reverse("portfolio:home"))
    assert response.status_code == 200
    assert item.title not in response.content.decode()


def test_another_assessor_does_not_find_this_learner(client, persona, item):
    client.force_login(persona("other_assessor"))
    response = client.get(reverse("portfolio:home"))
    assert response.status_code == 200
    assert reverse("portfolio:enrolment", args=[item.enrolment_id]) not in response.content.decode()


@pytest.mark.parametrize(
    "who",
    [
        "manager",
        "centre_admin",
        "other_centre_learner",
        "other_centre_assessor",
        "other_centre_manager",
    ],
)
def test_people_without_a_portfolio_to_read_get_404_at_portfolio(client, persona, item, who):
    client.force_login(persona(who))
    assert client.get(reverse("portfolio:home")).status_code == 404


@pytest.mark.parametrize("who", ["learner", *READERS])
@pytest.mark.parametrize("page", ["portfolio", "detail"])
def test_the_learner_their_assessor_and_verifier_read_the_portfolio(
    client, persona, item, problem, who, page
):
    client.force_login(persona(who))
    response = client.get(urls(item, problem)[page])
    assert response.status_code == 200
    assert item.title in response.content.decode()


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("page", ["portfolio", "detail"])
def test_everyone_else_gets_404_for_the_portfolio(client, persona, item, problem, who, page):
    client.force_login(persona(who))
    assert client.get(urls(item, problem)[page]).status_code == 404


@pytest.mark.parametrize("who", READERS)
def test_readers_see_no_edit_mapping_or_submit_controls(client, persona, item, problem, who):
    client.force_login(persona(who))
    page = client.get(item.get_absolute_url()).content.decode()
    for name in ("edit", "mapping", "submit"):
        assert urls(item, problem)[name] not in page
    assert "Only " in page
    assert "can change it" in page


# Changing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [*READERS, *OUTSIDERS])
def test_only_the_learner_may_edit_map_submit_or_draft(client, persona, item, problem, who):
    client.force_login(persona(who))
    u = urls(item, problem)
    assert client.get(u["edit"]).status_code == 404
    assert client.post(u["edit"], {"title": "Hijacked", "narrative": "x"}).status_code == 404
    one_one = item.enrolment.unit.outcomes.get(code="1.1")
    assert client.post(u["mapping"], {"outcomes": [one_one.pk]}).status_code == 404
    assert client.post(u["submit"]).status_code == 404
    assert client.post(u["draft"]).status_code == 404
    item.refresh_from_db()
    assert item.title != "Hijacked"
    assert item.status == EvidenceItem.Status.DRAFT
    assert not item.outcome_mappings.exists()
    assert EvidenceItem.objects.count() == 1


@pytest.mark.parametrize(
    "who", ["assessor", "verifier", "manager", "centre_admin", "other_centre_assessor"]
)
def test_people_without_a_portfolio_cannot_add_evidence(client, persona, who):
    client.force_login(persona(who))
    assert client.get(reverse("portfolio:evidence-create")).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in_from_every_portfolio_page(client, item, problem):
    pages = [reverse("portfolio:home"), reverse("portfolio:evidence-create")]
    for url in [*pages, *(urls(item, problem)[n] for n in ("portfolio", "detail", "edit"))]:
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("login") in response["Location"]
    for name in ("mapping", "submit", "draft"):
        response = client.post(urls(item, problem)[name])
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


def test_the_learner_adds_evidence_after_choosing_its_type(client, learner, enrolment, f6):
    client.force_login(learner)
    url = reverse("portfolio:evidence-create")
    assert client.get(url).status_code == 200
    observation = f6.evidence_types.get(code="O")
    typed = f"{url}?evidence_type={observation.pk}"
    assert client.get(typed).status_code == 200
    response = client.post(
        typed, {"title": "Observed call", "date": "2026-03-02", "narrative": "Watched me."}
    )
    item = EvidenceItem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == item.get_absolute_url()
    assert (item.ei, item.evidence_type, item.title) == (1, observation, "Observed call")


def test_the_ei_column_is_not_offered_as_a_type(client, learner, enrolment, f6):
    client.force_login(learner)
    ei = f6.evidence_types.get(code="EI")
    response = client.get(f"{reverse('portfolio:evidence-create')}?evidence_type={ei.pk}")
    assert response.status_code == 200
    assert "Evidence Index No." not in response.content.decode()
    assert not EvidenceItem.objects.exists()


def test_a_personal_statement_asks_for_star_not_a_narrative(client, learner, enrolment, f6):
    client.force_login(learner)
    p = f6.evidence_types.get(code="P")
    page = client.get(f"{reverse('portfolio:evidence-create')}?evidence_type={p.pk}")
    form = page.context["form"]
    assert {"situation", "task", "action", "result"} <= set(form.fields)
    assert "narrative" not in form.fields


def test_the_learner_edits_a_draft(client, learner, item, problem):
    client.force_login(learner)
    u = urls(item, problem)
    assert client.get(u["edit"]).status_code == 200
    response = client.post(u["edit"], {"title": "Better", "date": "2026-03-02", "narrative": "N"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "Better"


def test_the_learner_confirms_mapping_and_submits(client, learner, item, problem):
    client.force_login(learner)
    u = urls(item, problem)
    one_one = item.enrolment.unit.outcomes.get(code="1.1")
    assert client.post(u["mapping"], {"outcomes": [one_one.pk]}).status_code == 302
    assert client.post(u["submit"]).status_code == 302
    item.refresh_from_db()
    assert item.status == EvidenceItem.Status.SUBMITTED
    page = client.get(reverse("portfolio:home")).content.decode()
    assert "1.1" in page
    assert "Submitted" in page
    # Submitted evidence is read-only: the edit page sends the learner back.
    assert client.get(u["edit"]).status_code == 302


def test_submitting_without_a_confirmed_mapping_is_refused_with_a_message(
    client, learner, item, problem
):
    client.force_login(learner)
    response = client.post(urls(item, problem)["submit"], follow=True)
    assert "cannot be submitted yet" in response.content.decode()
    item.refresh_from_db()
    assert item.status == EvidenceItem.Status.DRAFT


def test_mapping_simulation_to_an_outcome_shows_the_units_rule(client, learner, enrolment):
    from tests.portfolio.factories import EvidenceItemFactory

    item = EvidenceItemFactory(
        enrolment=enrolment, evidence_type=enrolment.unit.evidence_types.get(code="S")
    )
    client.force_login(learner)
    one_one = enrolment.unit.outcomes.get(code="1.1")
    response = client.post(
        reverse("portfolio:evidence-mapping", args=[item.pk]), {"outcomes": [one_one.pk]}
    )
    assert response.status_code == 400
    assert "Simulation is not allowed for any performance evidence" in response.content.decode()


def test_the_draft_button_shows_only_to_the_problems_owner(client, learner, assessor, problem):
    button = reverse("portfolio:draft-from-problem", args=[problem.pk])
    client.force_login(learner)
    assert button in client.get(problem.get_absolute_url()).content.decode()
    client.force_login(assessor)
    assert button not in client.get(problem.get_absolute_url()).content.decode()


def test_drafting_twice_opens_the_same_draft(client, learner, problem):
    ActionFactory(problem=problem)
    client.force_login(learner)
    url = reverse("portfolio:draft-from-problem", args=[problem.pk])
    first = client.post(url)
    second = client.post(url)
    item = EvidenceItem.objects.get()
    assert first["Location"] == second["Location"] == item.get_absolute_url()
    page = client.get(item.get_absolute_url()).content.decode()
    assert "suggested — confirm" in page


def test_drafting_is_post_only(client, learner, problem):
    client.force_login(learner)
    url = reverse("portfolio:draft-from-problem", args=[problem.pk])
    assert client.get(url).status_code == 405
