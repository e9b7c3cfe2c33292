"""The manager's dashboard: who may see it, what it shows from the stored results, its filters,
its CSV export, the analysis's state and starting a run, and a page cost that does not grow
with the data."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from analytics.models import (
    AnalysisRun,
    Effectiveness,
    RecurringCandidate,
    SatisfactionWeek,
    SeriesCount,
    ServiceWeek,
    Signal,
)
from complaints.models import PreventiveAction

DASHBOARD = reverse("analytics:dashboard")
EXPORT = reverse("analytics:export")
NOT_MANAGERS = ["learner", "assessor", "verifier", "centre_admin"]


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _weeks_ago(n: int) -> datetime.date:
    return _monday(timezone.localdate()) - datetime.timedelta(weeks=n)


def _series(centre, dimension, key, counts: dict[int, int]):
    SeriesCount.objects.bulk_create(
        SeriesCount(
            centre=centre,
            granularity="week",
            dimension=dimension,
            key=key,
            day=_weeks_ago(ago),
            count=n,
        )
        for ago, n in counts.items()
    )


def _signal(centre, key="system_failure", dimension="category", ago=2, observed=41):
    week = _weeks_ago(ago)
    return Signal.objects.create(
        centre=centre,
        dimension=dimension,
        key=key,
        granularity="week",
        period_start=week,
        period_end=week + datetime.timedelta(days=6),
        observed=observed,
        expected=12.5,
        threshold=22.0,
        score=2.4,
        p_value=0.0002,
        method="farrington_flexible",
    )


def _candidate(centre, product="Smart meters", words=("meter reading", "estimated bill")):
    return RecurringCandidate.objects.create(
        centre=centre,
        category="system_failure",
        product=product,
        size=4,
        first_at=timezone.now() - datetime.timedelta(days=20),
        last_at=timezone.now() - datetime.timedelta(days=2),
        shared_words=list(words),
    )


def _action(centre, learner, title="Second check on meter readings", product="Smart meters"):
    implemented = _weeks_ago(10)
    action = PreventiveAction.objects.create(
        centre=centre,
        learner=learner,
        title=title,
        description="Readings are checked twice before a bill goes out.",
        category="system_failure",
        product=product,
        implemented_on=implemented,
    )
    weekly = [
        {"start": (implemented - datetime.timedelta(weeks=8 - i)).isoformat(), "days": 7}
        | {"count": 10 if i < 6 else 9, "phase": "before" if i < 6 else "guard"}
        for i in range(8)
    ] + [
        {"start": (implemented + datetime.timedelta(weeks=i)).isoformat(), "days": 7}
        | {"count": 4, "phase": "lag" if i < 1 else "after"}
        for i in range(9)
    ]
    Effectiveness.objects.create(
        action=action,
        computed_at=timezone.now(),
        before_start=implemented - datetime.timedelta(weeks=8),
        before_end=implemented - datetime.timedelta(weeks=2),
        after_start=implemented + datetime.timedelta(weeks=1),
        after_end=implemented + datetime.timedelta(weeks=9),
        count_before=60,
        count_after=32,
        rate_ratio=0.4,
        verdict="effective",
        summary="Effective: down 60% (95% CI 40–73%), p < 0.001; 60 problems in the 6 weeks "
        "before, 32 in the 8 weeks after.",
        weekly=weekly,
    )
    return action


def _service(centre, ago=1, category=""):
    ServiceWeek.objects.create(
        centre=centre,
        week=_weeks_ago(ago),
        category=category,
        received=40,
        response_measured=40,
        response_on_time=38,
        resolution_measured=30,
        resolution_on_time=27,
    )


def _satisfaction(centre, ago=1, scores=(0, 1, 2, 3, 4)):
    SatisfactionWeek.objects.create(
        centre=centre,
        week=_weeks_ago(ago),
        category="",
        scores=list(scores),
        count=sum(scores),
        total=sum(s * n for s, n in enumerate(scores, start=1)),
    )


@pytest.fixture
def stored(centre, learner):
    """The engine's stored results for the centre, as a full pass would leave them."""
    _series(centre, "category", "system_failure", {1: 30, 2: 41, 3: 12})
    _series(centre, "category", "expectations_gap", {1: 8, 2: 9, 3: 7})
    _series(centre, "product", "Smart meters", {1: 20, 2: 30})
    _series(centre, "product", "Billing", {1: 3, 2: 4})
    _series(centre, "channel", "phone", {1: 25, 2: 33})
    _series(centre, "root_cause_category", "process", {1: 12, 2: 10})
    _series(centre, "root_cause_category", "people", {2: 3})
    _signal(centre)
    _candidate(centre)
    _action(centre, learner)
    _service(centre)
    _service(centre, category="system_failure")
    _satisfaction(centre)
    AnalysisRun.objects.create(
        centre=centre,
        trigger=AnalysisRun.Trigger.NIGHTLY,
        status=AnalysisRun.Status.SUCCEEDED,
        started_at=timezone.now() - datetime.timedelta(seconds=3),
        finished_at=timezone.now(),
        duration_ms=2834,
        progress=100,
    )


