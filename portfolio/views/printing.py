"""The signed records as PDF: the evidence achievement record and the knowledge record."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from portfolio import selectors
from portfolio.models import Enrolment
from portfolio.services.printing import record_print


def _pdf_response(enrolment: Enrolment, part: str) -> HttpResponse:
    printed = record_print(enrolment=enrolment, part=part)
    response = HttpResponse(printed.body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{printed.filename}"'
    return response


@login_required
def achievement_pdf_home(request: HttpRequest) -> HttpResponse:
    return _pdf_response(selectors.enrolment_for_exporter(user=request.user), "achievement")


@login_required
def achievement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Printed by the learner, their assessor and IV, or a centre admin of the centre."""
    enrolment = selectors.enrolment_for_exporter(user=request.user, pk=pk)
    return _pdf_response(enrolment, "achievement")


@login_required
def knowledge_pdf_home(request: HttpRequest) -> HttpResponse:
    return _pdf_response(selectors.enrolment_for_exporter(user=request.user), "knowledge")


@login_required
def knowledge_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.enrolment_for_exporter(user=request.user, pk=pk)
    return _pdf_response(enrolment, "knowledge")
