"""Small readers of a page request shared by the view modules."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def request_user(request: HttpRequest) -> User:
    """Return the signed-in user; every route that calls this requires one with a role."""
    user: User = request.user  # type: ignore[assignment]
    return user


def is_htmx(request: HttpRequest) -> bool:
    """Return whether htmx sent the request (django-htmx sets ``request.htmx``)."""
    return bool(getattr(request, "htmx", False))


def local_path_or(request: HttpRequest, target: str, fallback: str) -> str:
    """Return ``target`` when it is a path on this site, else ``fallback``.

    Only a path starting with "/" is accepted, so a redirect never leaves the site.
    """
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
