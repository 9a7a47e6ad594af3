"""Accounts unused for too long are disabled at sign-in and by a command, and audited."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from immigrationos.audit.models import AuditEvent

PASSWORD = "correct horse battery"
LIMIT = timedelta(days=settings.IMMIGRATIONOS_ACCOUNT_INACTIVE_DAYS)


def _user(username: str, *, last_login_ago: timedelta | None, joined_ago: timedelta) -> Any:
    now = timezone.now()
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    user.date_joined = now - joined_ago
    user.last_login = now - last_login_ago if last_login_ago is not None else None
    user.save()
    return user


def _disable_events() -> Any:
    return AuditEvent.objects.filter(action="account_disable_inactive")


def test_sign_in_disables_stale_account(db: None, client: Client) -> None:
    user = _user("stale", last_login_ago=LIMIT + timedelta(days=1), joined_ago=LIMIT * 3)
    response = client.post("/login/", {"username": "stale", "password": PASSWORD})
    user.refresh_from_db()
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert not user.is_active
    event = _disable_events().get()
    assert event.object_ids == [str(user.pk)]
    assert event.details["idle_days"] == LIMIT.days + 1


def test_sign_in_keeps_recent_account(db: None, client: Client) -> None:
    user = _user("recent", last_login_ago=LIMIT - timedelta(days=1), joined_ago=LIMIT * 3)
    response = client.post("/login/", {"username": "recent", "password": PASSWORD})
    user.refresh_from_db()
    assert response.status_code == 302
    assert user.is_active
    assert not _disable_events().exists()


def test_wrong_password_disables_nothing(db: None, client: Client) -> None:
    user = _user("stale", last_login_ago=LIMIT * 2, joined_ago=LIMIT * 3)
    client.post("/login/", {"username": "stale", "password": "wrong password"})
    user.refresh_from_db()
    assert user.is_active


def test_command_disables_only_stale(db: None) -> None:
    stale = _user("stale", last_login_ago=LIMIT * 2, joined_ago=LIMIT * 3)
    never = _user("never", last_login_ago=None, joined_ago=LIMIT + timedelta(days=2))
    _user("fresh", last_login_ago=timedelta(days=1), joined_ago=LIMIT * 3)
    _user("new", last_login_ago=None, joined_ago=timedelta(days=2))
    out = StringIO()
    call_command("disable_inactive_accounts", stdout=out)
    active = dict(get_user_model().objects.values_list("username", "is_active"))
    assert active == {"stale": False, "never": False, "fresh": True, "new": True}
    audited = list(_disable_events().order_by("seq").values_list("object_ids", flat=True))
    assert audited == [[str(stale.pk)], [str(never.pk)]]
    assert f"2 accounts disabled (no sign-in for more than {LIMIT.days} days)" in out.getvalue()


def test_command_dry_run_changes_nothing(db: None) -> None:
    stale = _user("stale", last_login_ago=LIMIT * 2, joined_ago=LIMIT * 3)
    out = StringIO()
    call_command("disable_inactive_accounts", "--dry-run", stdout=out)
    stale.refresh_from_db()
    assert stale.is_active
    assert not _disable_events().exists()
    assert "1 account would be disabled" in out.getvalue()
    assert f"user ids {stale.pk}" in out.getvalue()


@pytest.mark.parametrize("days", [1, 400])
def test_limit_follows_setting(db: None, settings: Any, days: int) -> None:
    settings.IMMIGRATIONOS_ACCOUNT_INACTIVE_DAYS = days
    _user("two-days", last_login_ago=timedelta(days=2), joined_ago=timedelta(days=500))
    call_command("disable_inactive_accounts", stdout=StringIO())
    disabled = not get_user_model().objects.get(username="two-days").is_active
    assert disabled == (days == 1)
