"""Audit sign-in, failed sign-in and sign-out through Django's auth signals."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from immigrationos.audit.models import Outcome
from immigrationos.audit.services import audit_record

_USERNAME_MAX = 150


def _on_logged_in(sender: object, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit_record(
        request=request, action="sign_in", outcome=Outcome.OK, username=user.get_username()
    )


def _on_logged_out(sender: object, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    username = user.get_username() if user is not None else ""
    audit_record(request=request, action="sign_out", outcome=Outcome.OK, username=username)


def _on_login_failed(
    sender: object, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already replaced the password in ``credentials`` with stars.
    username = str(credentials.get("username", ""))[:_USERNAME_MAX]
    audit_record(request=request, action="sign_in", outcome=Outcome.FAILED, username=username)


def connect() -> None:
    """Connect the handlers once; ``dispatch_uid`` makes repeated calls harmless."""
    user_logged_in.connect(_on_logged_in, dispatch_uid="audit_sign_in")
    user_logged_out.connect(_on_logged_out, dispatch_uid="audit_sign_out")
    user_login_failed.connect(_on_login_failed, dispatch_uid="audit_sign_in_failed")
