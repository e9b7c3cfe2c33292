"""Every form a person can submit, as the fuzzing tests send it: who submits it, where, a
submission the form accepts, other values worth trying per field, and the rows a refused
submission must leave exactly as they were.

The list follows the forms modules (complaints/forms/, complaints/importing/forms.py,
portfolio/forms.py, analytics/forms.py and views.py, accounts/forms.py, Django's auth forms)
and the URLs that take them; ``test_every_form_class_has_a_target`` keeps it complete.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone

from complaints.importing import mapping as import_mapping
from complaints.models import (
    ActionKind,
    Category,
    Channel,
    CustomerKind,
    Feasibility,
    Fishbone,
    IdentifiedBy,
    IdentifiedHow,
    OptionBasis,
    PreventiveAction,
    Severity,
    Status,
)
from tests.accounts.factories import TEST_PASSWORD
from tests.security.world import World

Payload = dict[str, list[str]]


@dataclass(frozen=True)
class Target:
    name: str  # the URL name, and the test's id
    persona: str  # a key of World.people, or "anonymous"
    url: Callable[[World], str]
    valid: Callable[[World], Payload]
    forms: tuple[str, ...]  # the form classes it exercises (module.Class)
    choices: Callable[[World], Payload] = lambda w: {}
    # The context name of the bound form on a refusal; None when the view redirects with a
    # message instead (or, for a GET, shows what it can).
    form: str | None = "form"
    method: str = "post"
    files: tuple[str, ...] = ()  # fields sent as files (multipart)
    watch: Callable[[World], list] = lambda w: []
    # Redirects that mean "accepted"; others (the login page, a re-authentication) do not.
    accepted_redirect: Callable[[str], bool] = field(default=lambda location: True)
    # A page that means "accepted" when the view answers 200 instead of redirecting.
    accepted_template: str | None = None
    # Or what in a 200's context means "accepted".
    accepted_when: Callable[[object], bool] | None = None
    # Fields read but never stored as text (a NUL in them may be accepted and ignored).
    not_stored: tuple[str, ...] = ("password", "next", "action")
    # The bound form on a page that shows several (the verification page's per assessor).
    find_form: Callable[[object], object] | None = None
    # Where the page shows a field's errors when not beside the field (a hidden field's).
    error_places: dict[str, str] = field(default_factory=dict)


def _now(minutes_ago: int = 60) -> str:
    when = timezone.localtime() - datetime.timedelta(minutes=minutes_ago)
    return when.strftime("%Y-%m-%dT%H:%M")


def _day(days_ago: int = 1) -> str:
    return (timezone.localdate() - datetime.timedelta(days=days_ago)).isoformat()


def _pks(*objects) -> list[str]:
    return [str(o.pk) for o in objects]


def _values(choices) -> list[str]:
    return [str(value) for value, _ in choices]


WHYS = {f"why_{i}": [""] for i in range(1, 6)}


def _problem(w: World) -> Payload:
    return {
        "received_at": [_now(24 * 60)],
        "identified_by": [IdentifiedBy.CUSTOMER],
        "customer_kind": [CustomerKind.EXTERNAL],
        "customer_ref": ["ORD-1"],
        "channel": [Channel.PHONE],
        "product": ["Broadband"],
        "category": [Category.SYSTEM_FAILURE],
        "severity": [Severity.MEDIUM],
        "customer_expectation": ["A router by Friday."],
        "description": ["The router was not dispatched."],
        "within_authority": ["yes"],
        "exception_what": [""],
        "exception_authorised_by": [""],
        "exception_authorised_at": [""],
        "root_cause_category": [""],
        **WHYS,
        "why_1": ["The order was not released."],
    }


def _problem_choices(w: World) -> Payload:
    return {
        "identified_by": _values(IdentifiedBy.choices),
        "customer_kind": _values(CustomerKind.choices),
        "channel": _values(Channel.choices),
        "category": _values(Category.choices),
        "severity": _values(Severity.choices),
        "within_authority": ["", "yes", "no", "maybe"],
        "root_cause_category": _values(Fishbone.choices),
        "centre": [str(w.centre.pk), "0"],
    }


def _repeated(w: World) -> Payload:
    incidents = list(w["repeated_problem"].incidents.all())
    return {
        "title": ["Routers not dispatched"],
        "pattern": ["Customers call back a week after ordering."],
        "identified_how": [IdentifiedHow.INDIVIDUALLY],
        "identified_with": ["Team leader"],
        "root_cause_category": [""],
        **WHYS,
        "incidents": _pks(*incidents),
    }


_repeated_fields = (
    *("title", "pattern", "identified_how", "identified_with", "root_cause_category"),
    *WHYS,
    "incidents",
)


def _repeated_choices(w: World) -> Payload:
    others = w.people["other_learner"]
    return {
        "identified_how": _values(IdentifiedHow.choices),
        "root_cause_category": _values(Fishbone.choices),
        "incidents": [str(w["problem"].pk), "0", "-1", "²", str(others.pk)],
    }


def _option(w: World) -> Payload:
    return {
        "title": ["A daily dispatch check"],
        "description": ["The warehouse checks orders at 4 pm."],
        "basis": [OptionBasis.FORMAL_PROCEDURE],
        "customer_advantages": ["Routers arrive on time."],
        "customer_disadvantages": [""],
        "organisation_advantages": ["Fewer calls."],
        "organisation_disadvantages": ["Staff time."],
        "cost": ["Two hours a week"],
        "feasibility": [Feasibility.HIGH],
    }


def _option_choices(w: World) -> Payload:
    return {"basis": _values(OptionBasis.choices), "feasibility": _values(Feasibility.choices)}


def _preventive(w: World) -> Payload:
    return {
        "kind": [PreventiveAction.Kind.OWN],
        "repeated_problem": [""],
        "title": ["Daily dispatch check"],
        "category": [Category.SYSTEM_FAILURE],
        "product": ["Broadband"],
        "proposal": ["Check every order by 4 pm."],
        "authority": ["Customer services manager"],
        "decision": [PreventiveAction.Decision.APPROVED],
        "decision_on": [_day(30)],
        "agreed": ["A four-week trial."],
        "description": ["The warehouse checks orders at 4 pm."],
        "implemented_on": [_day(21)],
        "monitoring_plan": ["Watch repeat calls for a month."],
        "organisation_change": [""],
        "how_actioned": [""],
    }


def _preventive_choices(w: World) -> Payload:
    return {
        "kind": _values(PreventiveAction.Kind.choices),
        "category": _values(Category.choices),
        "decision": ["", *_values(PreventiveAction.Decision.choices)],
        "repeated_problem": [str(w["repeated_problem"].pk), "0", "1.5"],
        "centre": [str(w.centre.pk), "0"],
    }


def _evidence_url(code: str) -> Callable[[World], str]:
    def url(w: World) -> str:
        evidence_type = w["enrolment"].unit.evidence_types.get(code=code)
        return f"{reverse('portfolio:evidence-create')}?evidence_type={evidence_type.pk}"

    return url


def _evidence(w: World, *, star: bool = False) -> Payload:
    text = (
        {
            "situation": ["A customer's router was late."],
            "task": ["Find it."],
            "action": ["I called the warehouse."],
            "result": ["It arrived the next day."],
        }
        if star
        else {"narrative": ["My team leader saw me calm a customer."]}
    )
    return {
        "title": ["Calming a customer"],
        "date": ["2026-03-02"],
        **text,
        "problems": _pks(w["problem"]),
        "repeated_problems": [],
        "preventive_actions": [],
    }


def _evidence_choices(w: World) -> Payload:
    return {
        "problems": [str(w["problem"].pk), "0", str(w["repeated_problem"].pk), "x"],
        "repeated_problems": [str(w["repeated_problem"].pk), "0"],
        "preventive_actions": [str(w["preventive_action"].pk), "0"],
    }


def _mapping(w: World) -> Payload:
    unit = w["enrolment"].unit
    return {
        "outcomes": _pks(*unit.outcomes.filter(code__in=["1.1", "1.2"])),
        "knowledge_items": _pks(*unit.knowledge_items.filter(code="1")),
        "range_items": [],
    }


def _assessment(w: World) -> Payload:
    outcomes = w["submitted"].outcome_mappings.filter(confirmed=True)
    payload: Payload = {}
    for mapping in outcomes:
        payload[f"verdict_{mapping.outcome_id}"] = ["competent"]
        payload[f"feedback_{mapping.outcome_id}"] = ["Clear and calm."]
    return payload


def _bound(context, name: str):
    """The verification page's bound form of this kind (the one that was submitted)."""
    return next((g[name] for g in context["groups"] if g[name].is_bound), None)


