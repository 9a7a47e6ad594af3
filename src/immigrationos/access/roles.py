"""Role membership (Django groups) and office membership of users."""

from __future__ import annotations

import logging

from django.contrib.auth.models import AnonymousUser, Group, User
from django.db import transaction

from immigrationos.access.policy import OFFICER, ROLES, SUPERVISOR
from immigrationos.cases.models import Office, OfficeMembership
from immigrationos.cases.offices import office_name

logger = logging.getLogger(__name__)

# Roles whose users work the cases of one office.
OFFICE_ROLES = frozenset({OFFICER, SUPERVISOR})


def user_role_get(*, user: User | AnonymousUser) -> str | None:
    """Return the user's role: the one group of theirs named in ``ROLES``.

    A user in no role group, or in more than one, has no role and is denied every route that
    is not public, because a role is what decides scope and masking.
    """
    if not user.is_authenticated:
        return None
    names: list[str] = sorted(
        name for name in user.groups.values_list("name", flat=True) if name in ROLES
    )
    if len(names) == 1:
        return names[0]
    if len(names) > 1:
        logger.warning("user id %s is in several role groups %s; no role applies", user.pk, names)
    return None


@transaction.atomic
def user_role_assign(*, user: User, role: str, office_code: str | None) -> None:
    """Put ``user`` in the group of ``role`` only, and in ``office_code`` if given.

    Officers and supervisors need an office; other roles may have none.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if role in OFFICE_ROLES and not office_code:
        raise ValueError(f"role {role!r} needs an office code, for example 'NYC'")
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.set([group])
    if office_code:
        office, _ = Office.objects.get_or_create(
            code=office_code, defaults={"name": office_name(office_code)}
        )
        OfficeMembership.objects.update_or_create(user=user, defaults={"office": office})
    else:
        OfficeMembership.objects.filter(user=user).delete()
