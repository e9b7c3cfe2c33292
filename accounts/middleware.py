"""Refused requests (403) go to the audit log, with who asked for what."""

from __future__ import annotations

from accounts.audit import audit_record
from accounts.models import AuditEvent


class AuditDeniedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403:
            audit_record(
                kind=AuditEvent.Kind.DENIED,
                request=request,
                detail={"method": request.method},
            )
        return response
