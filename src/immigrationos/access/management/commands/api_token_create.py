"""Create a partner API token and print it once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from immigrationos.access.policy import TOKEN_ROLES
from immigrationos.access.roles import user_role_get
from immigrationos.access.tokens import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a partner or event-source user and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="a user in the partner or event_source group")
        parser.add_argument(
            "--partner", required=True, help="name of the partner agency or source system"
        )
        parser.add_argument(
            "--days", type=int, default=None, help="days the token stays valid (default 90)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}; create it first with createsuperuser")
        role = user_role_get(user=user)
        if role not in TOKEN_ROLES:
            raise CommandError(
                f"user {username!r} has role {role!r}; only partner and event_source users "
                "get API tokens"
            )
        try:
            token = api_token_create(
                user=user, partner=options["partner"], valid_days=options["days"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(token)
