"""Idle and absolute session limits, and password rules."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from immigrationos.web import middleware

IDLE = timedelta(seconds=settings.SESSION_COOKIE_AGE)


@pytest.fixture
def signed_in(role_client: Any) -> Client:
    client: Client = role_client("supervisor")
    return client


def _clock(monkeypatch: pytest.MonkeyPatch, at: datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: at)


def _signed_out(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith(settings.LOGIN_URL)


def test_idle_session_ends(signed_in: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    start = timezone.now()
    assert not _signed_out(signed_in.get("/"))
    _clock(monkeypatch, start + IDLE + timedelta(minutes=1))
    assert _signed_out(signed_in.get("/"))


def test_activity_keeps_session(signed_in: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    start = timezone.now()
    step = IDLE - timedelta(minutes=1)
    for n in range(1, 4):
        _clock(monkeypatch, start + step * n)
        assert not _signed_out(signed_in.get("/")), f"signed out after {n} steps"


def test_session_ends_at_max_age(signed_in: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not _signed_out(signed_in.get("/"))
    later = time.time() + settings.IMMIGRATIONOS_SESSION_MAX_SECONDS + 60
    monkeypatch.setattr(middleware.time, "time", lambda: later)
    assert _signed_out(signed_in.get("/"))


def test_sign_in_starts_max_age_clock(db: None, client: Client) -> None:
    get_user_model().objects.create_user(username="clerk", password="correct horse battery")
    before = time.time()
    client.post("/login/", {"username": "clerk", "password": "correct horse battery"})
    assert client.session[middleware.SIGNED_IN_AT_KEY] >= before


def test_session_cookie_flags(db: None, client: Client) -> None:
    get_user_model().objects.create_user(username="clerk", password="correct horse battery")
    response = client.post("/login/", {"username": "clerk", "password": "correct horse battery"})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    # No Max-Age: the cookie ends with the browser, the server-side session when idle.
    assert not cookie["max-age"]


@pytest.mark.parametrize("password", ["short-pw-11", "Tr0ub4dor&3"])
def test_password_under_12_rejected(db: None, password: str) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_password(password)
    assert "at least 12 characters" in str(raised.value)


def test_password_of_12_accepted(db: None) -> None:
    validate_password("plover-quartz-7")


def test_sign_in_rotates_session_key(db: None, client: Client) -> None:
    get_user_model().objects.create_user(username="clerk", password="correct horse battery")
    session = client.session
    session["before"] = "sign-in"
    session.save()
    before = session.session_key
    client.post("/login/", {"username": "clerk", "password": "correct horse battery"})
    assert client.session.session_key != before
    assert "_auth_user_id" in client.session
