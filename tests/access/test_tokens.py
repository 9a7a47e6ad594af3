"""Partner API tokens: stored as digests, expiring and revocable."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from access.conftest import Offices
from immigrationos.access.models import ApiToken
from immigrationos.access.roles import user_role_assign
from immigrationos.access.tokens import api_token_check, api_token_create

HEADERS = {"X-Purpose": "partner_lookup"}


def _partner_token() -> str:
    user = get_user_model().objects.create_user(username="partner-agency")
    user_role_assign(user=user, role="partner", office_code=None)
    return api_token_create(user=user, partner="Partner agency", valid_days=30)


def _get(token: str) -> Any:
    return Client().get(
        "/api/v1/persons/PN", headers={**HEADERS, "Authorization": f"Bearer {token}"}
    )


def test_token_stored_as_digest(offices: Offices) -> None:
    token = _partner_token()
    row = ApiToken.objects.get()
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (row.digest, row.prefix)
    assert token.startswith(row.prefix)
    assert _get(token).status_code == 200
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_expired_token_rejected(offices: Offices) -> None:
    token = _partner_token()
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _get(token).status_code == 401


def test_revoked_token_rejected(offices: Offices) -> None:
    token = _partner_token()
    ApiToken.objects.update(revoked_at=timezone.now())
    assert _get(token).status_code == 401


def test_inactive_user_token_rejected(offices: Offices) -> None:
    token = _partner_token()
    get_user_model().objects.filter(username="partner-agency").update(is_active=False)
    assert api_token_check(token=token) is None
    assert _get(token).status_code == 401


def test_unknown_token_rejected(offices: Offices) -> None:
    _partner_token()
    assert _get("iosk_not-a-real-token").status_code == 401
    assert _get("something-else").status_code == 401


def test_token_validity_checked(db: None) -> None:
    user = get_user_model().objects.create_user(username="p")
    with pytest.raises(ValueError, match="valid_days must be at least 1, got 0"):
        api_token_create(user=user, partner="P", valid_days=0)


def test_partner_token_cannot_open_pages(offices: Offices) -> None:
    token = _partner_token()
    response = Client().get("/persons/PN/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_partner_read_accounted_as_disclosure(offices: Offices) -> None:
    from immigrationos.privacy.models import Disclosure

    token = _partner_token()
    assert _get(token).status_code == 200
    disclosure = Disclosure.objects.get()
    assert disclosure.kind == "partner_api"
    assert disclosure.recipient == "Partner agency"
    assert disclosure.purpose == "partner_lookup"
    assert [row.person_id for row in disclosure.persons.all()] == ["PN"]
    assert disclosure.records.count() > 0


def test_staff_read_not_a_disclosure(role_client: Any, offices: Offices) -> None:
    from immigrationos.privacy.models import Disclosure

    response = role_client("officer").get("/api/v1/persons/PN", headers={"X-Purpose": "case_work"})
    assert response.status_code == 200
    assert not Disclosure.objects.exists()
