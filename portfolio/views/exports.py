"""PDF exports made in the background: ask for one, watch its progress bar, download it.
Everyone who may print the records may do all three (selectors.enrolment_for_exporter)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.audit import audit_record
from accounts.models import AuditEvent
from portfolio.models import Enrolment
from portfolio.selectors.exports import export_for_reader, exports_recent, records_readable_by
from portfolio.selectors.printing import enrolment_for_exporter
from portfolio.services.exports import export_path, portfolio_export_request
from portfolio.views.common import private_download


@login_required
@require_http_methods(["GET", "POST"])
def enrolment_exports(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the enrolment's recent PDFs (only the list, for htmx on the records page).
    POST: ask for a PDF (the full portfolio unless `part` says otherwise)."""
    enrolment = enrolment_for_exporter(user=request.user, pk=pk)
    if request.method == "POST":
        return _start(request, enrolment)
    exports = exports_recent(enrolment=enrolment)
    context = {
        "enrolment": enrolment,
        "exports": exports,
        "active": any(e.is_active for e in exports),  # the list polls while one runs
    }
    if request.htmx:
        return render(request, "portfolio/_export_list.html", context)
    context["reads_records"] = records_readable_by(user=request.user, enrolment=enrolment)
    return render(request, "portfolio/export_list.html", context)


def _start(request: HttpRequest, enrolment: Enrolment) -> HttpResponse:
    try:
        export = portfolio_export_request(
            user=request.user, enrolment=enrolment, part=request.POST.get("part", "portfolio")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("portfolio:enrolment-exports", pk=enrolment.pk)
    return redirect(export)


@login_required
@require_GET
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = export_for_reader(user=request.user, pk=pk)
    reads_records = records_readable_by(user=request.user, enrolment=export.enrolment)
    return render(
        request,
        "portfolio/export_detail.html",
        {"export": export, "enrolment": export.enrolment, "reads_records": reads_records},
    )


@login_required
@require_GET
def export_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar alone, fetched again every two seconds while the job runs."""
    export = export_for_reader(user=request.user, pk=pk)
    return render(request, "portfolio/_export_progress.html", {"export": export})


@login_required
@require_GET
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    """The finished PDF, only as a download; 404 until it is finished."""
    export = export_for_reader(user=request.user, pk=pk)
    if not export.is_done:
        raise Http404("This PDF is not ready.")
    response = private_download(
        export_path(export),
        filename=export.filename,
        content_type="application/pdf",
        missing="The PDF is missing from storage.",
    )
    audit_record(
        kind=AuditEvent.Kind.EXPORTED,
        request=request,
        subject=export,
        detail={"what": export.title, "sha256": export.sha256},
    )
    return response
