"""Importing a company system's export: upload → column mapping and preview → the check's
report → import (inline, or a background job with a progress bar). Views only parse input,
call one service or selector, and render."""

from __future__ import annotations

import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from complaints import selectors as problem_selectors
from complaints.exporting import neutralise
from complaints.importing import reader, selectors, services, storage
from complaints.importing.forms import MappingForm, UploadForm
from complaints.models import ImportJob

ACTIVE = (ImportJob.State.QUEUED, ImportJob.State.RUNNING)
EDITABLE = (ImportJob.State.UPLOADED, ImportJob.State.VALIDATED)  # before the import starts


@login_required
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    jobs = selectors.import_jobs_visible_to(user=request.user)
    return render(
        request,
        "complaints/import_list.html",
        {
            "page": problem_selectors.page_of(jobs, number=_number(request, "page")),
            "can_import": bool(selectors.import_targets_for(user=request.user)),
        },
    )


@login_required
def import_new(request: HttpRequest) -> HttpResponse:
    targets = selectors.import_targets_for(user=request.user)
    if not targets:
        raise PermissionDenied("Learners import into their own log; managers into a learner's.")
    form = UploadForm(request.POST or None, request.FILES or None, targets=targets)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_job_create(
                centre=form.target.centre,
                uploaded_by=request.user,
                learner=form.target.learner,
                upload=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect(job)
    return render(
        request,
        "complaints/import_new.html",
        {"form": form, "background_rows": settings.CASEBOOK_IMPORT_BACKGROUND_ROWS},
    )


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_job_for_reader(user=request.user, pk=pk)
    if request.method == "POST":
        return _act(request, job)
    if request.GET.get("download") == "report":
        return _report_download(job)
    return _render_detail(request, job)


@login_required
@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_job_for_reader(user=request.user, pk=pk)
    response = render(request, "complaints/_import_progress.html", {"job": job})
    if request.htmx and job.state not in ACTIVE:
        response["HX-Refresh"] = "true"  # done: reload the page to show the outcome
    return response


def _act(request: HttpRequest, job: ImportJob) -> HttpResponse:
    services.import_job_require_uploader(job=job, by=request.user)
    action = request.POST.get("action", "")
    form = None
    try:
        if action == "check":
            form = _mapping_form(request, job)
            if form.is_valid():
                job = services.import_job_configure(
                    job=job, by=request.user, **form.service_fields()
                )
                services.import_job_check(job=job, by=request.user)
                return redirect(job)
        elif action in ("import", "import_valid", "retry"):
            services.import_job_start(
                job=job, by=request.user, skip_invalid=action == "import_valid"
            )
            return redirect(job)
        elif action == "discard":
            services.import_job_discard(job=job, by=request.user)
            messages.info(request, f"The import of {job.original_name} is discarded.")
            return redirect("complaints:import-list")
        else:
            return HttpResponse("Unknown action.", status=400)
    except ValidationError as exc:
        if form is not None:
            form.add_error(None, exc)
        else:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(job)
    job.refresh_from_db()
    return _render_detail(request, job, form=form)


def _mapping_form(request: HttpRequest, job: ImportJob) -> MappingForm:
    categories = selectors.category_rows(job=job, meta=storage.read_meta(job))
    return MappingForm(request.POST, job=job, categories=categories)


def _render_detail(
    request: HttpRequest, job: ImportJob, *, form: MappingForm | None = None
) -> HttpResponse:
    is_uploader = job.uploaded_by_id == request.user.pk
    editable = is_uploader and job.started_at is None and job.state in EDITABLE
    meta = storage.read_meta(job) if job.state != ImportJob.State.DONE else {}
    if editable and form is None:
        categories = selectors.category_rows(job=job, meta=meta)
        form = MappingForm(job=job, categories=categories)
    return render(
        request,
        "complaints/import_detail.html",
        {
            "job": job,
            "meta": meta,
            "form": form if editable else None,
            "is_uploader": is_uploader,
            "active": job.state in ACTIVE,
            "report": selectors.report_page(job=job, number=_number(request, "page")),
            "valid_rows": max(0, job.total_rows - job.rejected_count - job.skipped_count),
            "background_rows": settings.CASEBOOK_IMPORT_BACKGROUND_ROWS,
            "encoding_label": reader.ENCODING_LABELS.get(job.encoding, job.encoding),
        },
    )


def _report_download(job: ImportJob) -> HttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        # Column headings come from the uploaded file: made inert for spreadsheets.
        (
            writer.writerow([neutralise(c) for c in line])
            for line in selectors.report_lines(job=job)
        ),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-report.csv"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def _number(request: HttpRequest, name: str) -> int:
    try:
        return max(1, int(request.GET.get(name, 1)))
    except ValueError:
        return 1
