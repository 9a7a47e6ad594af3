"""Grant a user access to another office's cases for a limited time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from immigrationos.access.grants import office_grant_create


class Command(BaseCommand):
    help = "Let a user see the cases of another office until the grant expires."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the officer or supervisor to widen")
        parser.add_argument("office", help="office code, for example LOS")
        parser.add_argument("--by", required=True, help="username of who grants it")
        parser.add_argument("--reason", required=True, help="why the user needs the office")
        parser.add_argument("--days", type=int, default=7, help="days until it expires")

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects
        user = users.filter(username=options["username"]).first()
        granter = users.filter(username=options["by"]).first()
        if user is None or granter is None:
            missing = options["username"] if user is None else options["by"]
            raise CommandError(f"no user {missing!r}")
        try:
            grant = office_grant_create(
                user=user,
                office_code=options["office"],
                granted_by=granter,
                reason=options["reason"],
                duration=timedelta(days=options["days"]),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"grant {grant.pk}: {user.get_username()} may see {grant.office_id} "
            f"until {grant.expires_at:%Y-%m-%d %H:%M} UTC"
        )