def _group(w: World) -> str:
    return f"{w.centre.pk}-{w.people['assessor'].pk}"


def _import_mapping(w: World) -> Payload:
    job = w["import_job"]
    payload: Payload = {"action": ["check"], "date_format": [job.date_format or ""]}
    for name in import_mapping.FIELDS:
        payload[f"map_{name}"] = [job.mapping.get(name, "")]
    return payload


def _import_mapping_choices(w: World) -> Payload:
    headers = ["", *w["import_job"].headers, "Not a heading"]
    found = {f"map_{name}": headers for name in import_mapping.FIELDS}
    return {**found, "action": ["check", "import", "discard", "retry", "x"]}


def _filters(w: World) -> Payload:
    return {
        "q": ["router"],
        "status": [Status.NEW],
        "category": [Category.SYSTEM_FAILURE],
        "product": ["Broadband"],
        "channel": [Channel.PHONE],
        "identified_by": [IdentifiedBy.CUSTOMER],
        "received_from": [_day(60)],
        "received_to": [_day(0)],
        "learner": [str(w.people["learner"].pk)],
        "sort": ["newest"],
        "open_only": ["on"],
        "overdue": [""],
        "page": ["1"],
    }


def _filter_choices(w: World) -> Payload:
    return {
        "status": _values(Status.choices),
        "sort": ["newest", "oldest", "due", "reference", "status", "product", "x"],
        "learner": [str(w.people["other_learner"].pk), str(w.people["manager"].pk), "0"],
        "page": ["0", "-1", "99999999", "99999999999999999999", "last", "1e3"],
    }


