"""Disable accounts with no sign-in for a configured number of days.

NIST SP 800-53 AC-2(3) has inactive accounts disabled. The limit is the setting
IMMIGRATIONOS_ACCOUNT_INACTIVE_DAYS. An account that never signed in counts from the day it
was created. Each disabled account gets an audit event with its id and the idle days.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from immigrationos.audit.models import Outcome
from immigrationos.audit.services import audit_record

logger = logging.getLogger(__name__)

ACTION = "account_disable_inactive"


def inactive_since(*, now: datetime | None = None) -> datetime:
    """Return the instant before which an account's last activity makes it inactive."""
    current = now or timezone.now()
    return current - timedelta(days=settings.IMMIGRATIONOS_ACCOUNT_INACTIVE_DAYS)


def user_is_inactive(*, user: Any, now: datetime | None = None) -> bool:
    """Return whether ``user`` has not signed in for longer than the configured limit."""
    last_activity = user.last_login or user.date_joined
    return bool(last_activity < inactive_since(now=now))


def user_inactive_disable(
    *, user: Any, request: HttpRequest | None = None, now: datetime | None = None
) -> None:
    """Mark one inactive ``user`` as not active and audit it."""
    current = now or timezone.now()
    last_activity = user.last_login or user.date_joined
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(
        request=request,
        action=ACTION,
        object_type="user",
        object_ids=[str(user.pk)],
        outcome=Outcome.OK,
        username=user.get_username(),
        details={
            "idle_days": (current - last_activity).days,
            "limit_days": settings.IMMIGRATIONOS_ACCOUNT_INACTIVE_DAYS,
        },
    )
    logger.info("disabled inactive account user_id=%s", user.pk)


def users_inactive_disable(*, now: datetime | None = None, dry_run: bool = False) -> list[int]:
    """Disable every active account past the inactivity limit and return their ids.

    With ``dry_run`` nothing changes and nothing is audited; the ids are still returned.
    """
    cutoff = inactive_since(now=now)
    stale = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
    )
    disabled: list[int] = []
    for user in stale.order_by("pk"):
        if not dry_run:
            user_inactive_disable(user=user, now=now)
        disabled.append(user.pk)
    return disabled
