"""Audit of partner API credentials: issuing a token and signing in with a bad one."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client

from access.conftest import Offices
from immigrationos.access.roles import user_role_assign
from immigrationos.access.tokens import api_token_create
from immigrationos.audit.models import AuditEvent


def _partner() -> Any:
    user = get_user_model().objects.create_user(username="agency", password="pw-tests-1")
    user_role_assign(user=user, role="partner", office_code=None)
    return user


def test_token_create_audited(db: None) -> None:
    user = _partner()

    token = api_token_create(user=user, partner="Partner agency", valid_days=30)

    event = AuditEvent.objects.get(action="api_token_create")
    assert event.object_type == "api_token"
    assert event.details["user_id"] == user.pk
    assert event.details["partner"] == "Partner agency"
    assert token not in str(event.details)


def test_bad_token_audited(offices: Offices) -> None:
    token = api_token_create(user=_partner(), partner="Partner agency")
    bad = token[:-2] + ("aa" if not token.endswith("aa") else "bb")
    client = Client(headers={"Authorization": f"Bearer {bad}", "X-Purpose": "partner_lookup"})

    response = client.get(f"/api/v1/persons/{offices.free_person}")

    assert response.status_code == 401
    failed = AuditEvent.objects.filter(action="api_sign_in", outcome="failed")
    assert failed.count() == 1
    assert bad not in str(failed.get().details)
    assert token[:12] not in str(failed.get().details)
