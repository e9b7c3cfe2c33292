"""The base of every API view (the access rules themselves are in accounts/api.py, which DRF
loads from settings, so it cannot import DRF's views)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.generics import GenericAPIView
from rest_framework.views import APIView

from accounts.audit import audit_record
from accounts.models import AuditEvent


class AuditedApiMixin:
    """Each request that presents a token (good, wrong or revoked) leaves one audit record:
    method, path, status, the key's prefix; never the key."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        prefix = getattr(request._request, "casebook_token_prefix", None)
        if prefix is not None:
            token = getattr(request._request, "casebook_api_token", None)
            audit_record(
                kind=AuditEvent.Kind.API,
                request=request._request,
                username=f"token {prefix}",
                subject=token,
                detail={
                    "method": request.method,
                    "status": response.status_code,
                    "token": prefix,
                    "centre": token.centre.slug if token is not None else "",
                },
            )
        return response


class ApiView(AuditedApiMixin, APIView):
    """The base of every API view: the project's authentication, access rule and rate
    (REST_FRAMEWORK in settings) and an audit record per token request."""


class ApiGenericView(AuditedApiMixin, GenericAPIView):
    """ApiView with a queryset, filters and pages."""


class TokenScheme(OpenApiAuthenticationExtension):
    """The schema's name for a centre's key (accounts.api.TokenAuthentication)."""

    target_class = "accounts.api.TokenAuthentication"
    name = "centreToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A centre's key, made by its centre admin: `Token <key>`.",
        }
