"""The problem log over the API: a centre's key logs problems in a learner's log (one or a
batch, safe to retry), reads the centre's log with the page's filters, moves problems along
the workflow and adds actions, through the same forms and services as the pages."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from complaints.models import Action, Problem, Status
from tests.api.conftest import key_client, problem_payload, session_client
from tests.complaints.factories import ProblemFactory

LIST = "/api/v1/problems/"
BATCH = "/api/v1/problems/batch/"


def detail(problem_id: int) -> str:
    return f"/api/v1/problems/{problem_id}/"


# Logging one problem ---------------------------------------------------------------------


def test_a_write_key_logs_a_problem_in_the_named_learners_log(writer, learner, centre):
    response = writer.post(LIST, problem_payload(), format="json")

    assert response.status_code == 201, response.json()
    problem = Problem.objects.get()
    assert (problem.centre, problem.learner, problem.status) == (centre, learner, Status.NEW)
    assert response.json()["reference"] == problem.reference == "HARBOUR-00001"
    assert response.json()["learner"] == "lena"
    assert problem.resolution_due is not None  # the service set the clock


def test_sending_the_same_reference_again_returns_the_problem_already_logged(writer, learner):
    first = writer.post(LIST, problem_payload(), format="json")
    again = writer.post(LIST, problem_payload(description="changed"), format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Problem.objects.count() == 1


def test_errors_name_the_field_in_the_web_forms_words(writer, learner):
    payload = problem_payload(exception_what="Refund outside policy", category="nonsense")
    del payload["description"]

    response = writer.post(LIST, payload, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "description": ["This field is required."],
        "category": ["Select a valid choice. nonsense is not one of the available choices."],
        "exception_authorised_by": ["Say who authorised the exception to usual practice."],
    }
    assert not Problem.objects.exists()


def test_values_of_the_wrong_json_type_are_refused_not_a_server_error(writer, learner):
    payload = problem_payload(received_at=12, product=["x"], within_authority={"a": 1})
    payload["root_cause_whys"] = ["because", 3]

    response = writer.post(LIST, payload, format="json")

    assert response.status_code == 400
    assert {"received_at", "within_authority"} <= set(response.json())


def test_a_problem_goes_only_into_the_log_of_a_learner_of_the_keys_centre(
    writer, other_centre_learner, manager
):
    for username in ("xavier", "max", "nobody", ""):
        response = writer.post(LIST, problem_payload(learner=username), format="json")
        assert response.status_code == 400
        assert "learner" in response.json()
    assert not Problem.objects.exists()


def test_a_read_key_may_not_write(reader, learner):
    response = reader.post(LIST, problem_payload(), format="json")

    assert response.status_code == 403
    assert not Problem.objects.exists()


def test_a_revoked_key_a_wrong_key_and_no_key_are_refused_with_401(revoked_key, write_key):
    prefix = write_key.partition(".")[0]
    for client in (
        key_client(revoked_key),
        key_client(f"{prefix}.not-the-secret"),
        key_client("garbage"),
        key_client("cb_x.y z"),
    ):
        assert client.get(LIST).status_code == 401
    from rest_framework.test import APIClient

    response = APIClient().get(LIST)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_learner_signed_in_logs_in_their_own_log_only(learner, other_learner):
    client = session_client(learner)
    client.handler.enforce_csrf_checks = False
    payload = problem_payload()
    del payload["learner"]

    assert client.post(LIST, payload, format="json").status_code == 201
    refused = client.post(LIST, problem_payload(learner="olly", external_ref="2"), format="json")
    assert refused.status_code == 400
    assert Problem.objects.get().learner == learner


def test_people_who_are_not_learners_cannot_log_problems(manager, learner):
    client = session_client(manager)
    assert client.post(LIST, problem_payload(), format="json").status_code == 403


# Batches ---------------------------------------------------------------------------------


def batch(count: int, start: int = 0, **overrides) -> dict:
    return {
        "problems": [
            problem_payload(external_ref=f"CRM-{n}", **overrides)
            for n in range(start, start + count)
        ]
    }


def test_a_batch_logs_every_problem_and_sent_again_logs_none_twice(writer, learner):
    first = writer.post(BATCH, batch(5), format="json")
    again = writer.post(BATCH, batch(7), format="json")  # the 5 again, and 2 more

    assert first.status_code == 201, first.json()
    assert (first.json()["created"], first.json()["existing"]) == (5, 0)
    assert (again.json()["created"], again.json()["existing"]) == (2, 5)
    assert [p["id"] for p in again.json()["problems"][:5]] == [
        p["id"] for p in first.json()["problems"]
    ]
    assert Problem.objects.count() == 7
    assert sorted(Problem.objects.values_list("number", flat=True)) == list(range(1, 8))


def test_a_batch_with_one_bad_problem_logs_none_and_says_which_and_why(writer, learner):
    payload = batch(3)
    payload["problems"][1]["severity"] = "apocalyptic"
    payload["problems"][2]["external_ref"] = "CRM-0"

    response = writer.post(BATCH, payload, format="json")

    assert response.status_code == 400
    errors = response.json()["problems"]
    assert errors[0] == {}
    assert list(errors[1]) == ["severity"]
    assert errors[2] == {"external_ref": ["Problem 1 of this batch has it too."]}
    assert not Problem.objects.exists()


def test_a_batch_needs_references_and_a_bounded_size(writer, learner):
    no_ref = batch(1)
    del no_ref["problems"][0]["external_ref"]
    assert writer.post(BATCH, no_ref, format="json").json() == {
        "problems": [{"external_ref": ["Give the problem's reference in your system."]}]
    }
    for bad in ({"problems": []}, {"problems": "x"}, [1], batch(501)):
        response = writer.post(BATCH, bad, format="json")
        assert response.status_code == 400
    assert not Problem.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_copies_of_a_batch_sent_at_once_log_each_problem_once(centre, learner, write_key):
    """A client that times out and resends while the first request is still running."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one write at a time: nothing to race")

    def send(_):
        try:
            return key_client(write_key).post(BATCH, batch(40), format="json").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        codes = sorted(pool.map(send, range(4)))

    assert codes == [200, 200, 200, 201]
    assert Problem.objects.count() == 40


