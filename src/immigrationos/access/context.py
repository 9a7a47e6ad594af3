"""The acting user's role, office scope, purpose of use and break-glass window.

AccessMiddleware and the API's auth attach it to each request as ``request.access``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from immigrationos.access.models import BreakGlass, OfficeGrant
from immigrationos.access.roles import OFFICE_ROLES, user_role_get
from immigrationos.cases.models import OfficeMembership


@dataclass(frozen=True)
class AccessContext:
    """The acting user's role, office scope, purpose of use and active break-glass id.

    The audit log reads ``username``, ``role``, ``office_codes``, ``purpose`` and
    ``break_glass_id`` from it, so those names are part of its contract.
    """

    user: Any
    username: str
    role: str | None
    office_codes: frozenset[str]
    purpose: str | None
    break_glass_id: str | None = None
    break_glass_expires_at: datetime | None = None
    masked_fields: frozenset[str] = field(default_factory=frozenset)

    @property
    def office_scoped(self) -> bool:
        """Whether case access is limited to ``office_codes``: true for officers and
        supervisors outside a break-glass window."""
        return self.role in OFFICE_ROLES and self.break_glass_id is None

    def office_allowed(self, office_code: str) -> bool:
        """Return whether this user may see a case of ``office_code`` right now."""
        return not self.office_scoped or office_code in self.office_codes

    def masks(self, field_name: str) -> bool:
        """Return whether ``field_name`` (a_number, passport_number, address, dob) is masked."""
        return field_name in self.masked_fields


def purposes_for(role: str | None) -> dict[str, str]:
    """Return the purpose codes and labels that ``role`` may choose."""
    purposes: dict[str, str] = settings.IMMIGRATIONOS_PURPOSES
    allowed: dict[str, list[str]] = settings.IMMIGRATIONOS_ROLE_PURPOSES
    if role not in allowed:
        return dict(purposes)
    return {code: label for code, label in purposes.items() if code in allowed[role]}


def masked_fields_for(role: str | None) -> frozenset[str]:
    """Return the person fields masked for ``role``; a user with no role sees all masked."""
    configured: dict[str, list[str]] = settings.IMMIGRATIONOS_MASKED_FIELDS
    if role is None:
        return frozenset({"a_number", "passport_number", "address", "dob"})
    return frozenset(configured.get(role, ()))


def office_codes_get(*, user: Any) -> frozenset[str]:
    """Return the user's own office and every office granted to them that has not expired."""
    codes = set(OfficeMembership.objects.filter(user=user).values_list("office_id", flat=True))
    codes.update(
        OfficeGrant.objects.filter(user=user, expires_at__gt=timezone.now()).values_list(
            "office_id", flat=True
        )
    )
    return frozenset(codes)


def break_glass_active_get(*, user: Any) -> BreakGlass | None:
    """Return the user's break-glass window that is open now, if any."""
    now = timezone.now()
    return (
        BreakGlass.objects.filter(Q(user=user) & Q(started_at__lte=now) & Q(expires_at__gt=now))
        .order_by("-started_at")
        .first()
    )


def access_context_build(*, user: Any, purpose: str | None) -> AccessContext:
    """Build the context of a signed-in ``user`` acting for ``purpose``.

    An unknown purpose code, or one the role may not choose, counts as no purpose, so a
    purpose removed from the settings stops working at once.
    """
    role = user_role_get(user=user)
    if purpose not in purposes_for(role):
        purpose = None
    glass = break_glass_active_get(user=user) if role in OFFICE_ROLES else None
    return AccessContext(
        user=user,
        username=user.get_username(),
        role=role,
        office_codes=office_codes_get(user=user),
        purpose=purpose,
        break_glass_id=glass.id if glass is not None else None,
        break_glass_expires_at=glass.expires_at if glass is not None else None,
        masked_fields=masked_fields_for(role),
    )


def request_access(request: Any) -> AccessContext:
    """Return the access context that AccessMiddleware set on a request to a non-public route."""
    access: AccessContext = request.access
    return access