def _dashboard(w: World) -> Payload:
    return {
        "centre": [w.centre.slug],
        "start": [_day(180)],
        "end": [_day(0)],
        "dimension": ["category"],
        "value": [""],
        "table": ["trend"],
    }


def _dashboard_choices(w: World) -> Payload:
    return {
        "centre": [w.centre.slug, "elsewhere", ""],
        "dimension": ["category", "product", "channel", "x"],
        "value": ["category:system_failure", "product:Broadband", "channel:", ":", "x"],
        "table": [
            *("trend", "spikes", "pareto-types", "pareto-causes", "candidates", "actions"),
            *("service-weeks", "service-types", "satisfaction-weeks", "satisfaction-scores"),
            *(f"action-{w['preventive_action'].pk}", "action-0", "action-١", "x", ""),
        ],
    }


TARGETS: list[Target] = [
    # --- The problem log ------------------------------------------------------------------
    Target(
        "complaints:problem-create",
        "learner",
        lambda w: reverse("complaints:problem-create"),
        _problem,
        ("complaints.forms.log.ProblemForm",),
        choices=_problem_choices,
    ),
    Target(
        "complaints:problem-edit",
        "learner",
        lambda w: reverse("complaints:problem-edit", args=[w["problem"].pk]),
        _problem,
        ("complaints.forms.log.ProblemForm",),
        choices=_problem_choices,
        watch=lambda w: [w["problem"]],
    ),
    Target(
        "complaints:action-create",
        "learner",
        lambda w: reverse("complaints:action-create", args=[w["problem"].pk]),
        lambda w: {
            "kind": [ActionKind.RESPONDED],
            "taken_at": [_now(30)],
            "description": ["Apologised and checked the order."],
            "with_whom": ["Warehouse team leader"],
            "satisfaction_score": ["4"],
            "customer_words": ["Thanks for sorting it."],
        },
        ("complaints.forms.log.ActionForm",),
        choices=lambda w: {
            "kind": _values(ActionKind.choices),
            "satisfaction_score": ["", "0", "1", "5", "6", "-1", "2.5"],
        },
        form="action_form",
        watch=lambda w: [w["problem"]],
    ),
    Target(
        "complaints:problem-status",
        "learner",
        lambda w: reverse("complaints:problem-status", args=[w["problem"].pk]),
        lambda w: {"to": [Status.ACKNOWLEDGED], "note": [""]},
        ("complaints.forms.log.StatusForm",),
        choices=lambda w: {"to": _values(Status.choices)},
        form=None,
        watch=lambda w: [w["problem"]],
    ),
    Target(
        "complaints:problem-list",
        "manager",
        lambda w: reverse("complaints:problem-list"),
        _filters,
        ("complaints.filters.ProblemFilter",),
        choices=_filter_choices,
        form=None,
        method="get",
    ),
    Target(
        "complaints:problem-export",
        "manager",
        lambda w: reverse("complaints:problem-export", args=["csv"]),
        _filters,
        ("complaints.filters.ProblemFilter",),
        choices=_filter_choices,
        form=None,
        method="get",
    ),
    # --- Repeated problems ------------------------------------------------------------------
    Target(
        "complaints:repeated-create",
        "learner",
        lambda w: reverse("complaints:repeated-create"),
        _repeated,
        (
            "complaints.forms.log.RepeatedProblemForm",
            "complaints.forms.log.IncidentFilterForm",
        ),
        choices=_repeated_choices,
        error_places={"incidents": 'id="incident-errors"'},
    ),
    Target(
        "complaints:repeated-edit",
        "learner",
        lambda w: reverse("complaints:repeated-edit", args=[w["repeated_problem"].pk]),
        _repeated,
        ("complaints.forms.log.RepeatedProblemForm",),
        choices=_repeated_choices,
        watch=lambda w: [w["repeated_problem"]],
        error_places={"incidents": 'id="incident-errors"'},
    ),
    Target(
        "complaints:repeated-create (filter button)",
        "learner",
        lambda w: reverse("complaints:repeated-create"),
        lambda w: {
            **_repeated(w),
            "filter": ["Filter"],
            "f-text": ["router"],
            "f-category": [Category.SYSTEM_FAILURE],
        },
        ("complaints.forms.log.RepeatedProblemForm",),
        choices=_repeated_choices,
        # Redisplays the form with what was typed and ticked; saves nothing.
        accepted_template="complaints/repeated_form.html",
        not_stored=(*_repeated_fields, "filter", "f-text", "f-category"),
        error_places={"incidents": 'id="incident-errors"'},
    ),
    Target(
        "complaints:repeated-create (filter)",
        "learner",
        lambda w: reverse("complaints:repeated-create"),
        lambda w: {
            "f-text": ["router"],
            "f-product": ["Broadband"],
            "f-category": [Category.SYSTEM_FAILURE],
            "f-received_from": [_day(90)],
            "f-received_to": [_day(0)],
        },
        ("complaints.forms.log.IncidentFilterForm",),
        choices=lambda w: {"f-category": _values(Category.choices)},
        form=None,
        method="get",
    ),
    Target(
        "complaints:option-create",
        "learner",
        lambda w: reverse("complaints:option-create", args=[w["repeated_problem"].pk]),
        _option,
        ("complaints.forms.log.OptionForm",),
        choices=_option_choices,
        watch=lambda w: [w["repeated_problem"]],
    ),
    Target(
        "complaints:option-edit",
        "learner",
        lambda w: reverse(
            "complaints:option-edit", args=[w["repeated_problem"].pk, w["option"].pk]
        ),
        _option,
        ("complaints.forms.log.OptionForm",),
        choices=_option_choices,
        watch=lambda w: [w["option"]],
    ),
    Target(
        "complaints:repeated-consult",
        "learner",
        lambda w: reverse("complaints:repeated-consult", args=[w["repeated_problem"].pk]),
        lambda w: {
            "consulted_with": ["Team leader"],
            "consulted_on": [_day(3)],
            "agreed": ["Try a daily check."],
        },
        ("complaints.forms.log.ConsultationForm",),
        watch=lambda w: [w["repeated_problem"]],
    ),
    Target(
        "complaints:repeated-decide",
        "learner",
        lambda w: reverse("complaints:repeated-decide", args=[w["repeated_problem"].pk]),
        lambda w: {"option": _pks(w["option"]), "justification": ["Cheap and quick."]},
        ("complaints.forms.log.DecisionForm",),
        choices=lambda w: {"option": [str(w["option"].pk), "0", str(w["problem"].pk)]},
        form="decision_form",
        watch=lambda w: [w["repeated_problem"]],
    ),
    # --- Preventive actions -----------------------------------------------------------------
    Target(
        "complaints:prevent-create",
        "learner",
        lambda w: reverse("complaints:prevent-create"),
        _preventive,
        ("complaints.forms.preventive.PreventiveActionForm",),
        choices=_preventive_choices,
    ),
    Target(
        "complaints:prevent-edit",
        "learner",
        lambda w: reverse("complaints:prevent-edit", args=[w["preventive_action"].pk]),
        _preventive,
        ("complaints.forms.preventive.PreventiveActionForm",),
        choices=_preventive_choices,
        watch=lambda w: [w["preventive_action"]],
    ),
    Target(
        "complaints:prevent-communication-create",
        "learner",
        lambda w: reverse(
            "complaints:prevent-communication-create", args=[w["preventive_action"].pk]
        ),
        lambda w: {
            "sent_on": [_day(2)],
            "channel": [Channel.EMAIL],
            "audience": ["Customers waiting for a router"],
            "message": ["Routers now go out the same day."],
        },
        ("complaints.forms.preventive.CommunicationForm",),
        choices=lambda w: {"channel": _values(Channel.choices)},
        watch=lambda w: [w["preventive_action"]],
    ),
    Target(
        "complaints:prevent-adjustment-create",
        "learner",
        lambda w: reverse("complaints:prevent-adjustment-create", args=[w["preventive_action"].pk]),
        lambda w: {
            "made_on": [_day(1)],
            "what": ["Moved the check to 3 pm."],
            "why": ["Late orders were missed."],
        },
        ("complaints.forms.preventive.AdjustmentForm",),
        watch=lambda w: [w["preventive_action"]],
    ),
    # --- Importing --------------------------------------------------------------------------
    Target(
        "complaints:import-new",
        "learner",
        lambda w: reverse("complaints:import-new"),
        lambda w: {"file": ["file"], "log": [""]},
        ("complaints.importing.forms.UploadForm",),
        files=("file",),
    ),
    Target(
        "complaints:import-new (a manager's choice of log)",
        "manager",
        lambda w: reverse("complaints:import-new"),
        lambda w: {"file": ["file"], "log": [f"{w.centre.pk}:{w.people['learner'].pk}"]},
        ("complaints.importing.forms.UploadForm",),
        choices=lambda w: {
            "log": [
                f"{w.centre.pk}:{w.people['other_learner'].pk}",
                f"{w.centre.pk}:{w.people['manager'].pk}",
                f"0:{w.people['learner'].pk}",
                f"{w.centre.pk}:",
                ":",
            ]
        },
        files=("file",),
    ),
    Target(
        "complaints:import-detail",
        "learner",
        lambda w: reverse("complaints:import-detail", args=[w["import_job"].pk]),
        _import_mapping,
        ("complaints.importing.forms.MappingForm",),
        choices=_import_mapping_choices,
        watch=lambda w: [w["import_job"]],
        # The mapping is stored only as one of the file's own headings; a discard reads none.
        not_stored=(*(f"map_{name}" for name in import_mapping.FIELDS), "date_format", "action"),
    ),
    # --- The manager's pages ----------------------------------------------------------------
    Target(
        "analytics:dashboard",
        "manager",
        lambda w: reverse("analytics:dashboard"),
        _dashboard,
        ("analytics.forms.DashboardFilterForm",),
        choices=_dashboard_choices,
        method="get",
    ),
    Target(
        "analytics:export",
        "manager",
        lambda w: reverse("analytics:export"),
        _dashboard,
        ("analytics.forms.DashboardFilterForm",),
        choices=_dashboard_choices,
        form=None,
        method="get",
    ),
    Target(
        "analytics:candidate-dismiss",
        "manager",
        lambda w: reverse("analytics:candidate-dismiss", args=[w["candidate"].pk]),
        lambda w: {"reason": ["Different causes."]},
        ("analytics.views.DismissForm",),
        watch=lambda w: [w["candidate"]],
    ),
    Target(
        "analytics:candidate-confirm",
        "manager",
        lambda w: reverse("analytics:candidate-confirm", args=[w["candidate"].pk]),
        lambda w: {"learner": _pks(w.people["learner"])},
        (),
        choices=lambda w: {"learner": [*_pks(*w.people.values()), "0", "x", "1.0"]},
        form=None,
        watch=lambda w: [w["candidate"]],
    ),
    Target(
        "analytics:start",
        "manager",
        lambda w: reverse("analytics:start", args=[w.centre.slug]),
        lambda w: {"next": [reverse("analytics:dashboard")]},
        (),
        choices=lambda w: {"next": ["//evil.example/", "https://evil.example/", "javascript:1"]},
        form=None,
    ),
    # --- People's own settings and logging in -----------------------------------------------
    Target(
        "accounts:notification-settings",
        "learner",
        lambda w: reverse("accounts:notification-settings"),
        lambda w: {"email_notifications": ["on"]},
        ("accounts.forms.NotificationSettingsForm",),
        watch=lambda w: [w.people["learner"]],
        not_stored=("email_notifications",),
    ),
    Target(
        "accounts:api-tokens",
        "centre_admin",
        lambda w: reverse("accounts:api-tokens", args=[w.centre.slug]),
        lambda w: {"name": ["CRM nightly export"], "scope": ["read"]},
        ("accounts.forms.ApiTokenForm",),
        choices=lambda w: {"scope": ["read", "write", "admin", ""]},
        # The new key is shown on the same page, with the form empty again.
        accepted_when=lambda context: context.get("made") is not None,
    ),
    Target(
        "login",
        "anonymous",
        lambda w: reverse("login"),
        lambda w: {"username": [w.people["learner"].username], "password": [TEST_PASSWORD]},
        ("accounts.forms.LoginForm",),
        choices=lambda w: {"username": [u.username for u in w.people.values()]},
        watch=lambda w: [w.people["learner"]],
    ),
    Target(
        "admin:login",
        "anonymous",
        lambda w: reverse("admin:login"),
        lambda w: {"username": [w.people["centre_admin"].username], "password": [TEST_PASSWORD]},
        ("accounts.forms.AdminLoginForm",),
        choices=lambda w: {"username": [u.username for u in w.people.values()]},
        watch=lambda w: [w.people["centre_admin"]],
    ),
    Target(
        "password_reset",
        "anonymous",
        lambda w: reverse("password_reset"),
        lambda w: {"email": [w.people["learner"].email]},
        ("django.contrib.auth.forms.PasswordResetForm",),
        watch=lambda w: [w.people["learner"]],
    ),
    Target(
        "password_change",
        "learner",
        lambda w: reverse("password_change"),
        lambda w: {
            "old_password": [TEST_PASSWORD],
            "new_password1": ["a-new-long-passphrase-1"],
            "new_password2": ["a-new-long-passphrase-1"],
        },
        ("django.contrib.auth.forms.PasswordChangeForm",),
        watch=lambda w: [w.people["learner"]],
    ),
    # --- Evidence ---------------------------------------------------------------------------
    Target(
        "portfolio:evidence-create",
        "learner",
        _evidence_url("O"),
        _evidence,
        ("portfolio.forms.EvidenceForm", "portfolio.forms.EvidenceTypeChoiceForm"),
        choices=_evidence_choices,
    ),
    Target(
        "portfolio:evidence-create (STAR)",
        "learner",
        _evidence_url("P"),
        lambda w: _evidence(w, star=True),
        ("portfolio.forms.EvidenceForm",),
        choices=_evidence_choices,
    ),
    Target(
        "portfolio:evidence-edit",
        "learner",
        lambda w: reverse("portfolio:evidence-edit", args=[w["draft"].pk]),
        _evidence,
        ("portfolio.forms.EvidenceForm",),
        choices=_evidence_choices,
        watch=lambda w: [w["draft"]],
    ),
    Target(
        "portfolio:evidence-mapping",
        "learner",
        lambda w: reverse("portfolio:evidence-mapping", args=[w["draft"].pk]),
        _mapping,
        ("portfolio.forms.MappingForm",),
        form=None,
        watch=lambda w: [w["draft"]],
    ),
    Target(
        "portfolio:attachment-add",
        "learner",
        lambda w: reverse("portfolio:attachment-add", args=[w["draft"].pk]),
        lambda w: {"file": ["file"]},
        ("portfolio.forms.AttachmentForm",),
        files=("file",),
        form=None,
        watch=lambda w: [w["draft"]],
    ),
    Target(
        "portfolio:witness-request-create",
        "learner",
        lambda w: reverse("portfolio:witness-request-create", args=[w["draft"].pk]),
        lambda w: {
            "witness_name": ["Lee Lead"],
            "witness_role": ["Team leader"],
            "witness_email": ["lee@example.org"],
            "prompt": ["What did you see?"],
        },
        ("portfolio.forms.WitnessRequestForm",),
        choices=lambda w: {
            "witness_email": ["a@b", "@", "a@b.c\x00", "x" * 250 + "@example.org", "é@ü.de"]
        },
        watch=lambda w: [w["draft"]],
    ),
    Target(
        "portfolio:witness-statement",
        "anonymous",
        lambda w: reverse("portfolio:witness-statement", args=[w["witness_token"]]),
        lambda w: {
            "text": ["I saw them calm a customer."],
            "witness_name": ["Sam Lead"],
            "witness_role": ["Team leader"],
            "confirmed": ["on"],
        },
        ("portfolio.forms.WitnessStatementForm",),
        watch=lambda w: [w["witness_request"]],
        accepted_template="portfolio/witness_statement_done.html",
        not_stored=("confirmed",),
    ),
    # --- Assessment, signing, records -------------------------------------------------------
    Target(
        "portfolio:evidence-assess",
        "assessor",
        lambda w: reverse("portfolio:evidence-assess", args=[w["submitted"].pk]),
        _assessment,
        ("portfolio.forms.AssessmentForm",),
        choices=lambda w: {
            name: ["competent", "not_yet", "x"] for name in _assessment(w) if "verdict" in name
        },
        watch=lambda w: [w["submitted"]],
    ),
    Target(
        "portfolio:evidence-unlock",
        "centre_admin",
        lambda w: reverse("portfolio:evidence-unlock", args=[w["targetable"].pk]),
        lambda w: {"reason": ["The wrong outcome was signed."]},
        ("portfolio.forms.UnlockForm",),
        watch=lambda w: [w["targetable"]],
    ),
    Target(
        "portfolio:reauth",
        "assessor",
        lambda w: reverse("portfolio:reauth"),
        lambda w: {"password": [TEST_PASSWORD], "next": [reverse("portfolio:records")]},
        ("portfolio.forms.ReauthForm",),
        choices=lambda w: {"next": ["//evil.example/", "https://evil.example/", "javascript:1"]},
    ),
    Target(
        "portfolio:element-record-sign",
        "assessor",
        lambda w: reverse("portfolio:element-record-sign", args=[w["enrolment"].pk, 1]),
        lambda w: {
            "feedback": ["Calm and thorough."],
            "comments": ["Well referenced."],
            "password": [TEST_PASSWORD],
        },
        ("portfolio.forms.ElementRecordForm",),
        form=None,
        watch=lambda w: [w["element_record"]],
    ),
    Target(
        "portfolio:knowledge-record-feedback",
        "assessor",
        lambda w: reverse("portfolio:knowledge-record-feedback", args=[w["enrolment"].pk]),
        lambda w: {"feedback": ["Good understanding of the procedures."]},
        ("portfolio.forms.KnowledgeFeedbackForm",),
        form="knowledge_form",
        watch=lambda w: [w["enrolment"].knowledge_record],
    ),
    # --- Internal verification --------------------------------------------------------------
    Target(
        "portfolio:sampling-rate-set",
        "verifier",
        lambda w: reverse(
            "portfolio:sampling-rate-set", args=[w.centre.pk, w.people["assessor"].pk]
        ),
        lambda w: {f"rate-{_group(w)}-rate": ["40"], f"rate-{_group(w)}-reason": ["New."]},
        ("portfolio.forms.SamplingRateForm",),
        form=None,
        find_form=lambda context: _bound(context, "rate_form"),
    ),
    Target(
        "portfolio:sample-item-add",
        "verifier",
        lambda w: reverse("portfolio:sample-item-add", args=[w.centre.pk, w.people["assessor"].pk]),
        lambda w: {
            f"target-{_group(w)}-evidence": _pks(w["targetable"]),
            f"target-{_group(w)}-reason": ["A complaint about it."],
        },
        ("portfolio.forms.TargetedSampleForm",),
        choices=lambda w: {
            f"target-{_group(w)}-evidence": _pks(w["targetable"], w["reviewable"], w["draft"])
        },
        form=None,
        find_form=lambda context: _bound(context, "target_form"),
    ),
    Target(
        "portfolio:sample-item-review",
        "verifier",
        lambda w: reverse("portfolio:sample-item-review", args=[w["sample_item"].pk]),
        lambda w: {"verdict": ["accept"], "comments": ["Sound."], "password": [TEST_PASSWORD]},
        ("portfolio.forms.VerificationReviewForm",),
        choices=lambda w: {"verdict": ["accept", "refer_back", "x"]},
        form="review_form",
        watch=lambda w: [w["sample_item"]],
        accepted_redirect=lambda location: "confirm-password" not in location,
    ),
    Target(
        "portfolio:sample-item-respond",
        "assessor",
        lambda w: reverse("portfolio:sample-item-respond", args=[w["referred_item"].pk]),
        lambda w: {"text": ["I looked again; the decisions stand."]},
        ("portfolio.forms.AssessorResponseForm",),
        form="response_form",
        watch=lambda w: [w["referred_item"]],
    ),
    # --- Exports and signatures -------------------------------------------------------------
    Target(
        "portfolio:enrolment-exports",
        "learner",
        lambda w: reverse("portfolio:enrolment-exports", args=[w["enrolment"].pk]),
        lambda w: {"part": ["portfolio"]},
        (),
        choices=lambda w: {"part": ["portfolio", "achievement", "knowledge", "index", "x"]},
        form=None,
    ),
    Target(
        "portfolio:signature-verify",
        "assessor",
        lambda w: reverse("portfolio:signature-verify"),
        lambda w: {"code": [w["enrolment"].signatures.first().content_sha256[:10].upper()]},
        (),
        form=None,
        method="get",
    ),
]


