"""The signed records as PDF: the evidence achievement record and the knowledge record."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from portfolio import pdf, selectors
from portfolio.models import Enrolment


def _static_roots() -> list[Path]:
    app_roots = [Path(app.path) / "static" for app in apps.get_app_configs()]
    return [Path(root) for root in settings.STATICFILES_DIRS] + [
        root for root in app_roots if root.is_dir()
    ]


def _pdf_response(
    request: HttpRequest, enrolment: Enrolment, *, kind: str, name: str, record
) -> HttpResponse:
    title = f"{name}, unit {enrolment.unit.code}, {enrolment.learner.display_name}"
    html = render_to_string(
        f"portfolio/pdf/{kind}.html",
        {"record": record, "header": record.header, "draft": record.is_draft, "pdf_title": title},
        request=request,
    )
    body = pdf.render_pdf(
        html,
        title=title,
        author=enrolment.assessor.display_name,
        static_roots=_static_roots(),
        static_url="/" + settings.STATIC_URL.lstrip("/"),
    )
    draft = "-draft" if record.is_draft else ""
    filename = f"{kind}-record-{enrolment.unit.code}-{enrolment.learner.username}{draft}.pdf"
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename.lower()}"'
    return response


def _achievement(request: HttpRequest, enrolment: Enrolment) -> HttpResponse:
    record = selectors.achievement_record(enrolment=enrolment)
    return _pdf_response(
        request, enrolment, kind="achievement", name="Evidence achievement record", record=record
    )


def _knowledge(request: HttpRequest, enrolment: Enrolment) -> HttpResponse:
    record = selectors.knowledge_evidence_record(enrolment=enrolment)
    return _pdf_response(
        request, enrolment, kind="knowledge", name="Knowledge evidence record", record=record
    )


@login_required
def achievement_pdf_home(request: HttpRequest) -> HttpResponse:
    return _achievement(request, selectors.enrolment_for_exporter(user=request.user))


@login_required
def achievement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Printed by the learner, their assessor and IV, or a centre admin of the centre."""
    return _achievement(request, selectors.enrolment_for_exporter(user=request.user, pk=pk))


@login_required
def knowledge_pdf_home(request: HttpRequest) -> HttpResponse:
    return _knowledge(request, selectors.enrolment_for_exporter(user=request.user))


@login_required
def knowledge_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _knowledge(request, selectors.enrolment_for_exporter(user=request.user, pk=pk))
