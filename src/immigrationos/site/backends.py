"""Password sign-in that also disables accounts unused for too long."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from immigrationos.site.inactivity import user_inactive_disable, user_is_inactive


class InactivityModelBackend(ModelBackend):
    """Django's username and password backend, which rejects and disables inactive accounts.

    An account past IMMIGRATIONOS_ACCOUNT_INACTIVE_DAYS is disabled at its first sign-in
    attempt with the right password, so it is caught even between runs of the
    ``disable_inactive_accounts`` command. The sign-in form shows the usual invalid
    credentials message, so an attacker learns nothing about the account's state.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and user_is_inactive(user=user):
            user_inactive_disable(user=user, request=request)
            return None
        return user
