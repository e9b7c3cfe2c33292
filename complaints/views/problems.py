"""The problem log's pages. Views only parse input, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.audit import audit_record
from accounts.models import AuditEvent
from complaints import exporting, selectors, services
from complaints.filters import ProblemFilter
from complaints.forms import ACTION_KIND_HELP, ActionForm, ProblemForm, StatusForm
from complaints.privacy import redact

EXPORT_FORMATS = {"csv", "xlsx"}


def _filtered(request: HttpRequest) -> ProblemFilter:
    caseload = selectors.caseload_of(user=request.user)
    learners = selectors.learners_visible_to(user=request.user, caseload=caseload)
    queryset = selectors.problems_visible_to(user=request.user, caseload=caseload)
    queryset = queryset.select_related("centre", "learner")
    return ProblemFilter(request.GET, queryset=queryset, learners=learners)


@login_required
def problem_list(request: HttpRequest) -> HttpResponse:
    log = _filtered(request)
    page = selectors.page_of(log.qs, number=_page_number(request))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "complaints/problem_list.html",
        {
            "filter": log,
            "page": page,
            "query": query.urlencode(),
            "now": timezone.now(),
            "can_log": selectors.user_is_learner(request.user),
        },
    )


def _page_number(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("page", 1))
    except ValueError:
        return 1


@login_required
def problem_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_FORMATS:
        raise Http404("Export as csv or xlsx.")
    filtered = _filtered(request)
    audit_record(
        kind=AuditEvent.Kind.EXPORTED,
        request=request,
        # The filters as asked for, with anything that looks like personal data redacted.
        detail={
            "what": f"problem log ({fmt})",
            "filters": {key: redact(value)[:200] for key, value in request.GET.items()},
        },
    )
    rows = filtered.qs.iterator(chunk_size=2000)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response = StreamingHttpResponse(
            exporting.csv_stream(rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="problem-log-{stamp}.csv"'
        return response
    return FileResponse(
        exporting.xlsx_file(rows),
        as_attachment=True,
        filename=f"problem-log-{stamp}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
def problem_create(request: HttpRequest) -> HttpResponse:
    centres = selectors.problem_learner_centres(learner=request.user)
    if not centres:
        raise PermissionDenied("Only learners log problems.")
    form = ProblemForm(request.POST or None, centres=centres)
    if request.method == "POST" and form.is_valid():
        centre = form.cleaned_data.get("centre") or centres[0]
        try:
            problem = services.problem_create(
                centre=centre, learner=request.user, **form.service_fields()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"{problem.reference} is in your log.")
            return redirect(problem)
    return render(request, "complaints/problem_form.html", {"form": form, "problem": None})


@login_required
def problem_edit(request: HttpRequest, pk: int) -> HttpResponse:
    problem = selectors.problem_for_owner(user=request.user, pk=pk)
    form = ProblemForm(request.POST or None, instance=problem)
    if request.method == "POST" and form.is_valid():
        try:
            services.problem_update(problem=problem, by=request.user, **form.service_fields())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"{problem.reference} is updated.")
            return redirect(problem)
    return render(request, "complaints/problem_form.html", {"form": form, "problem": problem})


@login_required
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    problem = selectors.problem_for_reader(user=request.user, pk=pk)
    return render(request, "complaints/problem_detail.html", _detail_context(request, problem))


def _detail_context(request: HttpRequest, problem, **forms) -> dict:
    is_owner = problem.learner_id == request.user.pk
    return {
        "problem": problem,
        "is_owner": is_owner,
        "now": timezone.now(),
        "outcomes": selectors.problem_outcomes(problem=problem),
        "history": selectors.problem_history(problem=problem),
        "action_form": forms.get("action_form") or (ActionForm() if is_owner else None),
        "status_form": forms.get("status_form")
        or (StatusForm(problem=problem) if is_owner else None),
        "action_help": ACTION_KIND_HELP,
    }


@login_required
def action_create(request: HttpRequest, pk: int) -> HttpResponse:
    problem = selectors.problem_for_owner(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect(problem)
    form = ActionForm(request.POST)
    if form.is_valid():
        try:
            services.action_add(problem=problem, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Added to the timeline.")
            return redirect(problem)
    reader = selectors.problem_for_reader(user=request.user, pk=pk)
    return render(
        request,
        "complaints/problem_detail.html",
        _detail_context(request, reader, action_form=form),
        status=400,
    )


@login_required
@require_POST
def problem_status(request: HttpRequest, pk: int) -> HttpResponse:
    problem = selectors.problem_for_owner(user=request.user, pk=pk)
    form = StatusForm(request.POST, problem=problem)
    if form.is_valid():
        try:
            problem = services.problem_transition(
                problem=problem,
                by=request.user,
                to=form.cleaned_data["to"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, f"{problem.reference} is now {problem.get_status_display().lower()}."
            )
        return redirect(problem)
    messages.error(
        request,
        "That status change is not possible from here: "
        + "; ".join(e for errors in form.errors.values() for e in errors),
    )
    return redirect(problem)


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
