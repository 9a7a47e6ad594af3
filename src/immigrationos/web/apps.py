from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "immigrationos.web"
    label = "web"
    verbose_name = "Web UI"

    def ready(self) -> None:
        from immigrationos.site import lockout

        lockout.connect()
