"""Partner API tokens: created once, shown once, stored only as a SHA-256 digest.

A token carries 256 random bits, so a fast unsalted digest is enough to keep a database dump
from yielding usable tokens. A slow password hash would only add latency to every call.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from immigrationos.access.models import ApiToken
from immigrationos.audit.services import audit_record

TOKEN_PREFIX = "iosk_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def api_token_create(*, user: User, partner: str, valid_days: int | None = None) -> str:
    """Create a token for ``user`` acting for ``partner`` and return it; it is not kept."""
    days = valid_days if valid_days is not None else settings.IMMIGRATIONOS_API_TOKEN_DAYS
    if days < 1:
        raise ValueError(f"valid_days must be at least 1, got {days!r}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    # Issuing a credential is audited, and no token is created when its event is not stored.
    with transaction.atomic():
        created = ApiToken.objects.create(
            user=user,
            partner=partner,
            prefix=token[: len(TOKEN_PREFIX) + 4],
            digest=_digest(token),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        audit_record(
            request=None,
            action="api_token_create",
            object_type="api_token",
            object_ids=[str(created.pk)],
            details={
                "user_id": user.pk,
                "partner": partner,
                "expires_at": created.expires_at.isoformat(),
            },
        )
    return token


def api_token_check(*, token: str) -> ApiToken | None:
    """Return the live token record matching ``token``, or None when it is unknown, expired,
    revoked or its user is inactive. A match records the time of use."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    found = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(token), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if found is None or not found.user.is_active:
        return None
    ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found
