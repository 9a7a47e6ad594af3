"""The site's routes plus the OIDC routes, for tests that switch single sign-on on."""

from __future__ import annotations

from immigrationos.site.oidc import oidc_urlpatterns
from immigrationos.site.urls import urlpatterns as site_urlpatterns

urlpatterns = [*site_urlpatterns, *oidc_urlpatterns()]
