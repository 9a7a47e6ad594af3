"""Sign-in lockout by django-axes: per username and client address, audited, reversible."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import F
from django.test import Client

from immigrationos.audit.models import AuditEvent, Outcome

PASSWORD = "correct horse battery"
LOCKED = 429


@pytest.fixture
def user(db: None) -> Any:
    return get_user_model().objects.create_user(username="clerk", password=PASSWORD)


def _sign_in(client: Client, password: str, address: str = "10.0.0.5") -> Any:
    return client.post("/login/", {"username": "clerk", "password": password}, REMOTE_ADDR=address)


def _fail_until_locked(client: Client) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "wrong password")


def test_failures_below_limit_allow_sign_in(user: Any, client: Client) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, "wrong password").status_code == 200
    response = _sign_in(client, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == settings.LOGIN_REDIRECT_URL


def test_lockout_rejects_correct_password(user: Any, client: Client) -> None:
    _fail_until_locked(client)
    response = _sign_in(client, PASSWORD)
    assert response.status_code == LOCKED
    assert b"Sign-in locked" in response.content
    assert "_auth_user_id" not in client.session


def test_lockout_page_has_no_username(user: Any, client: Client) -> None:
    _fail_until_locked(client)
    response = _sign_in(client, PASSWORD)
    assert b"clerk" not in response.content.split(b"<main")[1]


def test_lockout_is_per_client_address(user: Any, client: Client) -> None:
    _fail_until_locked(client)
    elsewhere = _sign_in(Client(), PASSWORD, address="10.0.0.99")
    assert elsewhere.status_code == 302


def test_failed_sign_ins_still_audited(user: Any, client: Client) -> None:
    attempts = settings.AXES_FAILURE_LIMIT + 2
    for _ in range(attempts):
        _sign_in(client, "wrong password")
    failed = AuditEvent.objects.filter(action="sign_in", outcome=Outcome.FAILED)
    assert failed.count() == attempts
    assert set(failed.values_list("username", flat=True)) == {"clerk"}
    assert set(failed.values_list("client_address", flat=True)) == {"10.0.0.5"}


def test_lockout_audited_as_denied(user: Any, client: Client) -> None:
    _fail_until_locked(client)
    _sign_in(client, PASSWORD)
    locked = AuditEvent.objects.filter(action="sign_in_locked").order_by("seq")
    assert [event.outcome for event in locked] == [Outcome.DENIED, Outcome.DENIED]
    assert set(locked.values_list("username", flat=True)) == {"clerk"}
    assert locked[0].details == {"failures": settings.AXES_FAILURE_LIMIT}


def test_cool_off_unlocks(user: Any, client: Client) -> None:
    _fail_until_locked(client)
    assert _sign_in(client, PASSWORD).status_code == LOCKED
    # Age the recorded failures past the cool-off instead of waiting for the clock.
    passed = settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - passed)
    assert _sign_in(client, PASSWORD).status_code == 302


def test_reset_command_unlocks(user: Any, client: Client) -> None:
    _fail_until_locked(client)
    assert _sign_in(client, PASSWORD).status_code == LOCKED
    call_command("axes_reset_username", "clerk", verbosity=0)
    assert _sign_in(client, PASSWORD).status_code == 302


def test_success_resets_failure_count(user: Any, client: Client) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, "wrong password")
    assert _sign_in(client, PASSWORD).status_code == 302
    other = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(other, "wrong password")
    assert _sign_in(other, PASSWORD).status_code == 302
