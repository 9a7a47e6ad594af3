"""Accounting of disclosures: what is recorded, the per-person page and its access."""

from __future__ import annotations

from typing import Any

import pytest

from audit.audit_helpers import access_request
from immigrationos.audit.models import AuditEvent
from immigrationos.privacy.errors import PrivacyError
from immigrationos.privacy.models import Disclosure, DisclosureKind
from immigrationos.privacy.services import disclosure_list_for_person, disclosure_record

pytestmark = pytest.mark.django_db


def _disclose(
    recipient: str = "State Department", persons: tuple[str, ...] = ("P1",)
) -> Disclosure:
    return disclosure_record(
        recipient=recipient,
        purpose="visa eligibility check",
        person_ids=list(persons),
        record_ids=[f"visas:{person}" for person in persons],
        kind=DisclosureKind.PARTNER_API,
        request=access_request(role="partner", offices=(), purpose="partner_lookup"),
    )


def test_disclosure_records_date_recipient_purpose_records() -> None:
    disclosure = _disclose(persons=("P1", "P2"))

    disclosure.refresh_from_db()
    assert disclosure.recipient == "State Department"
    assert disclosure.purpose == "visa eligibility check"
    assert disclosure.kind == "partner_api"
    assert disclosure.disclosed_at is not None
    assert sorted(disclosure.persons.values_list("person_id", flat=True)) == ["P1", "P2"]
    assert sorted(disclosure.records.values_list("record_uid", flat=True)) == [
        "visas:P1",
        "visas:P2",
    ]


def test_disclosure_is_audited_with_purpose() -> None:
    disclosure = _disclose()

    event = AuditEvent.objects.get(action="disclosure")
    assert event.seq == disclosure.audit_seq
    assert event.purpose == "visa eligibility check"
    assert event.object_ids == ["P1"]
    assert event.details["recipient"] == "State Department"
    assert event.role == "partner"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "gossip"}, "invalid disclosure kind"),
        ({"recipient": "  "}, "needs a recipient and a purpose"),
        ({"person_ids": [], "record_ids": []}, "at least one"),
    ],
)
def test_invalid_disclosure_rejected(changes: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {
        "recipient": "DOJ",
        "purpose": "litigation",
        "person_ids": ["P1"],
        "record_ids": ["visas:1"],
        "kind": DisclosureKind.EXPORT,
        "request": None,
    }
    arguments.update(changes)

    with pytest.raises(PrivacyError, match=message):
        disclosure_record(**arguments)

    assert Disclosure.objects.count() == 0


def test_list_for_person_only_their_disclosures() -> None:
    _disclose("State Department", ("P1",))
    _disclose("FBI", ("P1", "P2"))
    _disclose("DOL", ("P2",))

    recipients = [row.recipient for row in disclosure_list_for_person(person_id="P1")]

    assert recipients == ["FBI", "State Department"]


def test_page_lists_disclosures_for_privacy_officer(role_client: Any) -> None:
    _disclose("State Department", ("P1",))
    client = role_client("privacy_officer", office=None, purpose="audit")

    response = client.get("/privacy/disclosures/?person=P1")

    assert response.status_code == 200
    assert b"State Department" in response.content
    assert b"visas:P1" in response.content
    view = AuditEvent.objects.get(action="disclosure_accounting_view")
    assert view.object_ids == ["P1"]


def test_page_denied_to_staff(role_client: Any) -> None:
    response = role_client("officer").get("/privacy/disclosures/?person=P1")

    assert response.status_code == 403
