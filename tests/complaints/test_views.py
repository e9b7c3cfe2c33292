"""The problem log's pages, as each persona uses them."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from complaints.models import ActionKind, Problem, Status
from tests.complaints.factories import ActionFactory, ProblemFactory

READERS = ["learner", "assessor", "verifier", "manager"]
OUTSIDERS = [
    "other_learner",
    "centre_admin",
    "other_centre_learner",
    "other_centre_assessor",
    "other_centre_manager",
]


@pytest.fixture
def persona(request):
    def get(name):
        return request.getfixturevalue(name)

    return get


def problem_urls(problem):
    return {
        "detail": reverse("complaints:problem-detail", args=[problem.pk]),
        "edit": reverse("complaints:problem-edit", args=[problem.pk]),
    }


@pytest.mark.parametrize("who", READERS)
def test_the_learner_their_assessor_verifier_and_manager_read_a_problem(
    client, persona, problem, who
):
    client.force_login(persona(who))
    response = client.get(problem.get_absolute_url())
    assert response.status_code == 200
    assert problem.reference in response.content.decode()


@pytest.mark.parametrize("who", OUTSIDERS)
def test_everyone_else_gets_404_for_a_problem(client, persona, problem, who):
    client.force_login(persona(who))
    assert client.get(problem.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("who", ["assessor", "verifier", "manager", *OUTSIDERS])
def test_only_the_learner_may_edit_change_status_or_add_actions(client, persona, problem, who):
    client.force_login(persona(who))
    assert client.get(reverse("complaints:problem-edit", args=[problem.pk])).status_code == 404
    post = client.post(
        reverse("complaints:problem-status", args=[problem.pk]), {"to": Status.ACKNOWLEDGED}
    )
    assert post.status_code == 404
    post = client.post(
        reverse("complaints:action-create", args=[problem.pk]),
        {"kind": ActionKind.RESPONDED, "taken_at": "2026-03-02T10:00", "description": "x"},
    )
    assert post.status_code == 404
    problem.refresh_from_db()
    assert problem.status == Status.NEW
    assert not problem.actions.exists()


def test_anonymous_visitors_are_sent_to_log_in_for_every_problem_page(client, problem):
    for url in [
        reverse("complaints:problem-list"),
        reverse("complaints:problem-create"),
        problem.get_absolute_url(),
        reverse("complaints:problem-edit", args=[problem.pk]),
        reverse("complaints:problem-export", args=["csv"]),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("who", ["assessor", "verifier", "manager", "centre_admin"])
def test_only_learners_log_problems(client, persona, who):
    client.force_login(persona(who))
    assert client.get(reverse("complaints:problem-create")).status_code == 403


def test_a_learner_logs_a_problem_with_the_form(client, learner, enrolment):
    client.force_login(learner)
    response = client.post(
        reverse("complaints:problem-create"),
        {
            "received_at": "2026-03-02T09:30",
            "identified_by": "customer",
            "customer_kind": "external",
            "customer_ref": "ORD-55120",
            "channel": "phone",
            "product": "Home delivery",
            "category": "resource_or_error",
            "severity": "medium",
            "customer_expectation": "Delivery on the promised day",
            "description": "Van broke down; 14 deliveries missed.",
            "why_1": "The van broke down",
            "why_2": "Its service was overdue",
        },
    )
    problem = Problem.objects.get(customer_ref="ORD-55120")
    assert response.status_code == 302
    assert response["Location"] == problem.get_absolute_url()
    assert problem.learner == learner
    assert problem.root_cause_whys == ["The van broke down", "Its service was overdue"]


def test_the_form_says_what_is_missing_and_writes_nothing(client, learner, enrolment):
    client.force_login(learner)
    response = client.post(reverse("complaints:problem-create"), {"why_2": "gap"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Fill the whys in order" in html
    assert not Problem.objects.exists()


def test_the_learner_adds_an_action_and_moves_the_status(client, learner, problem):
    client.force_login(learner)
    taken = timezone.localtime(problem.received_at + datetime.timedelta(minutes=30))
    client.post(
        reverse("complaints:action-create", args=[problem.pk]),
        {
            "kind": ActionKind.RESPONDED,
            "taken_at": taken.strftime("%Y-%m-%dT%H:%M"),
            "description": "Apologised and checked the order.",
        },
    )
    client.post(
        reverse("complaints:problem-status", args=[problem.pk]),
        {"to": Status.AWAITING_CUSTOMER},
    )
    problem.refresh_from_db()
    assert problem.status == Status.AWAITING_CUSTOMER
    assert problem.actions.get().kind == ActionKind.RESPONDED


def test_an_action_missing_what_its_kind_needs_is_refused_with_the_reason(client, learner, problem):
    client.force_login(learner)
    response = client.post(
        reverse("complaints:action-create", args=[problem.pk]),
        {
            "kind": ActionKind.SATISFACTION_CHECKED,
            "taken_at": "2026-03-02T11:00",
            "description": "Called back.",
        },
    )
    assert response.status_code == 400
    assert "satisfaction score" in response.content.decode()
    assert not problem.actions.exists()


def test_the_log_lists_only_what_the_viewer_may_see(
    client, learner, other_learner, problem, other_centre_learner, other_centre
):
    mine_too = ProblemFactory(centre=problem.centre, learner=learner)
    ProblemFactory(centre=problem.centre, learner=other_learner)
    ProblemFactory(centre=other_centre, learner=other_centre_learner)
    client.force_login(learner)
    rows = client.get(reverse("complaints:problem-list")).context["page"].rows
    assert set(rows) == {problem, mine_too}


def test_the_manager_filters_the_centres_log_by_learner(
    client, manager, learner, other_learner, problem
):
    theirs = ProblemFactory(centre=problem.centre, learner=other_learner)
    client.force_login(manager)
    rows = (
        client.get(reverse("complaints:problem-list"), {"learner": other_learner.pk})
        .context["page"]
        .rows
    )
    assert rows == [theirs]


def test_the_log_filters_by_status_category_channel_and_dates(client, learner, enrolment):
    make = lambda **kw: ProblemFactory(centre=enrolment.centre, learner=learner, **kw)  # noqa: E731
    a = make(
        status=Status.RESOLVED,
        category="expectations_gap",
        channel="email",
        received_at=datetime.datetime(2026, 1, 10, 12, tzinfo=datetime.UTC),
    )
    make(
        status=Status.NEW,
        category="expectations_gap",
        channel="email",
        received_at=datetime.datetime(2026, 1, 11, 12, tzinfo=datetime.UTC),
    )
    make(
        status=Status.RESOLVED,
        category="system_failure",
        channel="phone",
        received_at=datetime.datetime(2026, 2, 10, 12, tzinfo=datetime.UTC),
    )
    client.force_login(learner)
    rows = (
        client.get(
            reverse("complaints:problem-list"),
            {
                "status": "resolved",
                "category": "expectations_gap",
                "channel": "email",
                "received_from": "2026-01-01",
                "received_to": "2026-01-31",
            },
        )
        .context["page"]
        .rows
    )
    assert rows == [a]


def test_overdue_means_open_past_its_target_and_not_waiting_on_the_customer(
    client, learner, enrolment
):
    past = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    make = lambda **kw: ProblemFactory(centre=enrolment.centre, learner=learner, **kw)  # noqa: E731
    late = make(status=Status.IN_PROGRESS, resolution_due=past)
    make(status=Status.AWAITING_CUSTOMER, resolution_due=past)
    make(status=Status.RESOLVED, resolution_due=past)
    make(
        status=Status.IN_PROGRESS, resolution_due=datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC)
    )
    client.force_login(learner)
    rows = client.get(reverse("complaints:problem-list"), {"overdue": "on"}).context["page"].rows
    assert rows == [late]


def test_search_finds_words_in_the_description_and_references(client, learner, enrolment):
    hit = ProblemFactory(
        centre=enrolment.centre,
        learner=learner,
        description="The smart meter sent estimated readings all winter",
    )
    ProblemFactory(centre=enrolment.centre, learner=learner, description="Parcel left outside")
    client.force_login(learner)
    rows = (
        client.get(reverse("complaints:problem-list"), {"q": "meter readings"}).context["page"].rows
    )
    assert rows == [hit]
    rows = client.get(reverse("complaints:problem-list"), {"q": hit.reference}).context["page"].rows
    assert rows == [hit]


def test_the_log_page_takes_the_same_number_of_queries_for_5_or_50_rows(
    client, manager, learner, enrolment
):
    ProblemFactory.create_batch(5, centre=enrolment.centre, learner=learner)
    client.force_login(manager)
    url = reverse("complaints:problem-list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    ProblemFactory.create_batch(45, centre=enrolment.centre, learner=learner)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["page"].rows) == 50
    assert len(many) == len(few)


def test_pages_hold_fifty_problems_and_link_onwards(client, learner, enrolment):
    ProblemFactory.create_batch(51, centre=enrolment.centre, learner=learner)
    client.force_login(learner)
    first = client.get(reverse("complaints:problem-list")).context["page"]
    second = client.get(reverse("complaints:problem-list"), {"page": 2}).context["page"]
    assert (len(first.rows), first.has_next) == (50, True)
    assert (len(second.rows), second.has_next) == (1, False)


def _exported_rows(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_export_neutralises_cells_a_spreadsheet_would_run(client, learner, enrolment):
    ProblemFactory(
        centre=enrolment.centre,
        learner=learner,
        product='=HYPERLINK("http://x")',
        description="+44 is not a formula",
        customer_ref="@SUM(A1)",
    )
    client.force_login(learner)
    rows = _exported_rows(client.get(reverse("complaints:problem-export", args=["csv"])))
    header, row = rows
    cells = dict(zip(header, row, strict=True))
    assert cells["Product or service"] == '\'=HYPERLINK("http://x")'
    assert cells["Customer reference"] == "'@SUM(A1)"
    assert cells["What went wrong"].startswith("'+44")


def test_the_xlsx_export_has_the_filtered_rows_as_inert_text(client, learner, enrolment):
    ProblemFactory(centre=enrolment.centre, learner=learner, product="-1+2", category="other")
    ProblemFactory(centre=enrolment.centre, learner=learner, category="system_failure")
    client.force_login(learner)
    response = client.get(
        reverse("complaints:problem-export", args=["xlsx"]), {"category": "other"}
    )
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][8] == "'-1+2"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_the_export_redacts_flagged_personal_data(client, learner, enrolment):
    ProblemFactory(
        centre=enrolment.centre,
        learner=learner,
        description="Rang Mr Jones on 07700 900123 about it",
    )
    client.force_login(learner)
    rows = _exported_rows(client.get(reverse("complaints:problem-export", args=["csv"])))
    assert rows[1][12] == "Rang [redacted] on [redacted] about it"


def test_an_export_holds_only_what_the_viewer_may_see(client, assessor, problem, other_learner):
    ProblemFactory(centre=problem.centre, learner=other_learner)
    client.force_login(assessor)
    rows = _exported_rows(client.get(reverse("complaints:problem-export", args=["csv"])))
    assert [r[0] for r in rows[1:]] == [problem.reference]


def test_the_problem_page_shows_its_history_and_timeline(client, assessor, problem):
    ActionFactory(
        problem=problem,
        kind=ActionKind.KEPT_INFORMED,
        description="Texted an update on the delivery.",
    )
    client.force_login(assessor)
    html = client.get(problem.get_absolute_url()).content.decode()
    assert "Texted an update on the delivery." in html
    assert "Problem created" in html


def test_readers_see_flagged_personal_data_redacted_while_the_learner_sees_it_to_edit(
    client, learner, assessor, problem
):
    from complaints.services import problem_update

    problem_update(problem=problem, by=learner, description="Rang Mrs Patel on 07700 900123")
    client.force_login(assessor)
    assert "07700" not in client.get(problem.get_absolute_url()).content.decode()
    client.force_login(learner)
    html = client.get(problem.get_absolute_url()).content.decode()
    assert "07700 900123" in html
    assert "looks like it contains personal data" in html


def test_html_typed_into_free_text_is_shown_escaped(client, learner, problem):
    from complaints.services import problem_update

    problem_update(problem=problem, by=learner, description="<script>alert(1)</script>")
    client.force_login(learner)
    html = client.get(problem.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_filtering_by_status_reads_without_distinct_so_the_first_page_comes_off_an_index(
    rf, learner
):
    from complaints.filters import ProblemFilter
    from complaints.models import Problem as ProblemModel

    request = rf.get("/", {"status": ["resolved", "closed"], "sort": "due"})
    log = ProblemFilter(request.GET, queryset=ProblemModel.objects.all())
    assert "DISTINCT" not in str(log.qs.query)
