"""The engine's page for managers: when the analysis ran, what it found, and a button to run
it now. The dashboard with charts (issue 6) reads the same stored results."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Role, User
from accounts.selectors import centres_for_role, user_has_role
from analytics import selectors, services
from analytics.models import AnalysisRun, RecurringCandidate


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
        learner = User.objects.filter(pk=request.POST.get("learner") or 0).first()
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
