"""Request ids, the session lifetime cap and cache headers for every page."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

# Session key holding the Unix time of the session's first signed-in request.
SIGNED_IN_AT_KEY = "immigrationos.signed_in_at"

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give each request an id (kept from a well-formed X-Request-ID) and echo it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class NoStoreMiddleware:
    """Forbid caching of every dynamic response, since pages carry personal data.

    Static files never reach this middleware because whitenoise serves them earlier.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


class SessionLifetimeMiddleware:
    """Sign a user out IMMIGRATIONOS_SESSION_MAX_SECONDS after sign-in, however active.

    The idle limit needs no code: SESSION_SAVE_EVERY_REQUEST moves the session's expiry
    forward on each request, and an expired session is not found. This cap is the other
    half of NIST SP 800-63B's rule (re-authentication at least every 12 hours at AAL2).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and self._expired(request):
            logger.info("session ended at its maximum age user_id=%s", request.user.pk)
            logout(request)
        response = self.get_response(request)
        # After a sign-in view, request.user is the new user, so the clock starts there.
        if request.user.is_authenticated:
            request.session.setdefault(SIGNED_IN_AT_KEY, time.time())
        return response

    @staticmethod
    def _expired(request: HttpRequest) -> bool:
        signed_in_at = request.session.get(SIGNED_IN_AT_KEY)
        if signed_in_at is None:
            return False
        return time.time() - float(signed_in_at) > settings.IMMIGRATIONOS_SESSION_MAX_SECONDS
