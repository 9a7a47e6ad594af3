"""The site's routes plus views that fail on purpose, for the error page tests."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from immigrationos.site.urls import urlpatterns as site_urlpatterns

# A made-up person, as an exception raised while handling a record might carry.
LEAKED = "Maria Fernanda GARCIA LOPEZ born 1984-03-07 A-number 012345678"


def fail_with_server_error(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(LEAKED)


def fail_with_not_found(request: HttpRequest) -> HttpResponse:
    raise Http404(LEAKED)


def fail_with_denied(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied(LEAKED)


urlpatterns = [
    *site_urlpatterns,
    path("boom/server/", fail_with_server_error, name="boom_server"),
    path("boom/not-found/", fail_with_not_found, name="boom_not_found"),
    path("boom/denied/", fail_with_denied, name="boom_denied"),
]
