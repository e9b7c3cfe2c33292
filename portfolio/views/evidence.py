"""Evidence items: create, edit, show, map, submit, and drafts from the log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from complaints import selectors as complaints_selectors
from portfolio import selectors, services
from portfolio.forms import (
    EvidenceForm,
    EvidenceTypeChoiceForm,
    MappingForm,
)
from portfolio.views.common import add_errors, detail_context


@login_required
def evidence_create(request: HttpRequest) -> HttpResponse:
    enrolment = selectors.enrolment_for_learner(user=request.user)
    chooser = EvidenceTypeChoiceForm(request.GET or None, enrolment=enrolment)
    if not chooser.is_valid():
        return render(request, "portfolio/evidence_type_choose.html", {"chooser": chooser})
    evidence_type = chooser.cleaned_data["evidence_type"]
    form = EvidenceForm(
        request.POST or None,
        evidence_type=evidence_type,
        link_choices=selectors.evidence_link_choices(enrolment=enrolment),
    )
    if request.method == "POST" and form.is_valid():
        try:
            item = services.evidence_create(
                enrolment=enrolment,
                by=request.user,
                evidence_type=evidence_type,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, f"EI {item.ei} is in your portfolio. Now map it to the standard."
            )
            return redirect(item)
    return render(
        request,
        "portfolio/evidence_form.html",
        {"form": form, "item": None, "evidence_type": evidence_type},
    )


@login_required
def evidence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.evidence_for_owner(user=request.user, pk=pk)
    if not item.is_editable:
        messages.info(
            request,
            f"EI {item.ei} is {item.get_status_display().lower()}: it can no longer be changed.",
        )
        return redirect(item)
    form = EvidenceForm(
        request.POST or None,
        instance=item,
        evidence_type=item.evidence_type,
        link_choices=selectors.evidence_link_choices(enrolment=item.enrolment),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.evidence_update(item=item, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"EI {item.ei} is saved.")
            return redirect(item)
    return render(
        request,
        "portfolio/evidence_form.html",
        {"form": form, "item": item, "evidence_type": item.evidence_type},
    )


@login_required
def evidence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.evidence_for_reader(user=request.user, pk=pk)
    return render(request, "portfolio/evidence_detail.html", detail_context(request, item))


@login_required
@require_POST
def evidence_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.evidence_for_owner(user=request.user, pk=pk)
    form = MappingForm(request.POST, enrolment=item.enrolment)
    errors: list[str] = []
    if form.is_valid():
        try:
            services.mapping_save(item=item, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, f"EI {item.ei}'s mapping is saved.")
            return redirect(item)
    else:
        errors = [e for field_errors in form.errors.values() for e in field_errors]
    return render(
        request,
        "portfolio/evidence_detail.html",
        detail_context(request, item, mapping_errors=errors),
        status=400,
    )


@login_required
@require_POST
def evidence_submit(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.evidence_for_owner(user=request.user, pk=pk)
    try:
        item = services.evidence_submit(item=item, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"EI {item.ei} is submitted to your assessor.")
    return redirect(item)


@login_required
@require_POST
def draft_from_problem(request: HttpRequest, problem_pk: int) -> HttpResponse:
    problem = complaints_selectors.problem_for_owner(user=request.user, pk=problem_pk)
    try:
        item, created = services.evidence_draft_from_problem(problem=problem, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(problem)
    if created:
        messages.success(
            request,
            f"EI {item.ei} is a draft personal statement from {problem.reference}. Check and "
            "edit the words, then confirm the suggested mapping.",
        )
    else:
        messages.info(request, f"This is the draft you already started from {problem.reference}.")
    return redirect(item)


@login_required
@require_POST
def draft_from_repeated_problem(request: HttpRequest, pk: int) -> HttpResponse:
    record = complaints_selectors.repeated_problem_for_owner(user=request.user, pk=pk)
    try:
        item, created = services.evidence_draft_from_repeated_problem(
            repeated_problem=record, by=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(record)
    _drafted_message(request, item, created, f"the repeated problem “{record.title}”")
    return redirect(item)


@login_required
@require_POST
def draft_from_preventive_action(request: HttpRequest, pk: int) -> HttpResponse:
    action = complaints_selectors.preventive_action_for_owner(user=request.user, pk=pk)
    try:
        item, created = services.evidence_draft_from_preventive_action(
            preventive_action=action, by=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(action)
    _drafted_message(request, item, created, f"the preventive action “{action.title}”")
    return redirect(item)


def _drafted_message(request: HttpRequest, item, created: bool, source: str) -> None:
    if created:
        messages.success(
            request,
            f"EI {item.ei} is a draft personal statement from {source}. Check and edit the "
            "words, then confirm the suggested mapping.",
        )
    else:
        messages.info(request, f"This is the draft you already started from {source}.")
