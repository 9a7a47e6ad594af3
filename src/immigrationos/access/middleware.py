"""Route policy enforcement: every named route is checked against ``ROUTE_POLICY``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import ResolverMatch, reverse
from django_htmx.http import HttpResponseClientRedirect

from immigrationos.access.context import access_context_build
from immigrationos.access.policy import PURPOSE_SESSION_KEY, ROUTE_POLICY, RoutePolicy
from immigrationos.access.scope import access_denial_record, url_scope_check
from immigrationos.access.views import not_found_page

# The API's namespace. Its operations check role and purpose in the API's own auth, because
# API clients sign in per request with a token or session and send X-Purpose.
API_NAMESPACE = "api-v1"
WEB_NAMESPACE = "web"


def route_key(match: ResolverMatch) -> str:
    """Return the ``ROUTE_POLICY`` key of a resolved route: the url name for pages (namespace
    "web"), the full view name ("api-v1:person_get") for everything else."""
    if match.namespace == WEB_NAMESPACE:
        return match.url_name or ""
    return match.view_name


def role_denial_reason(*, policy: RoutePolicy, role: str | None) -> str | None:
    """Return why ``role`` may not open a route with ``policy``, or None when it may."""
    if policy.public:
        return None
    if role is None:
        return "user has no role (no group, or more than one role group)"
    if role not in policy.roles:
        return f"role {role!r} may not open this route"
    return None


def denied_page(request: HttpRequest, *, reason: str) -> HttpResponse:
    """Render the 403 page; ``reason`` names the rule, never the data."""
    return render(request, "access/denied.html", {"reason": reason}, status=403)


class AccessMiddleware:
    """Attach ``request.access`` and enforce each page route's roles, purpose and the office
    scope of the person or case its URL names.

    Must come after AuthenticationMiddleware and LoginRequiredMiddleware, so anonymous
    requests to pages have already been sent to the sign-in page. A route missing from
    ``ROUTE_POLICY`` is denied with 403 and an audit event for every user.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None:
            return None
        key = route_key(match)
        user = request.user
        if user.is_authenticated:
            purpose = request.session.get(PURPOSE_SESSION_KEY)
            request.access = access_context_build(user=user, purpose=purpose)  # type: ignore[attr-defined]

        policy = ROUTE_POLICY.get(key)
        if policy is None:
            reason = f"route {key!r} has no access policy"
            access_denial_record(request=request, route=key, reason=reason)
            if match.namespace == API_NAMESPACE:
                return JsonResponse({"message": reason, "details": {}}, status=403)
            return denied_page(request, reason="This page has no access policy yet.")
        if policy.public or match.namespace == API_NAMESPACE:
            return None
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())

        access = request.access  # type: ignore[attr-defined]
        denial = role_denial_reason(policy=policy, role=access.role)
        if denial is not None:
            access_denial_record(request=request, route=key, reason=denial)
            return denied_page(request, reason=f"Your role may not open this page ({denial}).")
        if policy.person_data and access.purpose is None:
            query = urlencode({"next": request.get_full_path()})
            target = f"{reverse('web:purpose')}?{query}"
            if getattr(request, "htmx", False):
                # A plain redirect would put the purpose page inside the swapped fragment.
                return HttpResponseClientRedirect(target)
            return HttpResponseRedirect(target)

        outside = url_scope_check(request=request, route=key, url_kwargs=view_kwargs, access=access)
        if outside is not None:
            return not_found_page(request, object_type=outside[0])
        return None
