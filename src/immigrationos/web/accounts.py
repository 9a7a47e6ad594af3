"""Demo accounts, one per role, with random passwords (an API token for the partner)."""

from __future__ import annotations

import secrets

from django.db import transaction

from immigrationos.access.models import ApiToken
from immigrationos.access.policy import PARTNER, TOKEN_ROLES
from immigrationos.access.policy import ROLES as ACCESS_ROLES
from immigrationos.access.roles import OFFICE_ROLES, user_role_assign
from immigrationos.access.tokens import api_token_create

ROLES: tuple[str, ...] = ACCESS_ROLES
DEMO_OFFICE = "NYC"
DEMO_PARTNER = "Demo partner agency"
DEMO_EVENT_SOURCE = "Demo departure feed"


@transaction.atomic
def demo_accounts_create() -> dict[str, str]:
    """Create or reset one user per role, named after the role.

    Each user is in the group of its role only; the officer and supervisor belong to the
    demo office. The partner and the event source sign in to the API only, so each gets a
    new API token (earlier tokens are revoked) and no usable password. Returns username ->
    new password or token, so the demo can print them once.
    """
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    user_model = get_user_model()
    secrets_by_user: dict[str, str] = {}
    for role in ROLES:
        user, _ = user_model.objects.get_or_create(username=role)
        user.is_active = True
        if role in TOKEN_ROLES:
            user.set_unusable_password()
        else:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            secrets_by_user[role] = password
        user.save()
        user_role_assign(
            user=user, role=role, office_code=DEMO_OFFICE if role in OFFICE_ROLES else None
        )
        if role in TOKEN_ROLES:
            ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
            name = DEMO_PARTNER if role == PARTNER else DEMO_EVENT_SOURCE
            secrets_by_user[role] = api_token_create(user=user, partner=name)
    return secrets_by_user
