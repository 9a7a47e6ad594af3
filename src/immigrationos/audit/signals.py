"""Audit sign-in, failed sign-in, sign-out and role changes through Django's signals.

A role is a group, so adding a user to a group or removing one is a role change.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed
from django.http import HttpRequest

from immigrationos.audit.middleware import current_request
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


_ROLE_CHANGE_ACTIONS = {"post_add": "add", "post_remove": "remove", "pre_clear": "clear"}


def _on_groups_changed(
    sender: object,
    instance: Any,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    change = _ROLE_CHANGE_ACTIONS.get(action)
    if change is None:
        return
    # The signal fires from user.groups (forward) and from group.user_set (reverse).
    if reverse:
        group_ids = [instance.pk]
        user_ids = sorted(pk_set or ())
    else:
        user_ids = [instance.pk]
        group_ids = sorted(pk_set or ())
    if change == "clear":
        # pre_clear: the groups are still there to name; post_clear has no pk_set.
        if reverse:
            user_ids = sorted(instance.user_set.values_list("pk", flat=True))
        else:
            group_ids = sorted(instance.groups.values_list("pk", flat=True))
    roles = sorted(Group.objects.filter(pk__in=group_ids).values_list("name", flat=True))
    audit_record(
        request=current_request.get(),
        action="role_change",
        object_type="user",
        object_ids=[str(user_id) for user_id in user_ids],
        outcome=Outcome.OK,
        details={"change": change, "roles": roles},
    )


def connect() -> None:
    """Connect the handlers once; ``dispatch_uid`` makes repeated calls harmless."""
    user_logged_in.connect(_on_logged_in, dispatch_uid="audit_sign_in")
    user_logged_out.connect(_on_logged_out, dispatch_uid="audit_sign_out")
    user_login_failed.connect(_on_login_failed, dispatch_uid="audit_sign_in_failed")
    m2m_changed.connect(
        _on_groups_changed,
        sender=get_user_model().groups.through,
        dispatch_uid="audit_role_change",
    )
