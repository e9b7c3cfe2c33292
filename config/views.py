"""Project-level pages: the home page each role lands on, and a health check.

These views only gather what each app's selectors return; the rules live in the apps.
"""

from __future__ import annotations

import datetime
import sys

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import Role
from accounts.selectors import centre_members, centres_for_role, user_has_role, user_primary_role
from analytics import selectors as analytics_selectors
from complaints import selectors as problem_selectors
from config.jobs import TRANSIENT
from config.middleware import database_unavailable_response
from config.next_steps import learner_next_steps
from portfolio import selectors as portfolio_selectors

# The manager's overview counts the last quarter; the dashboard (analytics) goes further back.
MANAGER_WINDOW_DAYS = 90
# The learner's home lists this many of the engine's suggestions; the queue has them all.
CANDIDATES_ON_HOME = 3

ROLE_HOME = {
    Role.LEARNER: "home-learner",
    Role.ASSESSOR: "home-assessor",
    Role.VERIFIER: "home-verifier",
    Role.MANAGER: "home-manager",
    Role.CENTRE_ADMIN: "home-centre-admin",
}


def _require_role(request: HttpRequest, role: Role) -> None:
    if not user_has_role(user=request.user, role=role):
        raise PermissionDenied(f"This page is for the {role.label.lower()} role.")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the home page of their main role."""
    role = user_primary_role(user=request.user)
    if role is None:
        if request.user.is_staff:
            return redirect("admin:index")
        return render(request, "home/no_role.html")
    return redirect(ROLE_HOME[Role(role)])


@login_required
def learner_home(request: HttpRequest) -> HttpResponse:
    _require_role(request, Role.LEARNER)
    enrolments = list(portfolio_selectors.enrolments_for_learner(learner=request.user))
    # The ones the learner can confirm (most of their own incidents) first.
    candidates = sorted(
        analytics_selectors.candidates_for_learner(learner=request.user),
        key=lambda c: -len(c.mine),
    )
    coverages = [(e, portfolio_selectors.coverage_data(enrolment=e)) for e in enrolments]
    return render(
        request,
        "home/learner.html",
        {
            "enrolments": enrolments,
            "next_steps": learner_next_steps(
                learner=request.user,
                enrolment=enrolments[0] if enrolments else None,
                candidates=candidates,
                coverage=coverages[0][1] if coverages else None,
            ),
            "candidates": candidates[:CANDIDATES_ON_HOME],
            "candidate_count": len(candidates),
            "now": timezone.now(),
            "coverages": coverages,
            "open_problems": problem_selectors.open_problems_for_learner(learner=request.user),
            "counts": problem_selectors.problem_counts_for_learners(
                learner_ids=[request.user.pk]
            ).get(request.user.pk, {"total": 0, "open": 0}),
        },
    )


def _caseload(enrolments, since=None) -> list[dict]:
    enrolments = list(enrolments)
    counts = problem_selectors.problem_counts_for_learners(
        learner_ids=[e.learner_id for e in enrolments], since=since
    )
    return [
        {"enrolment": e, "counts": counts.get(e.learner_id, {"total": 0, "open": 0})}
        for e in enrolments
    ]


@login_required
def assessor_home(request: HttpRequest) -> HttpResponse:
    _require_role(request, Role.ASSESSOR)
    enrolments = portfolio_selectors.enrolments_for_assessor(assessor=request.user)
    return render(
        request,
        "home/assessor.html",
        {
            "caseload": _caseload(enrolments),
            "referrals": portfolio_selectors.referral_count(assessor=request.user),
        },
    )


@login_required
def verifier_home(request: HttpRequest) -> HttpResponse:
    _require_role(request, Role.VERIFIER)
    enrolments = portfolio_selectors.enrolments_for_verifier(verifier=request.user)
    return render(
        request,
        "home/verifier.html",
        {
            "caseload": _caseload(enrolments),
            "awaiting_review": portfolio_selectors.sampling_awaiting_count(verifier=request.user),
        },
    )


@login_required
def manager_home(request: HttpRequest) -> HttpResponse:
    _require_role(request, Role.MANAGER)
    since = timezone.now() - datetime.timedelta(days=MANAGER_WINDOW_DAYS)
    centres = [
        {
            "centre": centre,
            "summary": problem_selectors.centre_problem_summary(
                centre=centre, days=MANAGER_WINDOW_DAYS
            ),
            "caseload": _caseload(
                portfolio_selectors.enrolments_for_centre(centre=centre), since=since
            ),
        }
        for centre in centres_for_role(user=request.user, role=Role.MANAGER)
    ]
    return render(request, "home/manager.html", {"centres": centres})


@login_required
def centre_admin_home(request: HttpRequest) -> HttpResponse:
    _require_role(request, Role.CENTRE_ADMIN)
    centres = [
        {
            "centre": centre,
            "members": {
                role.label: list(centre_members(centre=centre, role=role)) for role in Role
            },
            "enrolments": portfolio_selectors.enrolments_for_centre(centre=centre),
        }
        for centre in centres_for_role(user=request.user, role=Role.CENTRE_ADMIN)
    ]
    return render(request, "home/centre_admin.html", {"centres": centres})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and docker-compose: the app answers and its database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 page, unless what failed was the database going away outside a view (a
    session saved as the response left): then the 503 page, as config.middleware gives for a
    view. Django calls this while the exception is being handled."""
    if isinstance(sys.exc_info()[1], TRANSIENT):
        return database_unavailable_response()
    return defaults.server_error(request)
