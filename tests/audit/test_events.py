"""What each audit event stores, the signals that write them, and failing closed."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import DatabaseError

from audit.audit_helpers import access_request
from immigrationos.audit import chain
from immigrationos.audit.errors import AuditWriteError
from immigrationos.audit.models import AuditEvent, Outcome
from immigrationos.audit.services import audit_record, audited_change, audited_read
from immigrationos.cases.models import Office

pytestmark = pytest.mark.django_db


def audit_writes_break(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every audit write fail as a full disk or a revoked INSERT would."""

    def fail(fields: Any) -> AuditEvent:
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(chain, "chain_append", fail)
    monkeypatch.setattr("immigrationos.audit.services.chain_append", fail)


@pytest.fixture
def broken_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    audit_writes_break(monkeypatch)


def test_event_records_access_context() -> None:
    user = get_user_model().objects.create_user(username="officer7", password="pw-x-12345")
    request = access_request(
        user=user,
        role="officer",
        offices=("NYC", "BOS"),
        purpose="case_work",
        break_glass_id="BG-42",
        address="2001:db8::1",
    )

    event = audit_record(
        request=request, action="person_view", object_type="person", object_ids=["P1"]
    )

    event.refresh_from_db()
    assert event.username == "officer7"
    assert event.user_id == user.pk
    assert event.role == "officer"
    assert event.office == "BOS,NYC"
    assert event.purpose == "case_work"
    assert event.break_glass_id == "BG-42"
    assert event.client_address == "2001:db8::1"
    assert event.request_id == "req-test-0001"
    assert event.object_ids == ["P1"]
    assert event.outcome == Outcome.OK
    assert event.at.utcoffset() is not None
    assert event.at.utcoffset().total_seconds() == 0


def test_explicit_purpose_overrides_access() -> None:
    event = audit_record(request=access_request(), action="disclosure", purpose="visa check")

    assert event.purpose == "visa check"


def test_event_without_request_has_empty_context() -> None:
    event = audit_record(request=None, action="retention_purge")

    assert event.username == ""
    assert event.role == ""
    assert event.client_address is None
    assert event.purpose is None


def test_failed_sign_in_stores_no_password(client: Any) -> None:
    get_user_model().objects.create_user(username="analyst2", password="correct-horse-9")

    client.post("/login/", {"username": "analyst2", "password": "Secret-Guess-77"})

    event = AuditEvent.objects.get(action="sign_in")
    assert event.outcome == Outcome.FAILED
    assert event.username == "analyst2"
    stored = repr(
        [getattr(event, field.name) for field in AuditEvent._meta.get_fields() if field.concrete]
    )
    assert "Secret-Guess-77" not in stored


def test_role_change_audited_both_ways() -> None:
    user = get_user_model().objects.create_user(username="u-roles", password="pw-x-12345")
    auditor = Group.objects.create(name="auditor")

    user.groups.add(auditor)
    auditor.user_set.remove(user)

    events = list(AuditEvent.objects.filter(action="role_change").order_by("seq"))
    assert [event.details["change"] for event in events] == ["add", "remove"]
    assert [event.details["roles"] for event in events] == [["auditor"], ["auditor"]]
    assert [event.object_ids for event in events] == [[str(user.pk)], [str(user.pk)]]


def test_role_clear_names_removed_roles() -> None:
    user = get_user_model().objects.create_user(username="u-clear", password="pw-x-12345")
    user.groups.add(Group.objects.create(name="officer"), Group.objects.create(name="analyst"))

    user.groups.clear()

    event = AuditEvent.objects.filter(action="role_change").order_by("-seq").first()
    assert event is not None
    assert event.details == {"change": "clear", "roles": ["analyst", "officer"]}


def test_audited_read_returns_nothing_when_audit_fails(broken_audit: None) -> None:
    with pytest.raises(AuditWriteError, match="person_view"):
        audited_read(
            request=access_request(),
            action="person_view",
            object_type="person",
            object_id="P1",
            read=lambda: {"name": "secret"},
        )


def test_audited_change_rolled_back_when_audit_fails(broken_audit: None) -> None:
    def change() -> Office:
        return Office.objects.create(code="ZZZ", name="Test office")

    with pytest.raises(AuditWriteError):
        audited_change(
            request=access_request(),
            action="office_create",
            object_type="office",
            object_ids=["ZZZ"],
            change=change,
        )

    assert not Office.objects.filter(code="ZZZ").exists()


def test_audited_change_kept_with_its_event() -> None:
    audited_change(
        request=access_request(),
        action="office_create",
        object_type="office",
        object_ids=["ZZY"],
        change=lambda: Office.objects.create(code="ZZY", name="Test office"),
    )

    assert Office.objects.filter(code="ZZY").exists()
    assert AuditEvent.objects.get(action="office_create").object_ids == ["ZZY"]


def test_person_page_fails_closed(
    loaded: Any, role_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = role_client("officer")
    audit_writes_break(monkeypatch)

    response = client.get("/persons/P1/")

    assert response.status_code == 503
    assert b"audit log is unavailable" in response.content
    assert b"P1" not in response.content


def test_person_page_view_audited(loaded: Any, role_client: Any) -> None:
    client = role_client("officer", username="officer-view")

    response = client.get("/persons/P1/")

    assert response.status_code == 200
    event = AuditEvent.objects.filter(action="person_view").get()
    assert event.username == "officer-view"
    assert event.role == "officer"
    assert event.office == "NYC"
    assert event.purpose == "case_work"
    assert event.object_ids == ["P1"]
    assert event.request_id == response["X-Request-ID"]


@pytest.mark.parametrize(
    "details",
    [{"password": "x"}, {"outer": {"Token": "abc"}}, {"items": [{"api_key": "k"}]}],
)
def test_secret_detail_keys_rejected(details: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="would store a secret"):
        audit_record(request=None, action="sign_in", details=details)

    assert not AuditEvent.objects.exists()