# Query strings the pages read outside any form.
PAGE = {"page": ["2"]}
PAGE_CHOICES = {"page": ["0", "-1", "99999999999999999999", "1" * 5000, "²", "last"]}
TARGETS += [
    Target(
        "complaints:import-list",
        "learner",
        lambda w: reverse("complaints:import-list"),
        lambda w: PAGE,
        (),
        choices=lambda w: PAGE_CHOICES,
        form=None,
        method="get",
    ),
    Target(
        "complaints:import-detail (report page)",
        "learner",
        lambda w: reverse("complaints:import-detail", args=[w["import_job"].pk]),
        lambda w: {**PAGE, "download": [""]},
        (),
        choices=lambda w: {**PAGE_CHOICES, "download": ["report", "x", ""]},
        form=None,
        method="get",
    ),
    Target(
        "accounts:notifications",
        "learner",
        lambda w: reverse("accounts:notifications"),
        lambda w: PAGE,
        (),
        choices=lambda w: PAGE_CHOICES,
        form=None,
        method="get",
    ),
    Target(
        "complaints:prevent-create (from a repeated problem)",
        "learner",
        lambda w: reverse("complaints:prevent-create"),
        lambda w: {"repeated": _pks(w["repeated_problem"])},
        (),
        choices=lambda w: {
            "repeated": ["0", "²", "١", "99999999999999999999", str(w["problem"].pk)]
        },
        form=None,
        method="get",
    ),
    Target(
        "portfolio:evidence-create (choose a type)",
        "learner",
        lambda w: reverse("portfolio:evidence-create"),
        lambda w: {"evidence_type": _pks(w["enrolment"].unit.evidence_types.first())},
        ("portfolio.forms.EvidenceTypeChoiceForm",),
        choices=lambda w: {"evidence_type": ["0", "x", "99999999999999999999"]},
        form=None,
        method="get",
    ),
    Target(
        "analytics:run-state",
        "manager",
        lambda w: reverse("analytics:run-state", args=[w.centre.slug]),
        lambda w: {"next": [reverse("analytics:dashboard")]},
        (),
        choices=lambda w: {"next": ["//evil.example/", "-1", "x", "javascript:alert(1)"]},
        form=None,
        method="get",
    ),
]
