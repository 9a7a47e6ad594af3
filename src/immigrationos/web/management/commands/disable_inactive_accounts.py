"""Disable accounts unused for longer than IMMIGRATIONOS_ACCOUNT_INACTIVE_DAYS."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from immigrationos.site.inactivity import users_inactive_disable


class Command(BaseCommand):
    help = (
        "Disable every active account with no sign-in for more than "
        "IMMIGRATIONOS_ACCOUNT_INACTIVE_DAYS days (an account that never signed in counts "
        "from its creation) and audit each one. Run it daily, for example from cron."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="list the account ids that would be disabled and change nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options["dry_run"])
        user_ids = users_inactive_disable(dry_run=dry_run)
        verb = "would be disabled" if dry_run else "disabled"
        limit = settings.IMMIGRATIONOS_ACCOUNT_INACTIVE_DAYS
        noun = "account" if len(user_ids) == 1 else "accounts"
        line = f"{len(user_ids)} {noun} {verb} (no sign-in for more than {limit} days)"
        if user_ids:
            line += f": user ids {', '.join(map(str, user_ids))}"
        self.stdout.write(line)
