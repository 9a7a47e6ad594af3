"""Amendment requests: tracking number, acknowledgement date, decision, notices."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from audit.audit_helpers import access_request
from immigrationos.audit.models import AuditEvent
from immigrationos.privacy.errors import AmendmentError
from immigrationos.privacy.models import AmendmentNotice, AmendmentRequest, DisclosureKind
from immigrationos.privacy.services import (
    amendment_request_decide,
    amendment_request_file,
    disclosure_record,
)
from privacy.privacy_helpers import person_with_records

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _person_p1(db: None) -> None:
    # Amendment requests must name a person in the operational store.
    person_with_records("P1", {})


def _file(person_id: str = "P1", records: tuple[str, ...] = ("visas:V1",)) -> AmendmentRequest:
    return amendment_request_file(
        person_id=person_id,
        record_uids=list(records),
        requested_change="Date of birth should be 1990-03-04, not 1990-04-03.",
        received_on=date(2026, 12, 18),
        request=access_request(role="officer"),
    )


def _disclose(recipient: str, records: list[str]) -> None:
    disclosure_record(
        recipient=recipient,
        purpose="benefit check",
        person_ids=["P1"],
        record_ids=records,
        kind=DisclosureKind.EXPORT,
        request=None,
    )


def test_filing_unknown_person_rejected() -> None:
    with pytest.raises(AmendmentError, match="no person with id 'P404'"):
        _file(person_id="P404")


def test_filing_gives_tracking_number_and_due_date() -> None:
    amendment = _file()

    assert re.fullmatch(r"AMD-\d{4}-\d{6}", amendment.tracking_number)
    # Friday 18 December 2026 + 10 working days, skipping Christmas and New Year's Day.
    assert amendment.acknowledge_by == date(2027, 1, 5)
    assert amendment.status == "open"


def test_filing_audit_keeps_no_free_text() -> None:
    amendment = _file()

    event = AuditEvent.objects.get(action="amendment_file")
    assert event.details["tracking_number"] == amendment.tracking_number
    assert "1990" not in repr(event.details)


def test_grant_sends_notice_to_each_earlier_recipient() -> None:
    _disclose("State Department", ["visas:V1", "arrivals:A1"])
    _disclose("DOL", ["arrivals:A1"])
    _disclose("FBI", ["visas:V1"])
    amendment = _file()

    decided = amendment_request_decide(
        tracking_number=amendment.tracking_number,
        status="granted",
        reasons="The passport copy shows 1990-03-04.",
        corrected_record_uids=["visas:V1"],
        request=access_request(role="privacy_officer", offices=()),
    )

    notices = AmendmentNotice.objects.filter(amendment=decided).order_by("recipient")
    assert [notice.recipient for notice in notices] == ["FBI", "State Department"]
    assert [notice.record_uids for notice in notices] == [["visas:V1"], ["visas:V1"]]
    assert all(notice.sent_at is not None for notice in notices)
    event = AuditEvent.objects.get(action="amendment_decide")
    assert sorted(item["recipient"] for item in event.details["notices"]) == [
        "FBI",
        "State Department",
    ]


def test_unlisted_records_disclosure_gets_notice() -> None:
    # A disclosure of person P1 that named no records may have included the corrected one.
    disclosure_record(
        recipient="Court",
        purpose="hearing",
        person_ids=["P1"],
        record_ids=[],
        kind=DisclosureKind.OTHER,
        request=None,
    )
    disclosure_record(
        recipient="Other person's court",
        purpose="hearing",
        person_ids=["P2"],
        record_ids=[],
        kind=DisclosureKind.OTHER,
        request=None,
    )
    amendment = _file()

    amendment_request_decide(
        tracking_number=amendment.tracking_number,
        status="partly_granted",
        reasons="Date of birth corrected; name kept.",
        corrected_record_uids=["visas:V1"],
        request=None,
    )

    notice = AmendmentNotice.objects.get()
    assert notice.recipient == "Court"
    assert notice.record_uids == ["visas:V1"]


def test_later_recipient_gets_no_notice() -> None:
    amendment = _file()
    amendment_request_decide(
        tracking_number=amendment.tracking_number,
        status="granted",
        reasons="Corrected.",
        corrected_record_uids=["visas:V1"],
        request=None,
    )
    _disclose("After the fact", ["visas:V1"])

    assert AmendmentNotice.objects.count() == 0


def test_denial_sends_no_notice() -> None:
    _disclose("State Department", ["visas:V1"])
    amendment = _file()

    decided = amendment_request_decide(
        tracking_number=amendment.tracking_number,
        status="denied",
        reasons="The record matches the source document.",
        corrected_record_uids=[],
        request=None,
    )

    assert decided.status == "denied"
    assert AmendmentNotice.objects.count() == 0


@pytest.mark.parametrize(
    ("status", "reasons", "corrected", "message"),
    [
        ("granted", "", ["visas:V1"], "needs its reasons"),
        ("denied", "No.", ["visas:V1"], "a denial corrects no records"),
        ("granted", "Yes.", [], "must name the corrected record ids"),
        ("open", "Yes.", [], "invalid decision"),
    ],
)
def test_invalid_decision_rejected(
    status: str, reasons: str, corrected: list[str], message: str
) -> None:
    amendment = _file()

    with pytest.raises(AmendmentError, match=message):
        amendment_request_decide(
            tracking_number=amendment.tracking_number,
            status=status,
            reasons=reasons,
            corrected_record_uids=corrected,
            request=None,
        )

    amendment.refresh_from_db()
    assert amendment.status == "open"


def test_second_decision_rejected() -> None:
    amendment = _file()
    amendment_request_decide(
        tracking_number=amendment.tracking_number,
        status="denied",
        reasons="No.",
        corrected_record_uids=[],
        request=None,
    )

    with pytest.raises(AmendmentError, match="already decided"):
        amendment_request_decide(
            tracking_number=amendment.tracking_number,
            status="granted",
            reasons="Yes.",
            corrected_record_uids=["visas:V1"],
            request=None,
        )


def test_staff_file_and_privacy_officer_decides(role_client: Any) -> None:
    _disclose("State Department", ["visas:V1"])
    officer = role_client("officer")
    privacy_officer = role_client("privacy_officer", office=None, purpose="audit")

    filed = officer.post(
        "/privacy/amendments/new/",
        {
            "person_id": "P1",
            "record_uids": "visas:V1",
            "requested_change": "Wrong date of birth.",
            "received_on": "2026-12-01",
        },
    )
    amendment = AmendmentRequest.objects.get()
    denied_to_officer = officer.get(f"/privacy/amendments/{amendment.tracking_number}/")
    listed = privacy_officer.get("/privacy/amendments/")
    decided = privacy_officer.post(
        f"/privacy/amendments/{amendment.tracking_number}/",
        {"status": "granted", "reasons": "Source shows it.", "corrected_record_uids": "visas:V1"},
    )
    detail_page = privacy_officer.get(f"/privacy/amendments/{amendment.tracking_number}/")

    assert filed.status_code == 200
    assert amendment.tracking_number.encode() in filed.content
    assert denied_to_officer.status_code == 403
    assert amendment.tracking_number.encode() in listed.content
    assert decided.status_code == 302
    assert b"State Department" in detail_page.content
    amendment.refresh_from_db()
    assert amendment.status == "granted"


def test_filing_page_rejects_future_date(role_client: Any) -> None:
    response = role_client("analyst").post(
        "/privacy/amendments/new/",
        {"person_id": "P1", "requested_change": "x", "received_on": "2999-01-01"},
    )

    assert response.status_code == 200
    assert b"in the future" in response.content
    assert AmendmentRequest.objects.count() == 0


def test_filing_for_other_office_person_denied(role_client: Any) -> None:
    from django.utils import timezone

    from immigrationos.cases.models import Case, Office

    person_with_records("P9", {"visas:V9": ("visas", date(2020, 1, 1))})
    office = Office.objects.create(code="LAX", name="Los Angeles")
    now = timezone.now()
    Case.objects.create(person_id="P9", office=office, opened_at=now, updated_at=now)

    response = role_client("officer").post(
        "/privacy/amendments/new/",
        {"person_id": "P9", "requested_change": "Wrong name.", "received_on": "2026-12-01"},
    )

    assert response.status_code == 200
    assert b"No person" in response.content
    assert AmendmentRequest.objects.count() == 0
    denial = AuditEvent.objects.filter(action="amendment_file", outcome="denied").get()
    assert denial.object_ids == ["P9"]
