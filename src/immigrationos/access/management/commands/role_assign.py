"""Put a user in one role (and an office), creating the user without a password if needed."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from immigrationos.access.policy import ROLES, TOKEN_ROLES
from immigrationos.access.roles import user_role_assign


class Command(BaseCommand):
    help = "Put a user in one role, and in an office for officers and supervisors."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the user; created without a password if missing")
        parser.add_argument("role", choices=ROLES, help="the role the user gets (only this one)")
        parser.add_argument("--office", default=None, help="office code, for example NYC")

    def handle(self, *args: Any, **options: Any) -> None:
        user, created = get_user_model().objects.get_or_create(username=options["username"])
        if created:
            user.set_unusable_password()
            user.save()
        try:
            user_role_assign(user=user, role=options["role"], office_code=options["office"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        then = (
            "; create its API token with api_token_create" if options["role"] in TOKEN_ROLES else ""
        )
        self.stdout.write(
            f"{'created' if created else 'updated'} user {user.username!r} in role "
            f"{options['role']!r}{then}"
        )
