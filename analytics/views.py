"""The manager's pages: the dashboard (charts and tables over the engine's stored results,
their CSV export, the state of the analysis and a button to run it now) and the Analysis page
(every finding in full, and the queue of suggested repeated problems to confirm or dismiss).

People without the manager role get 403 on the dashboard; a manager asking for a centre they
do not manage gets 404.
"""

from __future__ import annotations

import csv
import io

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import audit_record
from accounts.models import AuditEvent, Centre, Role, User
from accounts.selectors import centres_for_role, user_has_role
from analytics import selectors, services
from analytics.dashboard import dashboard_view, export_section, section_tables
from analytics.forms import DashboardFilterForm
from analytics.models import AnalysisRun, RecurringCandidate
from analytics.selectors import dashboard as dashboard_selectors


def _managed_centres(request: HttpRequest):
    centres = list(centres_for_role(user=request.user, role=Role.MANAGER))
    if not centres:
        raise Http404("No centre you manage.")
    return centres


# The page lists the newest suggestions; their CSV holds every one in the period, up to this.
EXPORT_CANDIDATES = 10_000


def _dashboard_centres(request: HttpRequest) -> list[Centre]:
    if not user_has_role(user=request.user, role=Role.MANAGER):
        raise PermissionDenied("The dashboard is for managers.")
    return list(centres_for_role(user=request.user, role=Role.MANAGER).order_by("name"))


def _chosen_centre(centres: list[Centre], slug: str | None) -> Centre:
    """The centre asked for (404 unless the user manages it), else their first."""
    if not slug:
        return centres[0]
    centre = next((c for c in centres if c.slug == slug), None)
    if centre is None:
        raise Http404("No centre you manage has that name.")
    return centre


def _dashboard_filters(request: HttpRequest):
    """The filter form (as submitted when it has errors, else showing what is in effect)
    and the filters in effect."""
    centres = _dashboard_centres(request)
    centre = _chosen_centre(centres, request.GET.get("centre"))
    values = dashboard_selectors.value_choices(centre=centre)
    form = DashboardFilterForm(request.GET or None, centres=centres, values=values)
    filters = form.filters(centre=centre)
    if not form.is_bound or form.is_valid():
        form = DashboardFilterForm(
            centres=centres,
            values=values,
            initial={
                "centre": centre.slug,
                "start": filters.start,
                "end": filters.end,
                "dimension": filters.dimension,
                "value": f"{filters.dimension}:{filters.value}" if filters.value else "",
            },
        )
    return form, filters


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The manager's dashboard for one centre and period."""
    form, filters = _dashboard_filters(request)
    data = dashboard_selectors.dashboard_data(filters=filters)
    query = request.GET.copy()
    query.pop("table", None)
    query["centre"] = filters.centre.slug
    return render(
        request,
        "analytics/dashboard.html",
        {
            "form": form,
            "filters": filters,
            "data": data,
            "view": dashboard_view(data),
            "query": query.urlencode(),
            "several_centres": len(form.centres) > 1,
            "back": request.get_full_path(),
        },
    )


@login_required
@require_GET
def dashboard_export(request: HttpRequest) -> HttpResponse:
    """One of the dashboard's tables as CSV, for the same filters (``table`` names it)."""
    form, filters = _dashboard_filters(request)
    slug = request.GET.get("table", "")
    section = export_section(slug)
    if section is None:
        raise Http404("No such table.")
    part = dashboard_selectors.dashboard_section(
        filters=filters, section=section, candidate_limit=EXPORT_CANDIDATES
    )
    table = section_tables(section, part).get(slug)
    if table is None:
        raise Http404("No such table.")
    name = f"casebook-{filters.centre.slug}-{table.slug}-{filters.start}-to-{filters.end}.csv"
    audit_record(kind=AuditEvent.Kind.EXPORTED, request=request, detail={"what": name})
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so a spreadsheet reads the file as UTF-8
    csv.writer(buffer).writerows(table.csv_rows())
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def run_state(request: HttpRequest, slug: str) -> HttpResponse:
    """The analysis's state for the dashboard (htmx polls it while a pass runs)."""
    centre = _chosen_centre(_dashboard_centres(request), slug)
    runs = dashboard_selectors.run_state(centre=centre)
    return render(
        request,
        "analytics/_run_state.html",
        {
            "centre": centre,
            "runs": runs,
            "back": _safe_back(request, request.GET.get("next", ""), centre),
            # Polled while running: once it has finished, offer the new results.
            "just_finished": runs.running is None,
        },
    )


