"""API authentication: partner tokens or a staff session, plus role and purpose checks.

Every operation needs an ``X-Purpose`` header naming a configured purpose of use when its
route shows person data. The checks run inside django-ninja's auth, so a failure returns a
JSON error (401, 403 or 400) and never a sign-in page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from immigrationos.access.context import AccessContext, access_context_build, purposes_for
from immigrationos.access.middleware import role_denial_reason, route_key
from immigrationos.access.policy import ROUTE_POLICY
from immigrationos.access.scope import access_denial_record, url_scope_check
from immigrationos.access.tokens import api_token_check
from immigrationos.audit.models import Outcome
from immigrationos.audit.services import audit_record

PURPOSE_HEADER = "X-Purpose"


class ApiAccessError(Exception):
    """A request the API rejects after authentication, with its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _access_check(request: HttpRequest, user: Any) -> AccessContext:
    """Build the context for ``user`` and apply the operation's role and purpose rules."""
    match = request.resolver_match
    key = route_key(match) if match is not None else ""
    purpose = request.headers.get(PURPOSE_HEADER, "").strip() or None
    access = access_context_build(user=user, purpose=purpose)
    request.user = user
    request.access = access  # type: ignore[attr-defined]

    policy = ROUTE_POLICY.get(key)
    if policy is None:
        reason = f"route {key!r} has no access policy"
        access_denial_record(request=request, route=key, reason=reason)
        raise ApiAccessError(403, reason)
    denial = role_denial_reason(policy=policy, role=access.role)
    if denial is not None:
        access_denial_record(request=request, route=key, reason=denial)
        raise ApiAccessError(403, denial)
    if policy.person_data and access.purpose is None:
        problem = (
            f"missing {PURPOSE_HEADER} header"
            if purpose is None
            else f"purpose of use {purpose!r} in the {PURPOSE_HEADER} header is unknown or "
            f"not allowed for role {access.role!r}"
        )
        allowed = ", ".join(sorted(purposes_for(access.role)))
        reason = f"{problem}; send one of: {allowed}"
        access_denial_record(request=request, route=key, reason="no purpose of use")
        raise ApiAccessError(400, reason)

    url_kwargs = dict(match.kwargs) if match is not None else {}
    outside = url_scope_check(request=request, route=key, url_kwargs=url_kwargs, access=access)
    if outside is not None:
        object_type, object_id = outside
        # Worded like a missing object, so guessing ids learns nothing.
        raise ApiAccessError(404, f"no {object_type} with id {object_id!r}")
    return access


class PartnerTokenAuth(HttpBearer):
    """A partner API token in ``Authorization: Bearer <token>``."""

    def authenticate(self, request: HttpRequest, token: str) -> AccessContext | None:
        found = api_token_check(token=token)
        if found is None:
            # A failed sign-in to the API, audited like a failed password sign-in. The event
            # keeps no part of the token.
            audit_record(
                request=request,
                action="api_sign_in",
                outcome=Outcome.FAILED,
                details={"reason": "unknown, expired or revoked API token"},
            )
            return None
        # The partner named on the token is the recipient in the accounting of disclosures.
        request.partner_name = found.partner  # type: ignore[attr-defined]
        return _access_check(request, found.user)


class StaffSessionAuth(SessionAuth):
    """A signed-in staff session; ninja checks the CSRF token on unsafe methods."""

    def authenticate(self, request: HttpRequest, key: str | None) -> AccessContext | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return _access_check(request, user)


def api_guarded(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap an API view that is not a ninja operation (the OpenAPI document, the API root)
    in the same token-or-session authentication and route policy check."""

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        for auth in (PartnerTokenAuth(), StaffSessionAuth()):
            try:
                access = auth(request)
            except ApiAccessError as exc:
                return JsonResponse({"message": str(exc), "details": {}}, status=exc.status)
            except HttpError as exc:
                return JsonResponse({"message": str(exc), "details": {}}, status=exc.status_code)
            if access is not None:
                return view(request, *args, **kwargs)
        message = "authentication required: send a partner API token or sign in"
        return JsonResponse({"message": message, "details": {}}, status=401)

    return guarded
