"""The auditor's page: search, paging, its own audit event, chain status and access."""

from __future__ import annotations

from typing import Any

import pytest

from audit.audit_helpers import events_write, tamper
from immigrationos.audit.models import AuditEvent
from immigrationos.audit.selectors import PAGE_SIZE
from immigrationos.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_page_open_to_auditor_only(role_client: Any) -> None:
    assert role_client("auditor", office=None, purpose="audit").get("/audit/").status_code == 200
    assert role_client("officer").get("/audit/").status_code == 403
    assert role_client("privacy_officer", office=None).get("/audit/").status_code == 403


def test_viewing_page_is_audited(role_client: Any) -> None:
    client = role_client("auditor", office=None, purpose="audit", username="aud1")

    client.get("/audit/?action=person_view")

    event = AuditEvent.objects.get(action="audit_log_view")
    assert event.username == "aud1"
    assert event.role == "auditor"
    assert event.details["filters"] == {"action": "person_view"}


def test_search_by_person_matches_exact_id(role_client: Any) -> None:
    audit_record(request=None, action="person_view", object_type="person", object_ids=["P1"])
    audit_record(request=None, action="person_view", object_type="person", object_ids=["P10"])
    audit_record(request=None, action="case_view", object_type="case", object_ids=["1"])
    client = role_client("auditor", office=None, purpose="audit")

    response = client.get("/audit/?person=P1")

    events = list(response.context["page"])
    assert [event.object_ids for event in events] == [["P1"]]


def test_search_by_case_user_and_action(role_client: Any) -> None:
    audit_record(request=None, action="case_view", object_type="case", object_ids=["7"])
    audit_record(request=None, action="case_view", object_type="case", object_ids=["17"])
    audit_record(request=None, action="sign_in", username="someone")
    client = role_client("auditor", office=None, purpose="audit")

    by_case = list(client.get("/audit/?case=7").context["page"])
    by_user = list(client.get("/audit/?username=someone").context["page"])
    by_action = list(client.get("/audit/?action=case_view").context["page"])

    assert [event.object_ids for event in by_case] == [["7"]]
    assert [event.action for event in by_user] == ["sign_in"]
    assert len(by_action) == 2


def test_search_by_time_range(role_client: Any) -> None:
    events_write(2)
    client = role_client("auditor", office=None, purpose="audit")

    past = client.get("/audit/?start=2000-01-01&end=2000-12-31")
    today = client.get("/audit/?action=test_event&start=2000-01-01")

    assert past.context["page"].paginator.count == 0
    assert today.context["page"].paginator.count == 2


def test_reversed_range_shows_error(role_client: Any) -> None:
    client = role_client("auditor", office=None, purpose="audit")

    response = client.get("/audit/?start=2026-02-01&end=2026-01-01")

    assert b"swap the dates" in response.content
    assert response.context["page"] is None
    assert b"Correct the search to see events." in response.content


def test_page_is_paged(role_client: Any) -> None:
    events_write(PAGE_SIZE + 5)
    client = role_client("auditor", office=None, purpose="audit")

    first = client.get("/audit/?action=test_event")
    second = client.get("/audit/?action=test_event&page=2")

    assert len(first.context["page"]) == PAGE_SIZE
    assert len(second.context["page"]) == 5
    assert b'rel="next"' in first.content


def test_page_shows_chain_status(role_client: Any) -> None:
    events_write(3)
    client = role_client("auditor", office=None, purpose="audit")

    whole = client.get("/audit/")
    tamper("UPDATE audit_auditevent SET username = 'mallory' WHERE seq = 2")
    broken = client.get("/audit/")

    assert whole.context["chain"].ok
    assert b"Whole:" in whole.content
    assert not broken.context["chain"].ok
    assert b"Broken at event #2" in broken.content


def test_nav_links_by_role(role_client: Any) -> None:
    auditor_page = role_client("auditor", office=None, purpose="audit").get("/audit/")
    officer_page = role_client("officer").get("/cases/")

    assert b'href="/audit/"' in auditor_page.content
    assert b'href="/audit/"' not in officer_page.content
    assert b'href="/privacy/amendments/new/"' in officer_page.content
