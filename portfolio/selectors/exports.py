"""Reads over the PDF exports: who may see one, and the recent ones of an enrolment. Who
may is who may print the records (printing.enrolment_for_exporter): the learner, their
assessor and IV, and the centre admins of the learner's centre."""

from __future__ import annotations

from django.http import Http404

from accounts.models import User
from portfolio.models import Enrolment, PortfolioExport
from portfolio.selectors.enrolments import enrolments_readable_by
from portfolio.selectors.printing import enrolment_for_exporter

RECENT = 5


def export_for_reader(*, user: User, pk: int) -> PortfolioExport:
    """An export of records the user may print; 404 for anyone else, as for no such export."""
    export = (
        PortfolioExport.objects.select_related(
            "enrolment__unit", "enrolment__learner", "requested_by"
        )
        .filter(pk=pk)
        .first()
    )
    if export is None:
        raise Http404("No such PDF.")
    enrolment_for_exporter(user=user, pk=export.enrolment_id)  # 404 unless they may print it
    return export


def exports_recent(*, enrolment: Enrolment, limit: int = RECENT) -> list[PortfolioExport]:
    """The enrolment's newest exports, whoever asked for them (they may all print them)."""
    return list(
        enrolment.exports.select_related("requested_by").order_by("-created_at", "-pk")[:limit]
    )


def records_readable_by(*, user: User, enrolment: Enrolment) -> bool:
    """Whether the user also reads the enrolment's records page, for the links back to it:
    centre admins may print the records but do not read portfolios."""
    return enrolments_readable_by(user=user).filter(pk=enrolment.pk).exists()
