"""Write audit events, and run reads and changes only when their event is stored.

Every event names who (user, role, office scope), why (purpose, break-glass id), what
(action, object type and ids, outcome), and where from (request id, client address), at a
UTC time. Events fail closed: when an event cannot be stored, ``audit_record`` raises
``AuditWriteError``, ``audited_read`` returns nothing and ``audited_change`` rolls the
change back.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import DatabaseError, transaction
from django.http import HttpRequest
from django.utils import timezone

from immigrationos.audit.chain import chain_append
from immigrationos.audit.errors import AuditWriteError
from immigrationos.audit.models import AuditEvent, Outcome

T = TypeVar("T")

logger = logging.getLogger(__name__)

# Detail keys that would carry a secret. audit_record rejects them at any depth.
SECRET_KEYS = frozenset({"password", "secret", "token", "api_key", "session_key"})


def _secret_key_find(value: object) -> str | None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if str(key).lower() in SECRET_KEYS:
                return str(key)
            found = _secret_key_find(item)
            if found is not None:
                return found
    if isinstance(value, list | tuple):
        for item in value:
            found = _secret_key_find(item)
            if found is not None:
                return found
    return None


def _client_address(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy sets it.
    address = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _access_fields(request: HttpRequest | None) -> dict[str, Any]:
    """Return role, office scope, purpose and break-glass id from ``request.access``."""
    access = getattr(request, "access", None)
    office_codes = getattr(access, "office_codes", None) or ()
    break_glass_id = getattr(access, "break_glass_id", None)
    return {
        "role": str(getattr(access, "role", "") or ""),
        "office": ",".join(sorted(str(code) for code in office_codes)),
        "purpose": getattr(access, "purpose", None),
        "break_glass_id": str(break_glass_id) if break_glass_id else "",
    }


def audit_event_fields(
    *,
    request: HttpRequest | None,
    action: str,
    object_ids: Sequence[str] = (),
    outcome: str = Outcome.OK,
    object_type: str = "",
    username: str | None = None,
    details: Mapping[str, object] | None = None,
    purpose: str | None = None,
) -> dict[str, Any]:
    """Build the stored fields of one event (all but the chain fields) from ``request``."""
    user = getattr(request, "user", None) if request is not None else None
    if user is None or not user.is_authenticated:
        user = None
    if username is None:
        username = user.get_username() if user is not None else ""
    access = _access_fields(request)
    if purpose is not None:
        access["purpose"] = purpose
    secret = _secret_key_find(details or {})
    if secret is not None:
        raise ValueError(
            f"audit details for {action!r} contain the key {secret!r}, which would store a "
            "secret: record its kind or id instead"
        )
    return {
        "at": timezone.now(),
        "user_id": user.pk if user is not None else None,
        "username": username,
        "action": action,
        "object_type": object_type,
        "object_ids": [str(object_id) for object_id in object_ids],
        "outcome": str(outcome),
        "request_id": getattr(request, "request_id", "") if request is not None else "",
        "client_address": _client_address(request) if request is not None else None,
        "details": dict(details or {}),
        **access,
    }


def audit_record(
    *,
    request: HttpRequest | None,
    action: str,
    object_ids: Sequence[str] = (),
    outcome: str = Outcome.OK,
    object_type: str = "",
    username: str | None = None,
    details: Mapping[str, object] | None = None,
    purpose: str | None = None,
) -> AuditEvent:
    """Append one audit event for ``request`` to the chain and return it.

    ``details`` must hold only kinds, counts, ids and the user's own input (for example a
    search's query text), never values copied out of records. ``purpose`` overrides the
    purpose in ``request.access``. Raises ValueError for a detail key in ``SECRET_KEYS`` and
    AuditWriteError when the event cannot be stored.
    """
    fields = audit_event_fields(
        request=request,
        action=action,
        object_ids=object_ids,
        outcome=outcome,
        object_type=object_type,
        username=username,
        details=details,
        purpose=purpose,
    )
    try:
        return chain_append(fields)
    except DatabaseError as exc:
        logger.error(
            "failed to store audit event: action=%s request_id=%s error=%s",
            action,
            fields["request_id"],
            exc,
        )
        raise AuditWriteError(
            f"the audit event for {action!r} could not be stored ({exc}); the action was not "
            "performed. Check the database and run `immigrationos audit verify`."
        ) from exc


def audited_read(
    *,
    request: HttpRequest,
    action: str,
    object_type: str,
    object_id: str,
    read: Callable[[], T],
) -> T:
    """Call ``read`` for one object, record the view, and return the value only once the
    event is stored.

    A missing object is recorded with a failed outcome, and its ObjectDoesNotExist is
    raised again for the caller to turn into a 404. AuditWriteError propagates, so the
    caller never receives data whose view went unrecorded.
    """
    try:
        value = read()
    except ObjectDoesNotExist:
        audit_record(
            request=request,
            action=action,
            object_type=object_type,
            object_ids=[object_id],
            outcome=Outcome.FAILED,
        )
        raise
    audit_record(
        request=request,
        action=action,
        object_type=object_type,
        object_ids=[object_id],
        outcome=Outcome.OK,
    )
    return value


def audited_change(
    *,
    request: HttpRequest | None,
    action: str,
    object_type: str,
    object_ids: Sequence[str],
    change: Callable[[], T],
    details: Mapping[str, object] | None = None,
) -> T:
    """Run ``change`` and record it in one transaction, and return its result.

    If the event cannot be stored, the transaction is rolled back, so the change is undone,
    and AuditWriteError is raised.
    """
    with transaction.atomic():
        result = change()
        audit_record(
            request=request,
            action=action,
            object_type=object_type,
            object_ids=object_ids,
            details=details,
        )
    return result
