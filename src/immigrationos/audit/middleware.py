"""Fail closed when an audit event cannot be stored, and expose the current request to
signal handlers that Django calls without one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

from immigrationos.audit.errors import AuditWriteError

logger = logging.getLogger(__name__)

current_request: ContextVar[HttpRequest | None] = ContextVar(
    "immigrationos_audit_request", default=None
)

_UNAVAILABLE = (
    "The audit log is unavailable, so nothing was shown or changed. "
    "Try again later; if this persists, tell the system administrator.\n"
)


class AuditMiddleware:
    """Return 503 with no data when a view raises AuditWriteError.

    Place it after the authentication middleware, so that ``current_request`` carries the
    signed-in user for signal handlers such as the role-change audit.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, AuditWriteError):
            return None
        logger.error(
            "request rejected because its audit event was not stored: request_id=%s path=%s",
            getattr(request, "request_id", ""),
            request.path,
        )
        return HttpResponse(_UNAVAILABLE, status=503, content_type="text/plain; charset=utf-8")
