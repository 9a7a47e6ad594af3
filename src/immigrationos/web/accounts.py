"""Demo accounts, one per role, with random passwords."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import Group
from django.db import transaction

from immigrationos.cases.models import Office, OfficeMembership
from immigrationos.cases.offices import office_name

ROLES: tuple[str, ...] = ("analyst", "officer", "supervisor", "auditor")
DEMO_OFFICE = "NYC"


@transaction.atomic
def demo_accounts_create() -> dict[str, str]:
    """Create or reset the users analyst, officer, supervisor and auditor.

    Each user is in the group named after its role; the officer and supervisor belong to the
    demo office. Returns username -> new password, so the demo can print them once.
    """
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    office, _ = Office.objects.get_or_create(
        code=DEMO_OFFICE, defaults={"name": office_name(DEMO_OFFICE)}
    )
    passwords: dict[str, str] = {}
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        user, _ = user_model.objects.get_or_create(username=role)
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.is_active = True
        user.save()
        user.groups.set([group])
        if role in ("officer", "supervisor"):
            OfficeMembership.objects.update_or_create(user=user, defaults={"office": office})
        else:
            OfficeMembership.objects.filter(user=user).delete()
        passwords[role] = password
    return passwords
