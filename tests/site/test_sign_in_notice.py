"""The system use notice on the sign-in page (NIST SP 800-53 AC-8)."""

from __future__ import annotations

from typing import Any

from django.test import Client


def test_sign_in_page_shows_notice(db: None, client: Client) -> None:
    page = client.get("/login/").content.decode()
    assert "System use notice" in page
    assert "monitored, recorded and audited" in page


def test_sign_in_notice_from_settings(db: None, client: Client, settings: Any) -> None:
    settings.IMMIGRATIONOS_SIGN_IN_NOTICE = "Agency wording approved by counsel."
    page = client.get("/login/").content.decode()
    assert "Agency wording approved by counsel." in page
    assert "monitored, recorded and audited" not in page