def _page(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(DASHBOARD, params)
    assert response.status_code == 200
    return response.content.decode()


def _csv(client, user, table, **params) -> list[list[str]]:
    client.force_login(user)
    response = client.get(EXPORT, {"table": table, **params})
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


# --- who sees what --------------------------------------------------------------------------


def test_a_manager_sees_their_centres_spikes_candidates_actions_and_service_levels(
    client, manager, stored
):
    html = _page(client, manager)
    for text in (
        "Harbour Energy",
        "System or procedure failure",  # the spiking series, drawn and listed
        "41 problems against about 12.5 expected",
        "meter reading, estimated bill",  # the candidate awaiting review
        "Second check on meter readings",
        "Effective: down 60%",
        "95%",  # first responses within target: 38 of 40
        "90%",  # resolutions within target: 27 of 30
        "took 2.8 s",
        "Run the analysis now",
    ):
        assert text in html, text
    assert html.count('class="point spike"') == 1


@pytest.mark.parametrize("persona", NOT_MANAGERS)
def test_people_without_the_manager_role_get_403_on_every_dashboard_view(
    client, persona, request, stored, centre
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(EXPORT, {"table": "trend"}).status_code == 403
    assert client.get(reverse("analytics:run-state", args=[centre.slug])).status_code == 403


def test_a_manager_of_another_centre_gets_404_for_this_centre_on_every_view(
    client, other_centre_manager, stored, centre
):
    client.force_login(other_centre_manager)
    assert client.get(DASHBOARD, {"centre": centre.slug}).status_code == 404
    assert client.get(EXPORT, {"table": "trend", "centre": centre.slug}).status_code == 404
    assert client.get(reverse("analytics:run-state", args=[centre.slug])).status_code == 404
    assert client.post(reverse("analytics:start", args=[centre.slug])).status_code == 404
    assert not AnalysisRun.objects.filter(centre=centre, trigger="manual").exists()


def test_a_manager_of_another_centre_sees_only_their_own_centre(
    client, other_centre_manager, stored
):
    html = _page(client, other_centre_manager)
    assert "Elsewhere Telecom" in html
    for text in ("Harbour Energy", "Second check on meter readings", "estimated bill"):
        assert text not in html


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client, centre):
    for url in (DASHBOARD, EXPORT, reverse("analytics:run-state", args=[centre.slug])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_manager_of_two_centres_chooses_which_one(client, manager, other_centre, stored):
    from accounts.services import membership_grant

    membership_grant(user=manager, centre=other_centre, role="manager")
    html = _page(client, manager, centre=other_centre.slug)
    assert "Elsewhere Telecom: problems from" in html
    assert 'id="filter-centre"' in html
    assert "Second check on meter readings" not in html


def test_the_navigation_leads_a_manager_to_the_dashboard(client, manager, stored):
    html = _page(client, manager)
    assert f'href="{DASHBOARD}">Analysis</a>' in html
    assert 'aria-current="page"' in html


# --- what it shows and how ---------------------------------------------------------------------


def test_each_chart_is_inline_svg_named_for_screen_readers_with_its_table_beside_it(
    client, manager, stored
):
    html = _page(client, manager)
    charts = html.count('<svg xmlns="http://www.w3.org/2000/svg"')
    assert charts == 7  # trend, two Paretos, one action, service, mean score, scores
    assert html.count('role="img"') == charts
    assert html.count("The numbers behind this chart") == charts
    assert "<caption" in html
    assert "Problems a week by type of problem</caption>" in html


def test_the_page_runs_no_inline_script_and_no_inline_style(client, manager, stored):
    html = _page(client, manager)
    assert "<script>" not in html
    assert " style=" not in html
    assert " on" + "click=" not in html


def test_a_running_analysis_shows_its_progress_and_polls_for_more(client, manager, centre, stored):
    AnalysisRun.objects.create(
        centre=centre,
        trigger=AnalysisRun.Trigger.MANUAL,
        status=AnalysisRun.Status.RUNNING,
        started_at=timezone.now(),
        progress=43,
        step="Grouping similar problems",
    )
    html = _page(client, manager)
    assert 'role="progressbar"' in html
    assert 'aria-valuenow="43"' in html
    assert "cb-w-45" in html
    assert 'hx-trigger="every 2s"' in html
    assert "grouping similar problems…" in html
    assert "Running…" in html


def test_the_polled_state_stops_polling_and_offers_the_results_once_the_run_finished(
    client, manager, centre, stored
):
    client.force_login(manager)
    back = f"{DASHBOARD}?centre={centre.slug}&dimension=product"
    response = client.get(reverse("analytics:run-state", args=[centre.slug]), {"next": back})
    html = response.content.decode()
    assert "hx-trigger" not in html
    assert "Show the new results" in html
    assert f'href="{back.replace("&", "&amp;")}"' in html


def test_the_state_refuses_to_send_a_manager_to_another_site(client, manager, centre, stored):
    client.force_login(manager)
    response = client.get(
        reverse("analytics:run-state", args=[centre.slug]), {"next": "https://evil.example/"}
    )
    assert "evil.example" not in response.content.decode()


def test_a_centre_never_analysed_says_so(client, manager):
    html = _page(client, manager)
    assert "has not been analysed yet" in html
    assert "No data for this period." in html


def test_spikes_by_the_other_dimensions_are_counted_with_a_link_to_them(
    client, manager, centre, stored
):
    _signal(centre, key="Smart meters", dimension="product", ago=1)
    html = _page(client, manager)
    assert "1 spike by product or service</a>" in html
    assert "0 spikes by channel</a>" in html
    assert "dimension=product" in html


# --- filters -------------------------------------------------------------------------------------


def test_the_default_period_is_the_last_26_weeks_in_whole_weeks(client, manager, stored):
    client.force_login(manager)
    filters = client.get(DASHBOARD).context["filters"]
    assert filters.start.weekday() == 0
    assert filters.end.weekday() == 6
    assert filters.end >= timezone.localdate()
    assert (filters.end - filters.start).days + 1 == 26 * 7


def test_showing_by_product_draws_the_products(client, manager, stored):
    html = _page(client, manager, dimension="product")
    assert 'data-series="Smart meters"' in html
    assert 'data-series="Billing"' in html
    assert 'data-series="System or procedure failure"' not in html


def test_choosing_one_value_shows_that_series_alone_and_its_spikes(client, manager, stored):
    html = _page(client, manager, value="category:expectations_gap")
    assert 'data-series="Customer expectations vs products or services"' in html
    assert 'data-series="System or procedure failure"' not in html
    assert "No spikes in this period for Customer expectations" in html


def test_a_period_leaves_out_the_weeks_outside_it(client, manager, stored):
    start = _weeks_ago(1)
    html = _page(
        client,
        manager,
        start=start.isoformat(),
        end=(start + datetime.timedelta(days=6)).isoformat(),
    )
    assert "No spikes in this period" in html  # the spike was two weeks ago
    rows = _csv(client, manager, "trend", start=start.isoformat(), end=start.isoformat())
    assert len(rows) == 2  # the header and one week
    assert rows[1][0] == start.isoformat()


def test_a_period_that_ends_before_it_starts_is_refused_and_the_default_shown(
    client, manager, stored
):
    client.force_login(manager)
    response = client.get(DASHBOARD, {"start": "2026-05-01", "end": "2026-04-01"})
    assert response.status_code == 200
    assert "The period must end after it starts." in response.content.decode()
    assert (response.context["filters"].end - response.context["filters"].start).days == 181


def test_a_value_the_centre_does_not_have_is_refused_and_said_so(client, manager, stored):
    client.force_login(manager)
    response = client.get(DASHBOARD, {"value": "product:Nothing we sell"})
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert "shows the default choices instead" in html
    assert response.context["filters"].value == ""


def test_the_filter_form_shows_the_period_in_effect(client, manager, stored):
    client.force_login(manager)
    response = client.get(DASHBOARD)
    start = response.context["filters"].start
    assert f'value="{start.isoformat()}"' in response.content.decode()


# --- CSV export ----------------------------------------------------------------------------------


def test_every_table_on_the_page_exports_as_csv(client, manager, stored, centre):
    client.force_login(manager)
    page = client.get(DASHBOARD)
    tables = page.context["view"].tables()
    assert set(tables) >= {
        "trend",
        "spikes",
        "candidates",
        "pareto-types",
        "pareto-causes",
        "actions",
        f"action-{PreventiveAction.objects.get().pk}",
        "service-weeks",
        "service-types",
        "satisfaction-weeks",
        "satisfaction-scores",
    }
    html = page.content.decode()
    for slug, table in tables.items():
        assert f"table={slug}" in html, slug
        response = client.get(EXPORT, {"table": slug, "centre": centre.slug})
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith(
            f'attachment; filename="casebook-harbour-{slug}-'
        )
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0] == [c.label for c in table.columns]
        assert len(rows) == len(table.rows) + 1


def test_the_csv_holds_values_not_formatting(client, manager, stored):
    rows = _csv(client, manager, "service-weeks")
    last = rows[-1]
    assert last[0] == _weeks_ago(0).isoformat()
    week = next(row for row in rows if row[0] == _weeks_ago(1).isoformat())
    assert week[1:5] == ["40", "40", "38", "95.0"]
    spikes = _csv(client, manager, "spikes")
    assert spikes[1][:4] == [
        "System or procedure failure",
        f"Week of {_weeks_ago(2).day} {_weeks_ago(2):%b %Y}",
        "41",
        "12.5",
    ]


def test_cells_a_spreadsheet_would_run_as_formulas_are_written_as_text(
    client, manager, centre, learner
):
    _candidate(centre, product='=HYPERLINK("http://x")', words=["+1 bill", "@sum", "-2", "ok"])
    _action(centre, learner, title="-cmd|' /C calc'!A0", product="=1+1")
    rows = _csv(client, manager, "candidates")
    assert rows[1][0] == '\'=HYPERLINK("http://x")'
    assert rows[1][5] == "'+1 bill, @sum, -2, ok"
    actions = _csv(client, manager, "actions")
    assert actions[1][0] == "'-cmd|' /C calc'!A0"
    assert actions[1][1].startswith("System or procedure failure: =1+1")
    assert actions[1][5] == "0.4"  # numbers stay numbers


def test_an_unknown_table_is_404(client, manager, stored):
    client.force_login(manager)
    assert client.get(EXPORT, {"table": "users"}).status_code == 404
    assert client.get(EXPORT, {"table": "action-999999"}).status_code == 404
    assert client.get(EXPORT).status_code == 404


# --- starting a run ------------------------------------------------------------------------------


def test_a_manager_starts_a_run_from_the_dashboard_and_comes_back_to_it(
    client, manager, centre, django_capture_on_commit_callbacks, eager_jobs
):
    client.force_login(manager)
    back = f"{DASHBOARD}?centre={centre.slug}&dimension=channel"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("analytics:start", args=[centre.slug]), {"next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    run = AnalysisRun.objects.get(trigger="manual")
    assert (run.requested_by, run.status) == (manager, AnalysisRun.Status.SUCCEEDED)


def test_starting_a_run_never_redirects_off_the_site(client, manager, centre):
    client.force_login(manager)
    response = client.post(
        reverse("analytics:start", args=[centre.slug]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"{DASHBOARD}?centre={centre.slug}"


# --- the cost of a page --------------------------------------------------------------------------


def _grow(centre, learner, n: int) -> None:
    """More of everything the dashboard reads: weeks, series, signals, candidates, actions."""
    for i in range(n):
        _series(centre, "product", f"Product {i}", {ago: 5 + i for ago in range(26)})
        _signal(centre, key=f"Product {i}", dimension="product", ago=i % 20)
        _candidate(centre, product=f"Product {i}")
        _action(centre, learner, title=f"Action {i}", product=f"Product {i}")
        for ago in range(26):
            _service(centre, ago=ago, category=f"type-{i}")
    _satisfaction(centre, ago=5)


def test_the_page_takes_the_same_few_queries_however_much_is_stored(
    client, manager, centre, learner, stored, django_assert_max_num_queries
):
    client.force_login(manager)
    client.get(DASHBOARD, {"dimension": "product"})  # session and caches warm
    with CaptureQueriesContext(connection) as small:
        client.get(DASHBOARD, {"dimension": "product"})
    _grow(centre, learner, 12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(DASHBOARD, {"dimension": "product"})
    assert response.content.decode().count("before and after the change") == 13
    assert len(small.captured_queries) <= 20
