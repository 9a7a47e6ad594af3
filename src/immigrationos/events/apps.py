from __future__ import annotations

from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "immigrationos.events"
    label = "events"
    verbose_name = "Departure and arrival events"
    default_auto_field = "django.db.models.BigAutoField"