def _safe_back(request: HttpRequest, url: str, centre: Centre) -> str:
    """Where to return after starting a run: the page the manager was on, if it is ours.
    Only a path: anything else ("x", "-1") is not a page, and redirect() would take it for
    a view's name."""
    if url.startswith("/") and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}
    ):
        return url
    return f"{reverse('analytics:dashboard')}?centre={centre.slug}"


@login_required
def analysis_overview(request: HttpRequest) -> HttpResponse:
    centres = _managed_centres(request)
    return render(
        request,
        "analytics/analysis_overview.html",
        {"centres": [selectors.centre_findings(centre=c) for c in centres]},
    )


@login_required
@require_POST
def analysis_start(request: HttpRequest, slug: str) -> HttpResponse:
    centre = next((c for c in _managed_centres(request) if c.slug == slug), None)
    if centre is None:
        raise Http404("No centre you manage has that name.")
    run = selectors.run_in_progress(centre=centre)
    if run is not None:
        messages.info(
            request, f"An analysis of {centre.name} is already {run.get_status_display().lower()}."
        )
    else:
        run = services.analysis_request(
            centre=centre, trigger=AnalysisRun.Trigger.MANUAL, by=request.user
        )
        if run.waiting_for_job_service:
            messages.warning(
                request,
                f"The analysis of {centre.name} is saved but waiting: Casebook's job service "
                "isn't answering at the moment. It will start by itself when the service is "
                "back; you don't need to ask again.",
            )
        else:
            messages.success(request, f"Analysis of {centre.name} started.")
    return redirect(_safe_back(request, request.POST.get("next", ""), centre))


# --- Suggested repeated problems: confirm or dismiss ----------------------------------------------


class DismissForm(forms.Form):
    reason = forms.CharField(
        label="Why is this not a repeated problem?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="For example: the incidents have different causes, or it was a one-off "
        "outage already fixed.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("reason", Submit("dismiss", "Dismiss the suggestion"))


def _candidate_for(request: HttpRequest, pk: int) -> tuple[RecurringCandidate, bool]:
    """The candidate and whether the user acts on it as its centre's manager (else as a
    learner with incidents in it); 404 for everyone else and for settled candidates."""
    candidate = selectors.candidate_for_manager(user=request.user, pk=pk)
    if candidate is not None:
        return candidate, True
    if not user_has_role(user=request.user, role=Role.LEARNER):
        raise Http404("No such suggestion.")
    return selectors.candidate_for_learner(learner=request.user, pk=pk), False


def _user_named(user_id: str) -> User | None:
    """The user with this id, or None for anything that is not one ("x", "1.5", "²")."""
    try:
        return User.objects.filter(pk=int(user_id)).first()
    except ValueError:
        return None


def _back(as_manager: bool):
    return redirect("analytics:overview" if as_manager else "analytics:suggestions")


@login_required
def candidate_queue(request: HttpRequest) -> HttpResponse:
    """A learner's suggestions: proposed candidates holding their own problems."""
    if not user_has_role(user=request.user, role=Role.LEARNER):
        raise Http404("Suggestions are for learners; managers review them on Analysis.")
    return render(
        request,
        "analytics/candidate_queue.html",
        {"candidates": selectors.candidates_for_learner(learner=request.user)},
    )


@login_required
@require_POST
def candidate_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    candidate, as_manager = _candidate_for(request, pk)
    learner = request.user
    if as_manager:
        learner = _user_named(request.POST.get("learner", ""))
        if learner is None:
            messages.error(request, "Choose whose repeated problem it is.")
            return _back(as_manager)
    try:
        record = services.candidate_confirm(candidate=candidate, by=request.user, learner=learner)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back(as_manager)
    if as_manager:
        messages.success(
            request, f"Confirmed as a repeated problem in {learner.display_name}'s records."
        )
        return _back(as_manager)
    messages.success(
        request,
        "Confirmed. Check the title and the pattern in your own words, then add the root "
        "cause and the options.",
    )
    return redirect("complaints:repeated-edit", record.pk)


@login_required
def candidate_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    candidate, as_manager = _candidate_for(request, pk)
    form = DismissForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.candidate_dismiss(
                candidate=candidate, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Dismissed: the analysis will not suggest it again.")
        return _back(as_manager)
    if as_manager:
        selectors.candidates_with_learners([candidate])
    return render(
        request,
        "analytics/candidate_dismiss.html",
        {"candidate": candidate, "form": form, "as_manager": as_manager},
        status=400 if form.is_bound else 200,
    )
