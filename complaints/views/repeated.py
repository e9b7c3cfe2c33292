"""Repeated problems (element 2): the learner records a pattern of incidents, appraises the
options, records who agreed the way forward and chooses the best option. Their assessor,
IV and centre managers read the records."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from complaints import repeated as services
from complaints import selectors
from complaints.forms import (
    ConsultationForm,
    DecisionForm,
    IncidentFilterForm,
    OptionForm,
    RepeatedProblemForm,
)
from complaints.models import Option, Problem, RepeatedProblem
from complaints.views.problems import _add_errors


@login_required
def repeated_list(request: HttpRequest) -> HttpResponse:
    is_learner = selectors.user_is_learner(request.user)
    if not (is_learner or selectors.reads_other_logs(user=request.user)):
        raise Http404("No repeated problems you may read.")
    return render(
        request,
        "complaints/repeated_list.html",
        {"records": selectors.repeated_problems_list(user=request.user), "is_learner": is_learner},
    )


@login_required
def repeated_create(request: HttpRequest) -> HttpResponse:
    centres = selectors.problem_learner_centres(learner=request.user)
    if not centres:
        raise Http404("Only learners record repeated problems.")
    return _record_form(request, record=None, centre_ids=[c.pk for c in centres])


@login_required
def repeated_edit(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.repeated_problem_for_owner(user=request.user, pk=pk)
    return _record_form(request, record=record, centre_ids=[record.centre_id])


def _record_form(request: HttpRequest, *, record, centre_ids: list[int]) -> HttpResponse:
    """One form for create and edit. Its "Filter" button redisplays the form with the
    incidents ticked so far and the problems matching the filter, without saving."""
    learner = request.user
    saving = request.method == "POST" and "filter" not in request.POST
    if request.method == "POST" and not saving:
        initial = {k: v for k, v in request.POST.items() if not k.startswith("f-")}
        initial["incidents"] = request.POST.getlist("incidents")
        form = RepeatedProblemForm(initial=initial, instance=record, learner=learner)
    else:
        form = RepeatedProblemForm(request.POST or None, instance=record, learner=learner)
    filters = IncidentFilterForm(
        (request.POST if request.method == "POST" else request.GET) or None,
        products=selectors.learner_products(learner=learner),
    )
    if saving and form.is_valid():
        fields = form.service_fields()
        incidents = list(fields.pop("incidents"))
        try:
            if record is None:
                centre = incidents[0].centre if incidents else None
                record = services.repeated_problem_create(
                    learner=learner,
                    centre=centre or selectors.problem_learner_centres(learner=learner)[0],
                    incidents=incidents,
                    **fields,
                )
                messages.success(request, "The repeated problem is recorded.")
            else:
                services.repeated_problem_update(
                    repeated_problem=record, incidents=incidents, **fields
                )
                messages.success(request, "The repeated problem is updated.")
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect(record)
    chosen_ids = form.chosen_ids()
    chosen = list(
        Problem.objects.filter(learner=learner, pk__in=chosen_ids)
        .select_related("centre")
        .order_by("received_at", "pk")
    )
    matches = selectors.incident_choices(
        learner=learner, centre_ids=centre_ids, exclude_ids=chosen_ids, **filters.filters()
    )
    return render(
        request,
        "complaints/repeated_form.html",
        {
            "form": form,
            "filters": filters,
            "chosen": chosen,
            "matches": matches,
            "record": record,
            "incident_errors": form.errors.get("incidents") if form.is_bound else None,
        },
        status=400 if saving else 200,
    )


@login_required
def repeated_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.repeated_problem_for_reader(user=request.user, pk=pk)
    return render(request, "complaints/repeated_detail.html", _detail_context(request, record))


def _detail_context(request: HttpRequest, record: RepeatedProblem, decision_form=None) -> dict:
    is_owner = record.learner_id == request.user.pk
    blockers = services.decide_blockers(repeated_problem=record) if record.is_open else []
    if is_owner and record.is_open and decision_form is None:
        decision_form = DecisionForm(repeated_problem=record, disabled=bool(blockers))
    return {
        "record": record,
        "is_owner": is_owner,
        "options": list(record.options.all()),
        "by_month": selectors.incident_counts_by_month(repeated_problem=record),
        "blockers": blockers,
        "decision_form": decision_form if is_owner and record.is_open else None,
    }


@login_required
@require_POST
def repeated_decide(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.repeated_problem_for_owner(user=request.user, pk=pk)
    form = DecisionForm(request.POST, repeated_problem=record)
    if form.is_valid():
        try:
            services.repeated_problem_decide(repeated_problem=record, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Decided: the chosen option and why are recorded.")
            return redirect(record)
    reader = selectors.repeated_problem_for_reader(user=request.user, pk=pk)
    return render(
        request,
        "complaints/repeated_detail.html",
        _detail_context(request, reader, decision_form=form),
        status=400,
    )


@login_required
def option_create(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.repeated_problem_for_owner(user=request.user, pk=pk)
    return _option_form(request, record=record, option=None)


@login_required
def option_edit(request: HttpRequest, pk: int, option_pk: int) -> HttpResponse:
    record = selectors.repeated_problem_for_owner(user=request.user, pk=pk)
    option = get_object_or_404(Option, pk=option_pk, repeated_problem=record)
    return _option_form(request, record=record, option=option)


def _option_form(request: HttpRequest, *, record: RepeatedProblem, option) -> HttpResponse:
    form = OptionForm(request.POST or None, instance=option)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.OPTION_FIELDS}
        try:
            if option is None:
                services.option_add(repeated_problem=record, **fields)
            else:
                services.option_update(option=option, **fields)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "The option is saved.")
            return redirect(f"{record.get_absolute_url()}#options")
    return render(
        request,
        "complaints/repeated_option_form.html",
        {"form": form, "record": record, "option": option},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def repeated_consult(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.repeated_problem_for_owner(user=request.user, pk=pk)
    form = ConsultationForm(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        try:
            services.repeated_problem_consult(
                repeated_problem=RepeatedProblem.objects.get(pk=record.pk), **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "The consultation is recorded.")
            return redirect(f"{record.get_absolute_url()}#consultation")
    return render(
        request,
        "complaints/repeated_consult.html",
        {"form": form, "record": record},
        status=400 if form.is_bound and form.errors else 200,
    )
