"""Pages: sign-in, dashboard, search, person and case pages, and their audit events."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from immigrationos.access.tokens import api_token_check
from immigrationos.audit.models import AuditEvent
from immigrationos.cases.models import Case, OfficeMembership
from immigrationos.web.accounts import ROLES, demo_accounts_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/search/?q=Renee",
        "/persons/P1/",
        "/review/",
        "/cases/",
        "/cases/1/",
        "/api/v1/persons/P1",
    ],
)
def test_pages_require_sign_in(client: Any, loaded: Any, path: str) -> None:
    response = client.get(path)
    if path.startswith("/api/"):
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


def test_healthz_open_without_data(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_login_page_renders_with_csrf(client: Any) -> None:
    response = client.get("/login/")
    assert response.status_code == 200
    assert b'name="csrfmiddlewaretoken"' in response.content
    assert response["X-Frame-Options"] == "DENY"


def test_sign_in_and_failure_are_audited(client: Any, db: None) -> None:
    get_user_model().objects.create_user(username="analyst1", password="correct-horse-9")
    client.post("/login/", {"username": "analyst1", "password": "wrong"})
    response = client.post("/login/", {"username": "analyst1", "password": "correct-horse-9"})
    assert response.status_code == 302
    outcomes = list(
        AuditEvent.objects.filter(action="sign_in").order_by("id").values_list("outcome", flat=True)
    )
    assert outcomes == ["failed", "ok"]


def test_dashboard_counts(officer_client: Any, loaded: Any) -> None:
    response = officer_client.get("/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert "potential_overstay_unconfirmed" in text
    assert "run-test-1" in text
    assert "link" in text  # a stage timing of the last run
    assert response.context["dashboard"].persons_total == 5
    # The officer works NYC: the LOS case is not counted.
    assert dict(response.context["dashboard"].cases_by_state) == {"lead": 1}
    assert "Cases by state, your office (NYC)" in text


def test_dashboard_counts_every_office_for_analysts(role_client: Any, loaded: Any) -> None:
    response = role_client("analyst", office=None).get("/")
    assert dict(response.context["dashboard"].cases_by_state) == {"lead": 2}
    assert "Cases by state, all offices" in response.content.decode()


def test_search_page_lists_person(officer_client: Any, loaded: Any) -> None:
    response = officer_client.get("/search/", {"q": "Renee Dvorakvoa"})
    assert response.status_code == 200
    assert b"/persons/P1/" in response.content
    assert b"<html" in response.content  # full page without JavaScript


def test_search_htmx_returns_partial(role_client: Any, loaded: Any) -> None:
    # P2's case is in LOS, outside an NYC officer's scope; an analyst sees every office.
    analyst = role_client("analyst", office=None)
    response = analyst.get("/search/", {"q": "Joerg Strauss"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"/persons/P2/" in response.content
    assert b"<html" not in response.content


def test_search_audit_keeps_query_kind_and_count(officer_client: Any, loaded: Any) -> None:
    officer_client.get("/search/", {"q": "Renee Dvorakova"})
    event = AuditEvent.objects.get(action="person_search")
    assert event.details["query"] == "Renee Dvorakova"
    assert event.details["query_kind"] == "name"
    assert event.details["result_count"] == 1
    assert event.object_ids == ["P1"]
    assert event.username == "tester"
    # Only the user's input and counts: nothing copied from the matching records.
    assert set(event.details) <= {"query", "query_kind", "result_count", "hidden_out_of_scope"}


def test_search_invalid_date_shows_error(officer_client: Any, loaded: Any) -> None:
    response = officer_client.get("/search/", {"q": "1979-02-30"})
    assert response.status_code == 200
    assert b"not a valid date" in response.content


def test_person_page_shows_records_status_and_reasons(officer_client: Any, loaded: Any) -> None:
    response = officer_client.get("/persons/P1/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Renée Dvořáková" in text
    for record_uid in ("visas:V-0601", "arrivals:A-0601", "benefits:B-0601"):
        assert record_uid in text
    assert "0.962" in text  # B-0601's match probability
    assert "overstay_no_departure_recorded" in text  # the status rule
    assert "8 CFR 214.1(a)(3)" in text  # its citation
    assert "Unconfirmed." in text  # no departure recorded is not a confirmed overstay
    assert "Possible overstay, departure not recorded" in text  # the priority reason
    assert "departure_not_recorded" in text  # the status flag
    assert "port JFK" in text  # A-0601's source fields on the timeline
    assert f"/cases/{Case.objects.get(person_id='P1').pk}/" in text
    assert AuditEvent.objects.filter(action="person_view", object_ids=["P1"]).count() == 1


def test_person_page_protected_person(officer_client: Any, loaded: Any) -> None:
    text = officer_client.get("/persons/P3/").content.decode()
    assert "Protected: <span" in text
    assert "asylum pending" in text  # the label
    assert "asylum_pending" in text  # and the code beside it
    assert "No cases." in text


def test_person_page_unknown_is_404(officer_client: Any, loaded: Any) -> None:
    assert officer_client.get("/persons/NOPE/").status_code == 404


@pytest.mark.parametrize(
    ("query", "person_ids"),
    [
        ({}, ["P2", "P1"]),  # tier 1 first
        ({"state": "lead"}, ["P2", "P1"]),
        ({"state": "vetting"}, []),
        ({"tier": "2"}, ["P1"]),
        ({"office": "LOS"}, ["P2"]),
        ({"office": "NYC", "tier": "1"}, []),
    ],
)
def test_case_list_filters(
    role_client: Any, loaded: Any, query: dict[str, str], person_ids: list[str]
) -> None:
    response = role_client("analyst", office=None).get("/cases/", query)
    assert response.status_code == 200
    assert [case.person_id for case in response.context["page"]] == person_ids


def test_case_page_shows_history(role_client: Any, loaded: Any) -> None:
    case = Case.objects.get(person_id="P2")
    response = role_client("officer", office="LOS").get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    assert b"opened by pipeline run run-test-1: tier 1" in response.content
    assert AuditEvent.objects.filter(action="case_view").count() == 1


def test_api_person_get(officer_client: Any, loaded: Any) -> None:
    response = officer_client.get("/api/v1/persons/P1", headers={"X-Purpose": "case_work"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"]["status"] == "potential_overstay_unconfirmed"
    assert body["status"]["unconfirmed"] is True
    assert body["records"][0]["record_uid"] == "visas:V-0601"
    missing = officer_client.get("/api/v1/persons/NOPE", headers={"X-Purpose": "case_work"})
    assert missing.status_code == 404


def test_api_openapi_document(officer_client: Any, db: None) -> None:
    response = officer_client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/persons/{person_id}" in response.json()["paths"]


def test_demo_accounts_create_and_reset(db: None) -> None:
    first = demo_accounts_create()
    second = demo_accounts_create()
    assert sorted(first) == sorted(ROLES)
    assert all(first[role] != second[role] for role in ROLES)
    user = get_user_model().objects.get(username="officer")
    assert list(user.groups.values_list("name", flat=True)) == ["officer"]
    assert OfficeMembership.objects.get(user=user).office_id == "NYC"
    assert not OfficeMembership.objects.filter(user__username="analyst").exists()
    supervisor = get_user_model().objects.get(username="supervisor")
    assert supervisor.check_password(second["supervisor"])
    assert not supervisor.check_password(first["supervisor"])
    partner = get_user_model().objects.get(username="partner")
    assert not partner.has_usable_password()
    assert api_token_check(token=first["partner"]) is None  # revoked by the reset
    live = api_token_check(token=second["partner"])
    assert live is not None
    assert live.user == partner
