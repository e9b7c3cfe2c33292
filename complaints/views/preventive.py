"""Preventive actions (element 3): the learner records the change negotiated with the
appropriate authority, its implementation, what customers were told, how it is monitored and
adjusted, or a change the organisation brought in that they actioned. Each page shows the
analytics engine's before/after result. Their assessor, IV and centre managers read them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from complaints import preventive as services
from complaints import selectors
from complaints.forms import AdjustmentForm, CommunicationForm, PreventiveActionForm
from complaints.models import PreventiveAction, RepeatedProblem
from complaints.views.problems import _add_errors


@login_required
def prevent_list(request: HttpRequest) -> HttpResponse:
    is_learner = selectors.user_is_learner(request.user)
    if not (is_learner or selectors.reads_other_logs(user=request.user)):
        raise Http404("No preventive actions you may read.")
    return render(
        request,
        "complaints/prevent_list.html",
        {"actions": selectors.preventive_actions_list(user=request.user), "is_learner": is_learner},
    )


@login_required
def prevent_create(request: HttpRequest) -> HttpResponse:
    """A new preventive action; from a repeated problem's page (?repeated=<id>) it starts
    from that record's chosen option and target."""
    centres = selectors.problem_learner_centres(learner=request.user)
    if not centres:
        raise Http404("Only learners record preventive actions.")
    record = None
    repeated = request.GET.get("repeated", "")
    # isdigit() alone passes "²", which int() refuses; int() refuses 4,300 digits.
    if repeated.isascii() and repeated.isdigit() and len(repeated) <= 18:
        record = selectors.repeated_problem_for_owner(user=request.user, pk=int(repeated))
        blockers = services.plan_blockers(repeated_problem=record)
        if blockers:
            return render(
                request, "complaints/prevent_blocked.html", {"record": record, "blockers": blockers}
            )
    return _action_form(request, action=None, centres=centres, record=record)


@login_required
def prevent_edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.preventive_action_for_owner(user=request.user, pk=pk)
    return _action_form(request, action=action, centres=[action.centre], record=None)


def _initial_from(record: RepeatedProblem | None) -> dict:
    if record is None:
        return {}
    option = record.chosen_option
    initial = {"repeated_problem": record.pk, "title": option.title if option else record.title}
    if option and option.description:
        initial["proposal"] = option.description
    return {**initial, **selectors.repeated_problem_target(repeated_problem=record)}


def _action_form(request: HttpRequest, *, action, centres, record) -> HttpResponse:
    form = PreventiveActionForm(
        request.POST or None,
        instance=action,
        initial=_initial_from(record),
        learner=request.user,
        centres=centres,
    )
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        try:
            if action is None:
                linked = fields["repeated_problem"]
                centre = linked.centre if linked else form.cleaned_data.get("centre", centres[0])
                action = services.preventive_action_create(
                    learner=request.user, centre=centre, **fields
                )
                messages.success(request, "The preventive action is recorded.")
            else:
                services.preventive_action_update(preventive_action=action, **fields)
                messages.success(request, "The preventive action is updated.")
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect(action)
    return render(
        request,
        "complaints/prevent_form.html",
        {"form": form, "action": action, "record": record},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def prevent_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.preventive_action_for_reader(user=request.user, pk=pk)
    page = selectors.preventive_action_page(action=action)
    return render(
        request,
        "complaints/prevent_detail.html",
        {
            "action": action,
            "is_owner": action.learner_id == request.user.pk,
            "card": page.card,
            "steps": page.steps,
            "refused": action.decision == PreventiveAction.Decision.REFUSED,
        },
    )


@login_required
def communication_create(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.preventive_action_for_owner(user=request.user, pk=pk)
    form = CommunicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.communication_add(preventive_action=action, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "What customers were told is recorded.")
            return redirect(f"{action.get_absolute_url()}#outcome-3-3")
    return render(
        request,
        "complaints/prevent_communication_form.html",
        {"form": form, "action": action},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def adjustment_create(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.preventive_action_for_owner(user=request.user, pk=pk)
    form = AdjustmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.adjustment_add(preventive_action=action, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "The adjustment is recorded.")
            return redirect(f"{action.get_absolute_url()}#outcome-3-4")
    return render(
        request,
        "complaints/prevent_adjustment_form.html",
        {
            "form": form,
            "action": action,
            "card": selectors.preventive_action_page(action=action).card,
        },
        status=400 if form.is_bound and form.errors else 200,
    )
