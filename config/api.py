"""The API's addresses under /api/v1/, its OpenAPI schema and its browsable page.

CSRF: a request that sends ``Authorization`` is not made by a browser on someone's behalf
(no cookie authenticates it), so it is not checked for a CSRF token; every other unsafe
request is checked by Django's own CSRF check before any view runs, signed in or not, exactly
as on the pages (DRF's views are csrf_exempt, and DRF checks only signed-in sessions).
"""

from __future__ import annotations

from functools import wraps

from django.middleware.csrf import CsrfViewMiddleware
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from analytics.api import views as analytics_api
from complaints.api import views as complaints_api

SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


def csrf_unless_token(view):
    """Django's CSRF check for every unsafe request that does not carry a key."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if request.method not in SAFE_METHODS and "HTTP_AUTHORIZATION" not in request.META:
            refused = CsrfViewMiddleware(view).process_view(request, None, (), {})
            if refused is not None:
                return refused
        return view(request, *args, **kwargs)

    checked.csrf_exempt = True
    return checked


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema: public, like this documentation (it holds no data)."""

    permission_classes = [AllowAny]


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from drf-spectacular-sidecar's local files (no CDN). The split view serves
    its start-up script as a file of its own (``?script``), and the page's template has no
    inline style, so it runs under the site's strict Content Security Policy unchanged."""

    permission_classes = [AllowAny]
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
    title = "Casebook API"


app_name = "api"

urlpatterns = [
    path("problems/", complaints_api.ProblemListView.as_view(), name="problem-list"),
    path("problems/batch/", complaints_api.ProblemBatchView.as_view(), name="problem-batch"),
    path("problems/<int:pk>/", complaints_api.ProblemDetailView.as_view(), name="problem-detail"),
    path(
        "problems/<int:pk>/status/",
        complaints_api.ProblemStatusView.as_view(),
        name="problem-status",
    ),
    path(
        "problems/<int:pk>/actions/",
        complaints_api.ProblemActionsView.as_view(),
        name="problem-actions",
    ),
    path("analytics/signals/", analytics_api.SignalsView.as_view(), name="signals"),
    path("analytics/runs/", analytics_api.RunStartView.as_view(), name="run-start"),
    path("analytics/runs/<int:pk>/", analytics_api.RunDetailView.as_view(), name="run-detail"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(), name="docs"),
]
urlpatterns = [
    type(p)(p.pattern, csrf_unless_token(p.callback), p.default_args, p.name) for p in urlpatterns
]
