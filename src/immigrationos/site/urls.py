"""URL routes of the whole site."""

from __future__ import annotations

from django.conf import settings
from django.urls import URLPattern, URLResolver, include, path

from immigrationos.api.urls import api_urlpatterns

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api_urlpatterns()),
    path("", include("immigrationos.web.urls")),
]

if settings.IMMIGRATIONOS_OIDC_ENABLED:
    from immigrationos.site.oidc import oidc_urlpatterns

    urlpatterns += oidc_urlpatterns()
