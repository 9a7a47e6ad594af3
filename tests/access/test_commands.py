"""Management commands for partner tokens and office grants."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from access.conftest import Offices
from immigrationos.access.models import OfficeGrant
from immigrationos.access.roles import user_role_assign
from immigrationos.access.tokens import api_token_check
from immigrationos.audit.models import AuditEvent


def _user(username: str, role: str, office: str | None = None) -> Any:
    user = get_user_model().objects.create_user(username=username)
    user_role_assign(user=user, role=role, office_code=office)
    return user


def test_api_token_command_prints_token(db: None) -> None:
    user = _user("agency", "partner")
    out = StringIO()
    call_command("api_token_create", "agency", "--partner", "Agency", "--days", "5", stdout=out)
    found = api_token_check(token=out.getvalue().strip())
    assert found is not None
    assert found.user == user
    assert (found.expires_at - found.created_at).days == 5


def test_api_token_command_rejects_staff(db: None) -> None:
    _user("ana", "analyst")
    with pytest.raises(CommandError, match="only partner and event_source users get API tokens"):
        call_command("api_token_create", "ana", "--partner", "Agency")


def test_office_grant_command(role_client: Any, offices: Offices) -> None:
    client = role_client("officer", username="olga")
    _user("sam", "supervisor", office="NYC")
    assert client.get(f"/cases/{offices.los_case}/").status_code == 404
    out = StringIO()
    call_command(
        "office_grant_create",
        "olga",
        "LOS",
        "--by",
        "sam",
        "--reason",
        "Covering LOS cases this week",
        "--days",
        "2",
        stdout=out,
    )
    assert "olga may see LOS until" in out.getvalue()
    assert client.get(f"/cases/{offices.los_case}/").status_code == 200
    event = AuditEvent.objects.get(action="office_grant_create")
    assert event.username == "sam"
    assert event.details["office"] == "LOS"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["olga", "XXX", "--by", "sam", "--reason", "Covering cases this week"], "unknown office"),
        (["olga", "LOS", "--by", "olga", "--reason", "Covering cases this week"], "themselves"),
        (["olga", "LOS", "--by", "sam", "--reason", "cover"], "at least 15 characters"),
        (["ana", "LOS", "--by", "sam", "--reason", "Covering cases this week"], "not an officer"),
        (
            ["olga", "LOS", "--by", "sam", "--reason", "Covering cases here", "--days", "400"],
            "outside",
        ),
    ],
)
def test_office_grant_command_rejects(offices: Offices, arguments: list[str], message: str) -> None:
    _user("olga", "officer", office="NYC")
    _user("sam", "supervisor", office="NYC")
    _user("ana", "analyst")
    with pytest.raises(CommandError, match=message):
        call_command("office_grant_create", *arguments)
    assert not OfficeGrant.objects.exists()


def test_role_assign_command_creates_user_in_role(db: None) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from immigrationos.access.roles import user_role_get

    call_command("role_assign", "feed-1", "event_source")
    user = get_user_model().objects.get(username="feed-1")
    assert user_role_get(user=user) == "event_source"
    assert not user.has_usable_password()
    with pytest.raises(CommandError, match="needs an office code"):
        call_command("role_assign", "officer-9", "officer")
