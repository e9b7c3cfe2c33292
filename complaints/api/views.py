"""The problem log's API: list, read, log (one or a batch), move along the workflow, add an
action. Interfaces only: each view checks its input with the web forms
(complaints/api/validation.py) and calls one selector or service.

Who is asking (accounts/api.py): a centre's token reads the centre's whole log, as its
manager does, and writes as the learner whose log it is (the one it names when logging a
problem; the problem's learner otherwise), so the services' owner rule holds. A person
signed in has exactly their web permissions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from accounts.api import request_token
from accounts.api_views import ApiGenericView, ApiView
from accounts.models import Centre, User
from complaints import selectors, services
from complaints.api import validation
from complaints.api.filters import ApiProblemFilter, ProblemCursorPagination
from complaints.api.serializers import (
    ActionInSerializer,
    ActionSerializer,
    DetailSerializer,
    ErrorSerializer,
    ProblemBatchInSerializer,
    ProblemBatchOutSerializer,
    ProblemDetailSerializer,
    ProblemInSerializer,
    ProblemSerializer,
    StatusInSerializer,
)
from complaints.forms import ActionForm, StatusForm
from complaints.models import Problem

BATCH_MAX = 500
# Ids beyond the database's integers are simply not found (never a database error).
MAX_ID = 2**63 - 1

REFUSED = {
    401: OpenApiResponse(DetailSerializer, description="No key or session, or a revoked key."),
    403: OpenApiResponse(DetailSerializer, description="Not allowed (a read-only key writing)."),
    429: OpenApiResponse(DetailSerializer, description="Too many requests: see Retry-After."),
}
INVALID = {400: OpenApiResponse(ErrorSerializer, description="Errors by field.")}
NOT_FOUND = {404: OpenApiResponse(DetailSerializer, description="Not in what you may read.")}


def _readable(request) -> QuerySet[Problem]:
    token = request_token(request)
    if token is not None:
        return selectors.centre_problems(centre=token.centre)
    return selectors.problems_visible_to(user=request.user)


def _problem(request, pk: int) -> Problem:
    problem = (
        _readable(request).select_related("centre", "learner").filter(pk=pk).first()
        if pk <= MAX_ID
        else None
    )
    if problem is None:
        raise NotFound("No such problem.")
    return problem


def _writer(request, problem: Problem) -> User:
    """Who a change to a problem is made as: for a token, the problem's learner; for a
    person, themselves, and only in their own log (others may read it, not change it)."""
    if request_token(request) is not None:
        return problem.learner
    if problem.learner_id != request.user.pk:
        raise PermissionDenied("Only the learner whose log it is changes it.")
    return request.user


def _author(request, payload) -> tuple[list[Centre], User | None]:
    """Where a new problem may go and in whose log: a token's centre and the learner it
    names; a learner's own log at their centres."""
    token = request_token(request)
    if token is not None:
        return [token.centre], validation.learner_named(payload, centre=token.centre)
    centres = selectors.problem_learner_centres(learner=request.user)
    if not centres:
        raise PermissionDenied("Only learners log problems.")
    if payload.get("learner") not in (None, "", request.user.username):
        raise validation.ApiValidationError({"learner": ["You log problems in your own log only."]})
    return centres, request.user


def _context(request) -> dict:
    """The serializers show free text in full to the learner whose log it is only."""
    owner = None if request_token(request) is not None else request.user.pk
    return {"request": request, "owner_id": owner}


