"""The engine's page for managers: when the analysis ran, what it found, and a button to run
it now. The dashboard with charts (issue 6) reads the same stored results."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.selectors import centres_for_role
from analytics import selectors, services
from analytics.models import AnalysisRun


def _managed_centres(request: HttpRequest):
    centres = list(centres_for_role(user=request.user, role=Role.MANAGER))
    if not centres:
        raise Http404("No centre you manage.")
    return centres


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
        services.analysis_request(
            centre=centre, trigger=AnalysisRun.Trigger.MANUAL, by=request.user
        )
        messages.success(request, f"Analysis of {centre.name} started.")
    return redirect("analytics:overview")
