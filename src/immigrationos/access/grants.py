"""Extra office scope for a user, granted by someone, for a reason, until it expires."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from immigrationos.access.models import OfficeGrant
from immigrationos.access.roles import OFFICE_ROLES, user_role_get
from immigrationos.audit.services import audit_record
from immigrationos.cases.models import Office

logger = logging.getLogger(__name__)

# A reason must be more than a word or two, because reviewers read it later.
MIN_REASON_LENGTH = 15
MAX_GRANT = timedelta(days=90)


def office_grant_create(
    *, user: User, office_code: str, granted_by: User, reason: str, duration: timedelta
) -> OfficeGrant:
    """Let ``user`` see the cases of ``office_code`` for ``duration`` and return the grant.

    Raises ValueError for a user outside the office roles, an unknown office, a grant to
    oneself, a reason shorter than ``MIN_REASON_LENGTH`` or a duration outside 1 minute to
    ``MAX_GRANT``.
    """
    if user_role_get(user=user) not in OFFICE_ROLES:
        raise ValueError(
            f"user {user.get_username()!r} is not an officer or supervisor; only they have "
            "office scope to widen"
        )
    if not Office.objects.filter(code=office_code).exists():
        raise ValueError(f"unknown office {office_code!r}; use an office code such as 'LOS'")
    if granted_by.pk == user.pk:
        raise ValueError("a user cannot grant office access to themselves")
    if len(reason.strip()) < MIN_REASON_LENGTH:
        raise ValueError(f"the reason must have at least {MIN_REASON_LENGTH} characters")
    if not timedelta(minutes=1) <= duration <= MAX_GRANT:
        raise ValueError(f"duration {duration} is outside 1 minute to {MAX_GRANT.days} days")
    now = timezone.now()
    grant = OfficeGrant.objects.create(
        user=user,
        office_id=office_code,
        granted_by=granted_by,
        reason=reason.strip(),
        granted_at=now,
        expires_at=now + duration,
    )
    audit_record(
        request=None,
        username=granted_by.get_username(),
        action="office_grant_create",
        object_type="office_grant",
        object_ids=[str(grant.pk)],
        details={
            "user_id": user.pk,
            "office": office_code,
            "expires_at": grant.expires_at.isoformat(),
        },
    )
    logger.info(
        "office grant %s: user id %s may see %s until %s, granted by user id %s",
        grant.pk,
        user.pk,
        office_code,
        grant.expires_at.isoformat(),
        granted_by.pk,
    )
    return grant


def office_grant_revoke(*, grant_id: int, revoked_by: User) -> OfficeGrant:
    """End an office grant now by moving its expiry to the present, and return it.

    Raises OfficeGrant.DoesNotExist for an unknown id and ValueError when it already ended.
    """
    grant = OfficeGrant.objects.get(pk=grant_id)
    now = timezone.now()
    if grant.expires_at <= now:
        raise ValueError(
            f"office grant {grant_id!r} already ended at {grant.expires_at:%Y-%m-%d %H:%M} UTC"
        )
    grant.expires_at = now
    grant.save(update_fields=["expires_at"])
    audit_record(
        request=None,
        username=revoked_by.get_username(),
        action="office_grant_revoke",
        object_type="office_grant",
        object_ids=[str(grant.pk)],
        details={"user_id": grant.user_id, "office": grant.office_id},
    )
    logger.info("office grant %s revoked by user id %s", grant.pk, revoked_by.pk)
    return grant