class ProblemListView(ApiGenericView):
    filter_backends = [DjangoFilterBackend]
    filterset_class = ApiProblemFilter
    pagination_class = ProblemCursorPagination
    serializer_class = ProblemSerializer

    def get_queryset(self):
        return _readable(self.request).select_related("centre", "learner")

    @extend_schema(
        summary="List problems",
        description="The log as its page filters it, newest first, a page at a time "
        "(follow `next`). A token sees its centre's whole log.",
        responses={200: ProblemSerializer(many=True), **INVALID, **NOT_FOUND, **REFUSED},
    )
    def get(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        data = ProblemSerializer(page, many=True, context=_context(request)).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="Log a problem",
        description="Checked as the page's form checks it. With `external_ref`, safe to "
        "retry: a problem already logged with that reference is returned (200), not "
        "logged twice.",
        request=ProblemInSerializer,
        responses={
            201: ProblemDetailSerializer,
            200: OpenApiResponse(ProblemDetailSerializer, description="Already logged."),
            **INVALID,
            **REFUSED,
        },
    )
    def post(self, request):
        payload = validation.require_object(request.data)
        centres, learner = _author(request, payload)
        centre, fields = validation.problem_fields(payload, centres=centres)
        ref = validation.external_ref(payload, required=False)
        try:
            problem, created = services.problem_create_once(
                centre=centre, learner=learner, external_ref=ref, **fields
            )
        except ValidationError as error:
            raise validation.ApiValidationError(validation.service_errors(error)) from error
        return Response(
            ProblemDetailSerializer(problem, context=_context(request)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ProblemBatchView(ApiView):
    @extend_schema(
        summary="Log a batch of problems",
        description=f"Up to {BATCH_MAX} problems, each with its `external_ref`, all or "
        "nothing: if any is refused, none is logged and the errors come back by position "
        "(`problems`: one object per problem, empty for those without errors). Safe to "
        "retry: problems already logged (by reference) come back with `created: false`.",
        request=ProblemBatchInSerializer,
        responses={
            201: ProblemBatchOutSerializer,
            200: OpenApiResponse(ProblemBatchOutSerializer, description="All already logged."),
            **INVALID,
            **REFUSED,
        },
    )
    def post(self, request):
        payload = validation.require_object(request.data)
        items = payload.get("problems")
        if not isinstance(items, list) or not 0 < len(items) <= BATCH_MAX:
            raise validation.ApiValidationError(
                {"problems": [f"Send a list of 1 to {BATCH_MAX} problems."]}
            )
        centre, checked = self._checked(request, items)
        try:
            results = services.problems_create_batch(centre=centre, items=checked)
        except ValidationError as error:
            raise validation.ApiValidationError(validation.service_errors(error)) from error
        created = sum(1 for _, new in results if new)
        for problem, _ in results:
            problem.centre = centre  # for its reference, without reading the centre again
        body = {
            "created": created,
            "existing": len(results) - created,
            "problems": [
                {
                    "id": problem.pk,
                    "url": request.build_absolute_uri(
                        reverse("api:problem-detail", args=[problem.pk])
                    ),
                    "reference": problem.reference,
                    "external_ref": problem.external_ref,
                    "created": new,
                }
                for problem, new in results
            ],
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def _checked(self, request, items: list) -> tuple[Centre, list[dict]]:
        """Each problem checked as the page's form checks it, errors by position."""
        errors: list[dict] = []
        checked: list[dict] = []
        centres_seen: set[Centre] = set()
        refs: dict[str, int] = {}
        for index, item in enumerate(items):
            try:
                payload = validation.require_object(item)
                centres, learner = _author(request, payload)
                centre, fields = validation.problem_fields(payload, centres=centres)
                ref = validation.external_ref(payload, required=True)
                if ref in refs:
                    raise validation.ApiValidationError(
                        {"external_ref": [f"Problem {refs[ref] + 1} of this batch has it too."]}
                    )
            except validation.ApiValidationError as error:
                errors.append(error.detail)
                continue
            refs[ref] = index
            centres_seen.add(centre)
            checked.append({**fields, "learner": learner, "external_ref": ref})
            errors.append({})
        if any(errors):
            raise validation.ApiValidationError({"problems": errors})
        if len(centres_seen) != 1:
            raise validation.ApiValidationError(
                {"problems": ["A batch goes to one centre: send one batch per centre."]}
            )
        return centres_seen.pop(), checked


class ProblemDetailView(ApiView):
    @extend_schema(
        summary="Read a problem",
        description="With its timeline of actions.",
        responses={200: ProblemDetailSerializer, **NOT_FOUND, **REFUSED},
    )
    def get(self, request, pk: int):
        problem = _problem(request, pk)
        return Response(ProblemDetailSerializer(problem, context=_context(request)).data)


class ProblemStatusView(ApiView):
    @extend_schema(
        summary="Move a problem along the workflow",
        description="new → acknowledged → in progress ⇄ awaiting customer → resolved → "
        "closed; escalated from any working state, reopened after resolution (both need a "
        "note).",
        request=StatusInSerializer,
        responses={200: ProblemDetailSerializer, **INVALID, **NOT_FOUND, **REFUSED},
    )
    def post(self, request, pk: int):
        problem = _problem(request, pk)
        by = _writer(request, problem)
        payload = validation.require_object(request.data)
        form = StatusForm(validation.form_data(payload, ["to", "note"]), problem=problem)
        if not form.is_valid():
            raise validation.ApiValidationError(validation.form_errors(form))
        try:
            problem = services.problem_transition(problem=problem, by=by, **form.cleaned_data)
        except ValidationError as error:
            raise validation.ApiValidationError(validation.service_errors(error, "to")) from error
        return Response(ProblemDetailSerializer(problem, context=_context(request)).data)


class ProblemActionsView(ApiView):
    @extend_schema(
        summary="Add an action to a problem's timeline",
        request=ActionInSerializer,
        responses={201: ActionSerializer, **INVALID, **NOT_FOUND, **REFUSED},
    )
    def post(self, request, pk: int):
        problem = _problem(request, pk)
        by = _writer(request, problem)
        payload = validation.require_object(request.data)
        form = ActionForm(validation.form_data(payload, ActionForm.Meta.fields))
        if not form.is_valid():
            raise validation.ApiValidationError(validation.form_errors(form))
        try:
            action = services.action_add(problem=problem, by=by, **form.cleaned_data)
        except ValidationError as error:
            raise validation.ApiValidationError(validation.service_errors(error)) from error
        return Response(
            ActionSerializer(action, context=_context(request)).data,
            status=status.HTTP_201_CREATED,
        )
