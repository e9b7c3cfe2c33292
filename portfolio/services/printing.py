"""The signed records printed as PDF, for the download views and `manage.py export_record`:
the same document either way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string

from config.collector import collector_paused
from portfolio import pdf, selectors
from portfolio.models import Enrolment


class Part(NamedTuple):
    """A printable part: its template is portfolio/pdf/<key>.html."""

    title: str
    gather: Callable[..., object]  # the selector that reads it, given the enrolment
    author: str  # whose document it is: the Enrolment field named as the PDF's author
    file_stem: str


PARTS = {
    "achievement": Part(
        "Evidence achievement record",
        selectors.achievement_record,
        "assessor",
        "achievement-record",
    ),
    "knowledge": Part(
        "Knowledge evidence record",
        selectors.knowledge_evidence_record,
        "assessor",
        "knowledge-record",
    ),
    "index": Part("Evidence index", selectors.evidence_index, "learner", "evidence-index"),
    "portfolio": Part("Portfolio of evidence", selectors.full_portfolio, "learner", "portfolio"),
}


@dataclass(frozen=True)
class PrintedRecord:
    body: bytes
    filename: str
    title: str
    is_draft: bool


STYLESHEET = "portfolio/pdf.css"


def _static_roots() -> list[Path]:
    """The only files the renderer may read: the project's and the apps' static folders, and
    the collected static files (hashed names, in production) where there are any."""
    app_roots = [Path(app.path) / "static" for app in apps.get_app_configs()]
    roots = [Path(root) for root in settings.STATICFILES_DIRS] + app_roots
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT))
    return [root for root in roots if root.is_dir()]


def _stylesheet() -> Path:
    """The print stylesheet's source file, found as collectstatic finds it."""
    found = finders.find(STYLESHEET)
    if not found:
        raise ImproperlyConfigured(f"The print stylesheet {STYLESHEET} is missing.")
    return Path(found)


# progress(percent, words): how far a rendering has got, for a background job's progress bar.
Progress = Callable[[int, str], None]


def _silent(percent: int, words: str) -> None:
    pass


def record_print(
    *, enrolment: Enrolment, part: str, progress: Progress | None = None
) -> PrintedRecord:
    """Render one part of an enrolment's records (a key of PARTS) as PDF, reporting each
    step to ``progress`` when given."""
    progress = progress or _silent
    name, gather, author, file_stem = PARTS[part]
    with collector_paused():
        progress(5, "Gathering the records")
        record = gather(enrolment=enrolment)
        title = f"{name}, unit {enrolment.unit.code}, {enrolment.learner.display_name}"
        html = render_to_string(
            f"portfolio/pdf/{part}.html",
            {
                "record": record,
                "header": record.header,
                "draft": record.is_draft,
                "pdf_title": title,
            },
        )
        progress(30, "Laying out the pages")
        body = pdf.render_pdf(
            html,
            title=title,
            author=getattr(enrolment, author).display_name,
            static_roots=_static_roots(),
            static_url="/" + settings.STATIC_URL.lstrip("/"),
            stylesheets=[_stylesheet()],
            on_laid_out=lambda pages: progress(80, f"Writing {pages} pages"),
        )
    draft = "-draft" if record.is_draft else ""
    filename = f"{file_stem}-{enrolment.unit.code}-{enrolment.learner.username}{draft}.pdf"
    return PrintedRecord(body, filename.lower(), title, record.is_draft)
