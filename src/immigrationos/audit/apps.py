from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "immigrationos.audit"
    label = "audit"
    verbose_name = "Audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from immigrationos.audit import signals

        signals.connect()
