"""Amendment requests name only records of the person they concern."""

from __future__ import annotations

from datetime import date
from typing import Any

from access.conftest import Offices
from immigrationos.audit.models import AuditEvent
from immigrationos.privacy.models import AmendmentRequest


def test_amendment_foreign_record_rejected(role_client: Any, offices: Offices) -> None:
    from immigrationos.cases.models import SourceRecord

    SourceRecord.objects.create(
        record_uid="visas:VL",
        person_id=offices.los_person,
        source="visas",
        record_id="VL",
        given_name="Luis",
        family_name="Testperson",
        dob=date(1975, 6, 26),
    )

    # PF has no case, so it is in the NYC officer's scope; visas:VL belongs to the LOS person.
    response = role_client("officer").post(
        "/privacy/amendments/new/",
        {
            "person_id": offices.free_person,
            "record_uids": "visas:VL",
            "requested_change": "Wrong date of birth on this record.",
            "received_on": "2026-12-01",
        },
    )

    assert response.status_code == 200
    assert AmendmentRequest.objects.count() == 0
    assert "visas:VL" in response.content.decode()
    denial = AuditEvent.objects.get(action="amendment_file", outcome="denied")
    assert denial.object_ids == [offices.free_person]


def test_amendment_own_record_accepted(role_client: Any, offices: Offices) -> None:
    response = role_client("officer").post(
        "/privacy/amendments/new/",
        {
            "person_id": offices.nyc_person,
            "record_uids": "benefits:B1",
            "requested_change": "Wrong address on this record.",
            "received_on": "2026-12-01",
        },
    )

    assert response.status_code == 200
    assert AmendmentRequest.objects.get().record_uids == ["benefits:B1"]
