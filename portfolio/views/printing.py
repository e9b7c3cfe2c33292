"""The records as PDF on request: the evidence achievement record, the knowledge evidence
record and the evidence index (the full portfolio is prepared in the background: exports.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from accounts.audit import audit_record
from accounts.models import AuditEvent
from portfolio import selectors
from portfolio.services.printing import record_print

ON_REQUEST = ("achievement", "knowledge", "index")


@login_required
@require_GET
def record_pdf(request: HttpRequest, part: str, pk: int | None = None) -> HttpResponse:
    """Printed by the learner (their own, without pk), their assessor and IV, or a centre
    admin of the centre; 404 for anyone else."""
    if part not in ON_REQUEST:
        raise Http404("No such record.")
    enrolment = selectors.enrolment_for_exporter(user=request.user, pk=pk)
    printed = record_print(enrolment=enrolment, part=part)
    audit_record(
        kind=AuditEvent.Kind.EXPORTED,
        request=request,
        subject=enrolment,
        detail={"what": printed.title, "draft": printed.is_draft},
    )
    response = HttpResponse(printed.body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{printed.filename}"'
    return response
