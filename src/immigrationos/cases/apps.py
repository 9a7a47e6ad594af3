from __future__ import annotations

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "immigrationos.cases"
    label = "cases"
    verbose_name = "Persons and cases"
    default_auto_field = "django.db.models.BigAutoField"
