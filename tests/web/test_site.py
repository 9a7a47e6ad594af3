"""Site settings helpers, management entry point and response headers."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from immigrationos.site import settings as site_settings
from immigrationos.site.setup import manage


def test_secret_key_generated_once_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMMIGRATIONOS_HOME", str(tmp_path))
    monkeypatch.delenv("IMMIGRATIONOS_SECRET_KEY", raising=False)
    first = site_settings._secret_key()
    second = site_settings._secret_key()
    key_file = tmp_path / "secret_key"
    assert first == second
    assert len(first) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_secret_key_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMMIGRATIONOS_HOME", str(tmp_path))
    monkeypatch.setenv("IMMIGRATIONOS_SECRET_KEY", "from-the-environment")
    assert site_settings._secret_key() == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_databases_sqlite_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMMIGRATIONOS_HOME", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    default = site_settings._databases()["default"]
    assert default["ENGINE"] == "django.db.backends.sqlite3"
    assert default["NAME"] == str(tmp_path / "operational.sqlite3")


def test_databases_from_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://agency@127.0.0.1:5433/operational")
    default = site_settings._databases()["default"]
    assert default["ENGINE"] == "django.db.backends.postgresql"
    assert default["NAME"] == "operational"
    assert default["PORT"] == 5433
    assert default["CONN_MAX_AGE"] == 0


def test_manage_check_returns_zero(db: None) -> None:
    assert manage(["check"]) == 0


def test_manage_unknown_command_nonzero(capsys: pytest.CaptureFixture[str]) -> None:
    assert manage(["no-such-command"]) != 0


def test_request_id_kept_or_generated(client: Any) -> None:
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="abcdef123456")
    generated = client.get("/healthz", HTTP_X_REQUEST_ID="bad id!")
    assert kept["X-Request-ID"] == "abcdef123456"
    assert generated["X-Request-ID"] != "bad id!"
    assert len(generated["X-Request-ID"]) == 32


def test_person_page_not_cached(officer_client: Any, loaded: Any) -> None:
    response = officer_client.get("/persons/P1/")
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
