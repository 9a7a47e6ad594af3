"""Set up Django from library code and the command line."""

from __future__ import annotations

import os

SETTINGS_MODULE = "immigrationos.site.settings"


def django_setup() -> None:
    """Configure Django with the project settings; calling it again does nothing."""
    import django
    from django.apps import apps

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    if not apps.ready:
        django.setup()


def migrate(*, verbosity: int = 0) -> None:
    """Apply every pending migration to the operational store."""
    from django.core.management import call_command

    django_setup()
    call_command("migrate", interactive=False, verbosity=verbosity)


def manage(argv: list[str]) -> int:
    """Run a Django management command, for example ``["migrate"]``, and return its exit code."""
    from django.core.management import execute_from_command_line

    django_setup()
    try:
        execute_from_command_line(["immigrationos manage", *argv])
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0