# Reading ---------------------------------------------------------------------------------


def test_a_key_reads_its_centres_whole_log_with_the_pages_filters(reader, centre, learner):
    other = ProblemFactory(centre=centre, learner=learner, product="Mobile", status="resolved")
    ProblemFactory.create_batch(3, centre=centre, learner=learner, product="Broadband")

    everything = reader.get(LIST).json()
    resolved = reader.get(LIST, {"status": "resolved"}).json()
    mobile = reader.get(LIST, {"product": "Mobile", "open_only": "false"}).json()

    assert len(everything["results"]) == 4
    assert [p["id"] for p in resolved["results"]] == [other.pk]
    assert [p["id"] for p in mobile["results"]] == [other.pk]
    assert reader.get(LIST, {"open_only": "true", "product": "Mobile"}).json()["results"] == []
    assert reader.get(LIST, {"received_from": "not a date"}).status_code == 400


def test_the_log_comes_a_page_at_a_time_following_the_cursor(reader, centre, learner):
    ProblemFactory.create_batch(7, centre=centre, learner=learner)
    seen, url = [], LIST + "?page_size=3&sort=oldest"
    while url:
        page = reader.get(url).json()
        seen += [p["id"] for p in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 7
    ordered = Problem.objects.order_by("received_at", "id").values_list("id", flat=True)
    assert seen == list(ordered)


def test_a_key_of_another_centre_sees_nothing_of_this_one(outsider, problem):
    assert outsider.get(LIST).json()["results"] == []
    assert outsider.get(detail(problem.pk)).status_code == 404
    for path in ("status/", "actions/"):
        assert outsider.post(detail(problem.pk) + path, {}, format="json").status_code == 404
    assert outsider.post(BATCH, batch(1), format="json").status_code == 400  # no learner there


def test_people_signed_in_read_what_they_read_on_the_pages(
    problem, learner, assessor, manager, other_learner, other_centre_manager
):
    for person, sees in [
        (learner, True),
        (assessor, True),
        (manager, True),
        (other_learner, False),
        (other_centre_manager, False),
    ]:
        client = session_client(person)
        ids = [p["id"] for p in client.get(LIST).json()["results"]]
        assert (ids == [problem.pk]) is sees, person
        assert client.get(detail(problem.pk)).status_code == (200 if sees else 404)


def test_personal_data_is_redacted_for_everyone_but_the_learner(reader, problem, learner):
    problem.description = "Mrs Jones called from 07700 900123."
    problem.save()

    assert "[redacted]" in reader.get(detail(problem.pk)).json()["description"]
    own = session_client(learner).get(detail(problem.pk)).json()["description"]
    assert own == problem.description


def test_huge_and_unknown_ids_are_not_found(reader):
    assert reader.get(detail(10**30)).status_code == 404
    assert reader.get(detail(99)).status_code == 404


# Changing a problem ----------------------------------------------------------------------


def test_a_write_key_moves_a_problem_on_as_its_learner(writer, problem, learner):
    response = writer.post(detail(problem.pk) + "status/", {"to": "in_progress"}, format="json")

    assert response.status_code == 200, response.json()
    problem.refresh_from_db()
    assert problem.status == Status.IN_PROGRESS
    assert problem.history.first().history_user is None  # a key is not a person


def test_a_move_the_workflow_forbids_is_refused_naming_the_field(writer, problem):
    not_offered = writer.post(detail(problem.pk) + "status/", {"to": "closed"}, format="json")
    no_note = writer.post(detail(problem.pk) + "status/", {"to": "escalated"}, format="json")

    assert not_offered.status_code == no_note.status_code == 400
    assert list(not_offered.json()) == ["to"]
    assert no_note.json() == {"note": ["Say why the problem is escalated."]}


def test_a_write_key_adds_actions_checked_as_the_page_checks_them(writer, problem):
    taken = (problem.received_at + datetime.timedelta(hours=1)).isoformat()
    ok = writer.post(
        detail(problem.pk) + "actions/",
        {"kind": "responded", "taken_at": taken, "description": "Apologised."},
        format="json",
    )
    refused = writer.post(
        detail(problem.pk) + "actions/",
        {"kind": "satisfaction_checked", "taken_at": taken, "description": "Asked."},
        format="json",
    )

    assert ok.status_code == 201, ok.json()
    assert Action.objects.get().taken_by == problem.learner
    problem.refresh_from_db()
    assert problem.status == Status.ACKNOWLEDGED  # the service's rule for a first response
    assert refused.status_code == 400
    assert set(refused.json()) == {"satisfaction_score", "customer_words"}


def test_readers_signed_in_may_not_change_a_learners_problem(problem, manager, assessor):
    for person in (manager, assessor):
        client = session_client(person)
        response = client.post(detail(problem.pk) + "status/", {"to": "resolved"}, format="json")
        assert response.status_code == 403
    problem.refresh_from_db()
    assert problem.status == Status.NEW


def test_the_learner_signed_in_changes_their_own_problem(problem, learner):
    client = session_client(learner)
    response = client.post(detail(problem.pk) + "status/", {"to": "resolved"}, format="json")
    assert response.status_code == 200
    assert response.json()["resolved_at"] is not None
    assert timezone.now() >= Problem.objects.get().resolved_at
