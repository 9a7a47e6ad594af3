"""WSGI entry point for the operational web UI."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "immigrationos.site.settings")

application = get_wsgi_application()
