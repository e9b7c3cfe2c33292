"""The problem log page renders its rows and filter panel without the template engine's
per-row and per-option work; these tests hold that output to what Django's own templates,
filters and widgets give."""

import datetime

import pytest
from django import forms
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints.filters import (
    PlainCheckboxInput,
    PlainDateInput,
    PlainSelect,
    PlainTextInput,
    ProblemFilter,
)
from complaints.models import Status
from complaints.templatetags.problem_tags import problem_log_rows
from tests.complaints.factories import ProblemFactory

UTC = datetime.UTC

# --- Widgets ------------------------------------------------------------------------------------


WIDGET_CASES = [
    (forms.TextInput, PlainTextInput, {"class": "form-control"}, "q", None),
    (forms.TextInput, PlainTextInput, {"class": "form-control"}, "q", 'a "quoted" <b>&</b>'),
    (forms.TextInput, PlainTextInput, {"required": True, "disabled": False}, "q", ""),
    (forms.DateInput, PlainDateInput, {"type": "date"}, "d", datetime.date(2025, 3, 30)),
    (forms.DateInput, PlainDateInput, {"type": "date"}, "d", "2025-13-01"),
    (forms.CheckboxInput, PlainCheckboxInput, {"class": "form-check-input"}, "c", True),
    (forms.CheckboxInput, PlainCheckboxInput, {"class": "form-check-input"}, "c", False),
    (forms.CheckboxInput, PlainCheckboxInput, {}, "c", "on"),
]


@pytest.mark.parametrize(("django_widget", "plain_widget", "attrs", "name", "value"), WIDGET_CASES)
def test_plain_inputs_write_what_djangos_templates_write(
    django_widget, plain_widget, attrs, name, value
):
    extra = {"id": f"id_{name}", "aria-invalid": "true"}
    expected = django_widget(attrs=dict(attrs)).render(name, value, extra)
    assert plain_widget(attrs=dict(attrs)).render(name, value, extra) == expected


SELECT_CHOICES = [
    ("", "Any type"),
    ("billing", "Billing & <payments>"),
    ("late", 'Late "delivery"'),
    ("Grouped", [("a", "Alpha"), ("b", "Beta")]),
    (3, "Three"),
]


@pytest.mark.parametrize("value", [None, "", "late", "b", "3", "not-a-choice"])
def test_the_plain_select_writes_what_djangos_templates_write(value):
    attrs = {"class": "form-select", "data-x": 'a"b'}
    expected = forms.Select(attrs=attrs, choices=SELECT_CHOICES).render("f", value, {"id": "id_f"})
    plain = PlainSelect(attrs=attrs, choices=SELECT_CHOICES).render("f", value, {"id": "id_f"})
    assert plain == expected


def test_the_filter_panel_widgets_are_the_plain_ones(learner, other_learner):
    log = ProblemFilter({}, learners=[learner, other_learner])
    for name, field in log.form.fields.items():
        if name != "status":  # the status checkboxes are written out by the template
            assert type(field.widget).__module__ == "complaints.filters", name


# --- The learner filter ---------------------------------------------------------------------------


def test_a_learner_not_on_the_list_is_refused_as_a_model_choice_would_be(
    client, manager, learner, other_learner, problem
):
    client.force_login(manager)
    response = client.get(reverse("complaints:problem-list"), {"learner": "999999"})
    assert "That choice is not one of the available choices." in response.content.decode()
    assert response.context["filter"].form.errors["learner"]


def test_choosing_a_learner_adds_no_queries(client, manager, learner, other_learner, problem):
    client.force_login(manager)
    url = reverse("complaints:problem-list")
    client.get(url)
    with CaptureQueriesContext(connection) as unfiltered:
        client.get(url)
    with CaptureQueriesContext(connection) as filtered:
        response = client.get(url, {"learner": learner.pk})
    assert len(filtered) == len(unfiltered)
    html = response.content.decode()
    assert f'<option value="{learner.pk}" selected>{learner.display_name}</option>' in html
    assert f'<span class="cb-chip-value">{learner.display_name}</span>' in html


# --- The rows -------------------------------------------------------------------------------------

