"""Break-glass: time-limited access to other offices' cases, justified and reviewed."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from immigrationos.access.context import AccessContext
from immigrationos.access.models import BreakGlass
from immigrationos.access.policy import ADMIN
from immigrationos.access.roles import OFFICE_ROLES
from immigrationos.cases.models import OfficeMembership

logger = logging.getLogger(__name__)


class BreakGlassError(ValueError):
    """A break-glass request that cannot be granted or acknowledged, with the reason."""


def break_glass_start(*, access: AccessContext, justification: str) -> BreakGlass:
    """Open a break-glass window for the acting officer or supervisor and return it.

    Raises BreakGlassError when the role has no office scope to break out of or the
    justification is shorter than ``IMMIGRATIONOS_BREAK_GLASS_MIN_JUSTIFICATION``.
    """
    if access.role not in OFFICE_ROLES:
        raise BreakGlassError(
            f"role {access.role!r} is not limited to an office, so it has no break-glass"
        )
    text = justification.strip()
    minimum: int = settings.IMMIGRATIONOS_BREAK_GLASS_MIN_JUSTIFICATION
    if len(text) < minimum:
        raise BreakGlassError(
            f"the justification has {len(text)} characters; write at least {minimum}, "
            "naming the emergency and the case or person it concerns"
        )
    now = timezone.now()
    minutes: int = settings.IMMIGRATIONOS_BREAK_GLASS_MINUTES
    glass = BreakGlass.objects.create(
        id=secrets.token_hex(8),
        user=access.user,
        username=access.username,
        justification=text,
        started_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    logger.warning("break-glass %s opened by user id %s", glass.id, access.user.pk)
    return glass


def break_glass_review_list(*, access: AccessContext) -> QuerySet[BreakGlass]:
    """Return the break-glass windows ``access`` reviews, newest first.

    A supervisor reviews those of users in their offices (and of users with no office); an
    admin reviews all. A supervisor never reviews their own.
    """
    windows = BreakGlass.objects.select_related("user", "reviewed_by")
    if access.role == ADMIN:
        return windows.order_by("-started_at")
    elsewhere = OfficeMembership.objects.exclude(office_id__in=sorted(access.office_codes))
    return (
        windows.exclude(user_id__in=elsewhere.values_list("user_id", flat=True))
        .exclude(user=access.user)
        .order_by("-started_at")
    )


@transaction.atomic
def break_glass_acknowledge(*, access: AccessContext, break_glass_id: str, note: str) -> BreakGlass:
    """Mark a break-glass window as reviewed by the acting supervisor, with a note.

    Raises BreakGlassError when the note is empty, or when the window is not in this
    reviewer's list or was already reviewed.
    """
    if not note.strip():
        raise BreakGlassError(
            f"break-glass {break_glass_id!r} was not marked as reviewed: write a note saying "
            "what the review found"
        )
    in_list = break_glass_review_list(access=access).filter(pk=break_glass_id).exists()
    # The lock stays on the break-glass row alone: PostgreSQL cannot lock the nullable side
    # of the reviewer join that the list query uses.
    glass = (
        BreakGlass.objects.select_for_update().filter(pk=break_glass_id).first()
        if in_list
        else None
    )
    if glass is None:
        raise BreakGlassError(
            f"no break-glass {break_glass_id!r} to review; open the list to see yours"
        )
    if glass.reviewed_at is not None:
        raise BreakGlassError(f"break-glass {break_glass_id!r} was already reviewed")
    glass.reviewed_by = access.user
    glass.reviewed_at = timezone.now()
    glass.review_note = note.strip()
    glass.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
    return glass
