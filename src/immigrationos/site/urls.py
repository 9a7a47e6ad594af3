"""URL routes of the whole site."""

from __future__ import annotations

from django.urls import include, path

from immigrationos.api.urls import api_urlpatterns

urlpatterns = [
    path("api/v1/", api_urlpatterns()),
    path("", include("immigrationos.web.urls")),
]
