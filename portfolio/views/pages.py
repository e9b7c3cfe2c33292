"""The portfolio and coverage pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from portfolio import selectors
from portfolio.models import Enrolment


@login_required
def portfolio_home(request: HttpRequest) -> HttpResponse:
    """A learner's own portfolio; for an assessor or IV, the portfolios they may read."""
    own = list(selectors.enrolments_for_learner(learner=request.user))
    if own:
        return _portfolio_page(request, own[0], is_owner=True)
    readable = list(selectors.enrolments_readable_by(user=request.user))
    if not readable:
        raise Http404("You have no portfolio, and no learners' portfolios to read.")
    awaiting = selectors.evidence_awaiting_assessment(assessor=request.user)
    for enrolment in readable:
        enrolment.awaiting = awaiting.get(enrolment.pk, 0)
    return render(request, "portfolio/caseload.html", {"enrolments": readable})


@login_required
def portfolio_for_enrolment(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.enrolment_for_reader(user=request.user, pk=pk)
    return _portfolio_page(request, enrolment, is_owner=enrolment.learner_id == request.user.pk)


def _portfolio_page(request: HttpRequest, enrolment: Enrolment, *, is_owner: bool):
    rows = selectors.evidence_rows(enrolment=enrolment)
    return render(
        request,
        "portfolio/portfolio.html",
        {
            "enrolment": enrolment,
            "rows": rows,
            "is_owner": is_owner,
            "sampled_ids": selectors.evidence_sampled_ids(evidence_ids=[r.item.pk for r in rows]),
        },
    )


@login_required
def coverage_home(request: HttpRequest) -> HttpResponse:
    """The learner's own coverage of their unit."""
    enrolment = selectors.enrolment_for_learner(user=request.user)
    return _coverage_page(request, enrolment)


@login_required
def coverage_for_enrolment(request: HttpRequest, pk: int) -> HttpResponse:
    """A learner's coverage, read by them, their assessor or their internal verifier."""
    enrolment = selectors.enrolment_for_reader(user=request.user, pk=pk)
    return _coverage_page(request, enrolment)


def _coverage_page(request: HttpRequest, enrolment: Enrolment) -> HttpResponse:
    return render(
        request,
        "portfolio/coverage.html",
        {
            "enrolment": enrolment,
            "coverage": selectors.coverage_data(enrolment=enrolment),
            "is_owner": enrolment.learner_id == request.user.pk,
        },
    )