# What the log's template wrote per row before the rows were prepared in Python.
ROW_EXPRESSIONS = Template(
    "{{ problem.get_absolute_url }}|{{ problem.reference }}|"
    "{{ problem.received_at|date:'c' }}|{{ problem.received_at|date:'j M Y' }}|"
    "{{ problem.received_at|time:'H:i' }}|{{ problem.learner.display_name }}|"
    "{{ problem.product }}|{{ problem.get_category_display }}|{{ problem.status }}|"
    "{{ problem.get_status_display }}|{{ problem.get_status_display|lower }}|"
    "{% if problem.resolution_due %}{{ problem.resolution_due|date:'c' }}|"
    "{{ problem.resolution_due|date:'j M Y' }}|{{ problem.resolution_due|time:'H:i' }}"
    "{% else %}||{% endif %}"
)
ROW_KEYS = (
    "url", "reference", "received_iso", "received_day", "received_time", "learner", "product",
    "category", "status", "status_label", "status_lower", "due_iso", "due_day", "due_time",
)  # fmt: skip


def _due_case(problem, now) -> str:
    """The Due cell's case, as the template decided it from the problem."""
    if not problem.is_open:
        return "closed"
    if problem.clock_paused:
        return "paused"
    if not problem.resolution_due:
        return "none"
    return "overdue" if problem.resolution_due < now else "due"


@pytest.mark.parametrize(
    ("received", "status", "due"),
    [
        # British summer time, the day the clocks go back, midnight, microseconds, year 9.
        (datetime.datetime(2025, 7, 1, 23, 30, tzinfo=UTC), Status.NEW, "later"),
        (datetime.datetime(2025, 10, 26, 0, 59, 59, 123456, tzinfo=UTC), Status.IN_PROGRESS, None),
        (datetime.datetime(2025, 10, 26, 1, 0, tzinfo=UTC), Status.AWAITING_CUSTOMER, "past"),
        (datetime.datetime(2026, 1, 1, 0, 0, tzinfo=UTC), Status.RESOLVED, "past"),
        (datetime.datetime(2026, 3, 29, 0, 30, tzinfo=UTC), Status.CLOSED, "later"),
        (datetime.datetime(2026, 3, 29, 1, 30, tzinfo=UTC), Status.REOPENED, "past"),
        (datetime.datetime(9, 2, 3, 4, 5, tzinfo=UTC), Status.ESCALATED, "later"),
    ],
)
def test_each_row_holds_what_the_template_expressions_gave(
    learner, enrolment, received, status, due
):
    now = timezone.now()
    resolution_due = {
        None: None,
        "past": datetime.datetime(2026, 3, 29, 2, 15, tzinfo=UTC),
        "later": now + datetime.timedelta(days=3),
    }[due]
    problem = ProblemFactory(
        centre=enrolment.centre,
        learner=learner,
        received_at=received,
        status=status,
        resolution_due=resolution_due,
        product="Gas & <electric>",
    )
    [row] = problem_log_rows([problem], now, show_learner=True)
    expected = dict(
        zip(ROW_KEYS, ROW_EXPRESSIONS.render(Context({"problem": problem})).split("|"), strict=True)
    )
    if row["due"] == "closed":
        expected.pop("due_iso"), expected.pop("due_day"), expected.pop("due_time")
    else:
        expected.pop("status_lower")
        if row["due"] in ("paused", "none"):
            expected.pop("due_iso"), expected.pop("due_day"), expected.pop("due_time")
    expected["product"] = problem.product  # the dict holds it unescaped; the template escapes
    assert row == {**expected, "due": _due_case(problem, now)}


def test_rows_name_the_learner_only_when_the_table_shows_them(learner, problem):
    [row] = problem_log_rows([problem], timezone.now())
    assert row["learner"] == ""
    assert problem_log_rows([], timezone.now()) == []


def test_the_log_page_escapes_what_was_typed_into_a_row(client, learner, enrolment):
    ProblemFactory(centre=enrolment.centre, learner=learner, product="<script>x</script>")
    client.force_login(learner)
    html = client.get(reverse("complaints:problem-list")).content.decode()
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
