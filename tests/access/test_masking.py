"""Field masking by role on pages, search, the API, and export rows."""

from __future__ import annotations

from typing import Any

import pytest

from access.conftest import Offices
from immigrationos.access.context import AccessContext, masked_fields_for
from immigrationos.access.masking import (
    MASK,
    row_mask,
    search_kind_rejection,
    sort_field_check,
    value_display,
)
from immigrationos.audit.models import AuditEvent

# Values of person PN that an analyst must not see.
PN_SECRETS = ("1981-03-14", "A123456789", "PN1111111", "12 Test Street")


def _access(role: str) -> AccessContext:
    return AccessContext(
        user=None,
        username=role,
        role=role,
        office_codes=frozenset(),
        purpose="case_work",
        masked_fields=masked_fields_for(role),
    )


def test_person_page_masked_for_analyst(role_client: Any, offices: Offices) -> None:
    text = role_client("analyst", office=None).get("/persons/PN/").content.decode()
    for secret in PN_SECRETS:
        assert secret not in text
    assert MASK in text
    assert "Nora Testperson" in text


def test_person_page_full_for_officer(role_client: Any, offices: Offices) -> None:
    text = role_client("officer").get("/persons/PN/").content.decode()
    for secret in PN_SECRETS:
        assert secret in text
    assert MASK not in text


def test_search_results_mask_dob(role_client: Any, offices: Offices) -> None:
    analyst = role_client("analyst", office=None).get("/search/", {"q": "Nora Testperson"})
    officer = role_client("officer").get("/search/", {"q": "Nora Testperson"})
    assert "1981-03-14" not in analyst.content.decode()
    assert MASK in analyst.content.decode()
    assert "1981-03-14" in officer.content.decode()


@pytest.mark.parametrize("query", ["A123456789", "PN1111111", "1981-03-14", "14/03/1981"])
def test_search_by_masked_field_rejected(role_client: Any, offices: Offices, query: str) -> None:
    response = role_client("analyst", office=None).get("/search/", {"q": query})
    text = response.content.decode()
    assert "is not available to the analyst role" in text
    assert "Nora" not in text
    event = AuditEvent.objects.get(action="person_search")
    assert event.outcome == "denied"
    assert event.object_ids == []


def test_search_by_a_number_allowed_for_officer(role_client: Any, offices: Offices) -> None:
    response = role_client("officer").get("/search/", {"q": "A123456789"})
    assert "Nora Testperson" in response.content.decode()


def test_api_masks_dob_for_partner(role_client: Any, offices: Offices) -> None:
    body = role_client("partner").get("/api/v1/persons/PN").json()
    assert body["dob"] is None
    assert "dob" in body["masked_fields"]
    assert "1981-03-14" not in str(body)


def test_api_dob_for_officer(role_client: Any, offices: Offices) -> None:
    body = role_client("officer").get("/api/v1/persons/PN", headers={"X-Purpose": "case_work"})
    assert body.json()["dob"] == "1981-03-14"
    assert body.json()["masked_fields"] == []


def test_export_row_masked() -> None:
    row = {"person_id": "PN", "dob": "1981-03-14", "a_number": "A1", "passport_no": "", "x": 1}
    assert row_mask(access=_access("analyst"), row=row) == {
        "person_id": "PN",
        "dob": MASK,
        "a_number": MASK,
        "passport_no": "",
        "x": 1,
    }
    assert row_mask(access=_access("officer"), row=row) == row


def test_no_context_masks_everything() -> None:
    assert value_display(access=None, field_name="dob", value="1981-03-14") == MASK
    assert row_mask(access=None, row={"a_number": "A1"}) == {"a_number": MASK}


def test_privacy_officer_sees_dob_only() -> None:
    access = _access("privacy_officer")
    assert value_display(access=access, field_name="dob", value="1981-03-14") == "1981-03-14"
    assert value_display(access=access, field_name="a_number", value="A1") == MASK
    assert search_kind_rejection(access=access, kind="dob") is None
    assert search_kind_rejection(access=access, kind="a_number") is not None


def test_sort_by_masked_field_rejected() -> None:
    with pytest.raises(ValueError, match="'dob'"):
        sort_field_check(access=_access("analyst"), field_name="dob")
    sort_field_check(access=_access("officer"), field_name="dob")
    sort_field_check(access=_access("analyst"), field_name="family_name")


def test_masking_follows_settings(settings: Any) -> None:
    settings.IMMIGRATIONOS_MASKED_FIELDS = {"officer": ["dob"]}
    assert masked_fields_for("officer") == frozenset({"dob"})
    assert masked_fields_for("analyst") == frozenset()
