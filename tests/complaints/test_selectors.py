"""Who may read which problems."""

from complaints.selectors import problems_visible_to
from tests.complaints.factories import ProblemFactory
from tests.portfolio.factories import EnrolmentFactory


def test_a_learner_sees_their_own_problems_only(learner, other_learner, problem):
    ProblemFactory(centre=problem.centre, learner=other_learner)
    assert list(problems_visible_to(user=learner)) == [problem]


def test_the_learners_assessor_and_verifier_read_their_problems(assessor, verifier, problem):
    assert list(problems_visible_to(user=assessor)) == [problem]
    assert list(problems_visible_to(user=verifier)) == [problem]


def test_an_assessor_does_not_see_learners_they_do_not_assess(assessor, other_learner, centre):
    ProblemFactory(centre=centre, learner=other_learner)
    assert list(problems_visible_to(user=assessor)) == []


def test_an_assessor_sees_a_learner_only_at_the_centre_where_they_assess_them(
    assessor, learner, problem, other_centre
):
    elsewhere = ProblemFactory(centre=other_centre, learner=learner)
    assert elsewhere not in problems_visible_to(user=assessor)


def test_a_manager_reads_every_problem_of_their_centre(manager, problem, other_learner, centre):
    second = ProblemFactory(centre=centre, learner=other_learner)
    assert set(problems_visible_to(user=manager)) == {problem, second}


def test_people_of_another_centre_see_nothing(
    problem, other_centre_learner, other_centre_assessor, other_centre_manager
):
    for outsider in (other_centre_learner, other_centre_assessor, other_centre_manager):
        assert list(problems_visible_to(user=outsider)) == []


def test_a_centre_admin_does_not_read_problems(centre_admin, problem):
    assert list(problems_visible_to(user=centre_admin)) == []


def test_visibility_needs_no_duplicate_rows_for_two_roles(assessor, verifier, problem, centre):
    EnrolmentFactory(
        centre=centre,
        learner=problem.learner,
        assessor=assessor,
        verifier=assessor,
        unit__code="OTHER",
    )
    assert list(problems_visible_to(user=assessor)) == [problem]
