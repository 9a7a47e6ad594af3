"""Single sign-on accepts only ID tokens that show multi-factor sign-in.

The identity provider is the outside world here: its token and userinfo endpoints are
replaced by functions that return hand-made responses, and the ID token is signed with HS256
and the client secret, as mozilla-django-oidc accepts.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from mozilla_django_oidc import auth as oidc_auth

from immigrationos.audit.models import AuditEvent, Outcome
from immigrationos.site.oidc import oidc_mfa_problem

CLIENT_SECRET = "client-secret-for-tests-0123456789abcdef"
EMAIL = "officer@agency.example"


@pytest.mark.parametrize(
    ("claims", "acr_values", "passes"),
    [
        ({"amr": ["pwd", "mfa"]}, [], True),
        ({"amr": "mfa"}, [], True),
        ({"amr": ["pwd"]}, [], False),
        ({"amr": ["pwd", "otp"]}, [], False),
        ({}, [], False),
        ({"amr": None}, [], False),
        ({"acr": "phrh"}, ["phr", "phrh"], True),
        ({"acr": "pwd"}, ["phr", "phrh"], False),
        ({"acr": "phrh"}, [], False),
        ({"amr": ["pwd"], "acr": ["phrh"]}, ["phrh"], False),
    ],
)
def test_mfa_claim_check(claims: dict[str, Any], acr_values: list[str], passes: bool) -> None:
    problem = oidc_mfa_problem(claims=claims, require_mfa=True, acr_values=acr_values)
    assert (problem is None) == passes


def test_mfa_problem_names_claims() -> None:
    problem = oidc_mfa_problem(claims={"amr": ["pwd"]}, require_mfa=True, acr_values=["phrh"])
    assert problem == (
        "the ID token has amr=['pwd'] and acr=None; expected amr containing 'mfa' "
        "or acr in ['phrh']"
    )


def test_mfa_not_required_passes_anything() -> None:
    assert oidc_mfa_problem(claims={}, require_mfa=False, acr_values=[]) is None


class _Response:
    status_code = 200

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.headers = {"Content-Type": "application/json"}

    def raise_for_status(self) -> None:
        return None

    def json(self) -> dict[str, Any]:
        return self.body


@pytest.fixture
def sso(settings: Any, db: None) -> Any:
    settings.ROOT_URLCONF = "oidc_test_urls"
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "immigrationos.site.oidc.MfaOidcBackend",
    ]
    settings.OIDC_RP_CLIENT_ID = "immigrationos"
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_RP_SIGN_ALGO = "HS256"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://idp.agency.example/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://idp.agency.example/token"
    settings.OIDC_OP_USER_ENDPOINT = "https://idp.agency.example/userinfo"
    settings.OIDC_CREATE_USER = False
    settings.OIDC_USE_PKCE = True
    settings.LOGIN_REDIRECT_URL_FAILURE = "/login/?sso=failed"
    settings.IMMIGRATIONOS_OIDC_REQUIRE_MFA = True
    settings.IMMIGRATIONOS_OIDC_ACR_VALUES = ["phrh"]
    return get_user_model().objects.create_user(username="officer-sso", email=EMAIL)


def _sign_in(
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
    extra: dict[str, Any],
    userinfo_extra: dict[str, Any] | None = None,
) -> Any:
    start = client.get("/oidc/authenticate/")
    assert start.status_code == 302
    query = parse_qs(urlparse(start["Location"]).query)
    state, nonce = query["state"][0], query["nonce"][0]
    now = int(time.time())
    claims = {
        "iss": "https://idp.agency.example",
        "sub": "idp-subject-42",
        "aud": "immigrationos",
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
        **extra,
    }
    id_token = jwt.encode(claims, CLIENT_SECRET, algorithm="HS256")
    token_body = {"id_token": id_token, "access_token": "access-token-for-tests"}
    monkeypatch.setattr(oidc_auth.requests, "post", lambda *a, **k: _Response(token_body))
    userinfo = {"sub": "idp-subject-42", "email": EMAIL, **(userinfo_extra or {})}
    monkeypatch.setattr(oidc_auth.requests, "get", lambda *a, **k: _Response(userinfo))
    return client.get("/oidc/callback/", {"code": "code-for-tests", "state": state})


def test_sign_in_with_mfa_amr(sso: Any, client: Client, monkeypatch: Any) -> None:
    response = _sign_in(client, monkeypatch, {"amr": ["pwd", "mfa"]})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(sso.pk)


def test_sign_in_with_accepted_acr(sso: Any, client: Client, monkeypatch: Any) -> None:
    response = _sign_in(client, monkeypatch, {"amr": ["pwd"], "acr": "phrh"})
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(sso.pk)


def test_sign_in_without_mfa_rejected(sso: Any, client: Client, monkeypatch: Any) -> None:
    response = _sign_in(client, monkeypatch, {"amr": ["pwd"]})
    assert response.status_code == 302
    assert response["Location"] == "/login/?sso=failed"
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="sign_in_oidc")
    assert event.outcome == Outcome.FAILED
    assert event.details == {"reason": "mfa_missing", "sub": "idp-subject-42"}


def test_mfa_in_userinfo_only_rejected(sso: Any, client: Client, monkeypatch: Any) -> None:
    response = _sign_in(client, monkeypatch, {"amr": ["pwd"]}, {"amr": ["mfa"], "acr": "phrh"})
    assert response["Location"] == "/login/?sso=failed"


def test_unknown_user_not_created(sso: Any, client: Client, monkeypatch: Any) -> None:
    sso.delete()
    response = _sign_in(client, monkeypatch, {"amr": ["mfa"]})
    assert response["Location"] == "/login/?sso=failed"
    assert not get_user_model().objects.filter(email=EMAIL).exists()


def test_stale_account_disabled_on_sso(sso: Any, client: Client, monkeypatch: Any) -> None:
    sso.last_login = timezone.now() - timedelta(
        days=settings.IMMIGRATIONOS_ACCOUNT_INACTIVE_DAYS + 1
    )
    sso.save()
    response = _sign_in(client, monkeypatch, {"amr": ["mfa"]})
    sso.refresh_from_db()
    assert response["Location"] == "/login/?sso=failed"
    assert not sso.is_active
    assert AuditEvent.objects.filter(action="account_disable_inactive").count() == 1


def test_failure_page_offers_help(sso: Any, client: Client) -> None:
    response = client.get("/login/?sso=failed")
    assert b"Single sign-on failed" in response.content
