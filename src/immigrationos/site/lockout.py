"""Audit each sign-in attempt that django-axes rejects with a lockout.

The failed attempt itself is already audited as ``sign_in`` with outcome failed, through
Django's user_login_failed signal. This adds a ``sign_in_locked`` event with outcome denied,
so an auditor can find lockouts (NIST SP 800-53 AC-7) without counting failures.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.http import HttpRequest

from immigrationos.audit.models import Outcome
from immigrationos.audit.services import audit_record

_USERNAME_MAX = 150


def _on_locked_out(
    sender: object, request: HttpRequest, username: str | None, **kwargs: Any
) -> None:
    audit_record(
        request=request,
        action="sign_in_locked",
        outcome=Outcome.DENIED,
        username=str(username or "")[:_USERNAME_MAX],
        details={"failures": int(getattr(request, "axes_failures_since_start", 0) or 0)},
    )


def connect() -> None:
    """Connect the handler once; ``dispatch_uid`` makes repeated calls harmless."""
    user_locked_out.connect(_on_locked_out, dispatch_uid="audit_sign_in_locked")
