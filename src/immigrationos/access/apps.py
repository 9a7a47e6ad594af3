from __future__ import annotations

from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "immigrationos.access"
    label = "access"
    verbose_name = "Access control"
