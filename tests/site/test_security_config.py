"""Security settings read from the environment, and the production start-up checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from immigrationos.site.security import (
    DEFAULT_ACCOUNT_INACTIVE_DAYS,
    DEFAULT_SESSION_IDLE_MINUTES,
    security_config_read,
)

PRODUCTION = {
    "IMMIGRATIONOS_ENV": "production",
    "IMMIGRATIONOS_SECRET_KEY": "k" * 30 + "0123456789abcdefghijklmnop",
    "IMMIGRATIONOS_ALLOWED_HOSTS": "ios.agency.example",
    "DATABASE_URL": "postgresql://ios@127.0.0.1:5432/immigrationos",
}
OIDC = {
    "IMMIGRATIONOS_OIDC_ENABLED": "1",
    "IMMIGRATIONOS_OIDC_CLIENT_ID": "immigrationos",
    "IMMIGRATIONOS_OIDC_CLIENT_SECRET": "client-secret-for-tests",
    "IMMIGRATIONOS_OIDC_AUTHORIZATION_ENDPOINT": "https://idp.agency.example/authorize",
    "IMMIGRATIONOS_OIDC_TOKEN_ENDPOINT": "https://idp.agency.example/token",
    "IMMIGRATIONOS_OIDC_USER_ENDPOINT": "https://idp.agency.example/userinfo",
    "IMMIGRATIONOS_OIDC_JWKS_ENDPOINT": "https://idp.agency.example/jwks",
}


def _problems(env: dict[str, str]) -> str:
    with pytest.raises(ImproperlyConfigured) as raised:
        security_config_read(env)
    return str(raised.value)


def test_development_defaults() -> None:
    config = security_config_read({})
    assert not config.production
    assert not config.https
    assert config.session_idle_minutes == DEFAULT_SESSION_IDLE_MINUTES
    assert config.account_inactive_days == DEFAULT_ACCOUNT_INACTIVE_DAYS
    assert config.oidc is None


def test_production_complete_is_accepted() -> None:
    config = security_config_read(PRODUCTION)
    assert config.production
    assert config.https
    assert config.allowed_hosts == ("ios.agency.example",)


def test_production_names_every_missing_setting() -> None:
    message = _problems({"IMMIGRATIONOS_ENV": "production"})
    assert "IMMIGRATIONOS_SECRET_KEY is missing" in message
    assert "IMMIGRATIONOS_ALLOWED_HOSTS is missing" in message
    assert "DATABASE_URL is missing" in message


def test_production_rejects_short_key_and_debug() -> None:
    message = _problems(
        {**PRODUCTION, "IMMIGRATIONOS_SECRET_KEY": "short", "IMMIGRATIONOS_DEBUG": "1"}
    )
    assert "IMMIGRATIONOS_SECRET_KEY is too short" in message
    assert "IMMIGRATIONOS_DEBUG=1 is invalid in production" in message


@pytest.mark.parametrize(
    "name",
    [
        "IMMIGRATIONOS_SESSION_IDLE_MINUTES",
        "IMMIGRATIONOS_SESSION_MAX_HOURS",
        "IMMIGRATIONOS_LOCKOUT_FAILURES",
        "IMMIGRATIONOS_LOCKOUT_COOLOFF_MINUTES",
        "IMMIGRATIONOS_ACCOUNT_INACTIVE_DAYS",
    ],
)
@pytest.mark.parametrize("raw", ["0", "-3", "ten", "1.5"])
def test_numbers_must_be_positive_integers(name: str, raw: str) -> None:
    message = _problems({name: raw})
    assert f"{name}={raw!r} is invalid" in message


def test_invalid_settings_reported_together() -> None:
    message = _problems(
        {
            "IMMIGRATIONOS_ENV": "staging",
            "IMMIGRATIONOS_LOCKOUT_FAILURES": "none",
            "IMMIGRATIONOS_OIDC_ENABLED": "1",
        }
    )
    assert "IMMIGRATIONOS_ENV='staging' is invalid" in message
    assert "IMMIGRATIONOS_LOCKOUT_FAILURES='none' is invalid" in message
    for name in ("CLIENT_ID", "CLIENT_SECRET", "TOKEN_ENDPOINT", "JWKS_ENDPOINT"):
        assert f"IMMIGRATIONOS_OIDC_{name} is missing" in message


def test_oidc_config_read() -> None:
    config = security_config_read({**OIDC, "IMMIGRATIONOS_OIDC_ACR_VALUES": "phr, phrh"})
    assert config.oidc is not None
    assert config.oidc.require_mfa
    assert config.oidc.acr_values == ("phr", "phrh")
    assert config.oidc.sign_algo == "RS256"
    assert not config.oidc.create_users


def test_oidc_http_endpoint_rejected_in_production() -> None:
    env = {**PRODUCTION, **OIDC, "IMMIGRATIONOS_OIDC_TOKEN_ENDPOINT": "http://idp/token"}
    message = _problems(env)
    assert "IMMIGRATIONOS_OIDC_TOKEN_ENDPOINT='http://idp/token' is invalid" in message


def _django(args: list[str], env: dict[str, str], home: Path) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("IMMIGRATION")}
    clean.pop("DATABASE_URL", None)
    # Browser tests set this in the test process; check --deploy rightly rejects it.
    clean.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    clean.update(env)
    clean["IMMIGRATIONOS_HOME"] = str(home)
    clean["DJANGO_SETTINGS_MODULE"] = "immigrationos.site.settings"
    return subprocess.run(
        [sys.executable, "-m", "django", *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# Requests three pages through Django's test client inside a production-configured process.
_PRODUCTION_PROBE = """
import json
import django
django.setup()
from django.test import Client
client = Client()
secure = client.get("/login/", secure=True, headers={"X-Forwarded-Proto": "https"})
plain = client.get("/login/")
health = client.get("/healthz")
print(json.dumps({
    "secure_status": secure.status_code,
    "hsts": secure.get("Strict-Transport-Security"),
    "csrf_cookie_secure": bool(secure.cookies["csrftoken"]["secure"]),
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location"),
    "health_status": health.status_code,
}))
"""


def test_production_enforces_https(tmp_path: Path) -> None:
    env = {
        **PRODUCTION,
        "IMMIGRATIONOS_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'operational.sqlite3'}",
    }
    result = _django(["shell", "-c", _PRODUCTION_PROBE], env, tmp_path)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["secure_status"] == 200
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert seen["csrf_cookie_secure"] is True
    assert seen["plain_status"] == 301
    assert seen["plain_location"] == "https://testserver/login/"
    assert seen["health_status"] == 200


def test_production_start_fails_naming_settings(tmp_path: Path) -> None:
    result = _django(["check"], {"IMMIGRATIONOS_ENV": "production"}, tmp_path)
    assert result.returncode != 0
    assert "IMMIGRATIONOS_SECRET_KEY is missing" in result.stderr
    assert "IMMIGRATIONOS_ALLOWED_HOSTS is missing" in result.stderr
    assert "DATABASE_URL is missing" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_check_deploy_clean_in_production(tmp_path: Path) -> None:
    result = _django(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_clean_with_oidc(tmp_path: Path) -> None:
    env = {**PRODUCTION, **OIDC}
    result = _django(["check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_secrets_kept_out_of_repr() -> None:
    config = security_config_read({**PRODUCTION, **OIDC})
    shown = repr(config)
    assert PRODUCTION["IMMIGRATIONOS_SECRET_KEY"] not in shown
    assert OIDC["IMMIGRATIONOS_OIDC_CLIENT_SECRET"] not in shown
    assert "ios.agency.example" in shown
