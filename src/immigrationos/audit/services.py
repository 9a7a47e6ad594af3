"""Write audit events."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest
from django.utils import timezone

from immigrationos.audit.models import AuditEvent, Outcome

T = TypeVar("T")


def _client_address(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy sets it.
    address = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


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
    """Store one audit event for ``request`` and return it.

    ``details`` must hold only kinds and counts (for example a search's query kind and result
    count), never a name or other personal free text.
    """
    user = getattr(request, "user", None) if request is not None else None
    if user is None or not user.is_authenticated:
        user = None
    if username is None:
        username = user.get_username() if user is not None else ""
    return AuditEvent.objects.create(
        at=timezone.now(),
        user=user,
        username=username,
        action=action,
        object_type=object_type,
        object_ids=[str(object_id) for object_id in object_ids],
        outcome=outcome,
        request_id=getattr(request, "request_id", "") if request is not None else "",
        client_address=_client_address(request) if request is not None else None,
        purpose=purpose,
        details=dict(details or {}),
    )


def audited_read(
    *,
    request: HttpRequest,
    action: str,
    object_type: str,
    object_id: str,
    read: Callable[[], T],
) -> T:
    """Call ``read`` for one object and record the view as an audit event either way.

    A missing object is recorded with a failed outcome, and its ObjectDoesNotExist is
    raised again for the caller to turn into a 404.
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
