"""The engine's findings and runs over the API: the current signals of a centre, starting a
full analysis and following it. A centre's token reads its own centre; a manager signed in
reads the centres they manage (``?centre=<slug>``, else their first), as on the dashboard;
nobody else reads any. Interfaces only: selectors and services do the work."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from accounts.api import request_token
from accounts.api_views import ApiView
from accounts.models import Centre, Role
from accounts.selectors import centres_for_role
from analytics import selectors, services
from analytics.api.serializers import RunInSerializer, RunSerializer, SignalsSerializer
from analytics.models import AnalysisRun, Effectiveness
from complaints.api.serializers import DetailSerializer
from complaints.api.views import MAX_ID, NOT_FOUND, REFUSED

CENTRE = OpenApiParameter(
    "centre", str, description="A centre you manage, by slug (a token's is its own)."
)


def _centres(request) -> list[Centre]:
    token = request_token(request)
    if token is not None:
        return [token.centre]
    centres = list(centres_for_role(user=request.user, role=Role.MANAGER).order_by("name"))
    if not centres:
        raise PermissionDenied("The analysis is for managers.")
    return centres


def _centre(request, slug) -> Centre:
    centres = _centres(request)
    if not slug:
        return centres[0]
    centre = next((c for c in centres if c.slug == slug), None)
    if centre is None:
        raise NotFound("No centre of yours has that name.")
    return centre


class SignalsView(ApiView):
    @extend_schema(
        summary="The current signals",
        description="Spikes still found by the latest pass, repeated-problem candidates "
        "proposed and not yet confirmed or dismissed, and the latest before/after result of "
        "each preventive action, with their figures.",
        parameters=[CENTRE],
        responses={200: SignalsSerializer, **NOT_FOUND, **REFUSED},
    )
    def get(self, request):
        centre = _centre(request, request.query_params.get("centre"))
        data = {
            "centre": centre.slug,
            "spikes": selectors.active_signals(centre=centre),
            "candidates": selectors.open_candidates(centre=centre).prefetch_related("incidents"),
            "effectiveness": Effectiveness.objects.filter(action__centre=centre)
            .select_related("action")
            .order_by("-action__implemented_on", "pk"),
        }
        return Response(SignalsSerializer(data, context={"request": request}).data)


class RunStartView(ApiView):
    @extend_schema(
        summary="Start a full analysis",
        description="Queues a full pass of the centre's log and answers 202 with the run to "
        "poll (`url`). If one is already queued or running, that one is returned (200).",
        request=RunInSerializer,
        responses={
            202: RunSerializer,
            200: OpenApiResponse(RunSerializer, description="One is already under way."),
            400: OpenApiResponse(DetailSerializer, description="Not a JSON object."),
            **NOT_FOUND,
            **REFUSED,
        },
    )
    def post(self, request):
        payload = request.data if isinstance(request.data, dict) else {}
        slug = payload.get("centre")
        centre = _centre(request, slug if isinstance(slug, str) else "")
        run = selectors.run_in_progress(centre=centre)
        if run is not None:
            return Response(RunSerializer(run, context={"request": request}).data)
        token = request_token(request)
        run = services.analysis_request(
            centre=centre,
            trigger=AnalysisRun.Trigger.API if token else AnalysisRun.Trigger.MANUAL,
            by=None if token else request.user,
        )
        run.refresh_from_db()
        return Response(
            RunSerializer(run, context={"request": request}).data, status=status.HTTP_202_ACCEPTED
        )


class RunDetailView(ApiView):
    @extend_schema(
        summary="An analysis run's state",
        description="queued, running (with progress and step), succeeded or failed.",
        responses={200: RunSerializer, **NOT_FOUND, **REFUSED},
    )
    def get(self, request, pk: int):
        centres = _centres(request)
        run = (
            AnalysisRun.objects.filter(pk=pk, centre__in=centres).select_related("centre").first()
            if pk <= MAX_ID
            else None
        )
        if run is None:
            raise NotFound("No such run.")
        return Response(RunSerializer(run, context={"request": request}).data)
