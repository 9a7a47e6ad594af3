"""Purpose of use: no purpose, no person data, on pages and the API."""

from __future__ import annotations

from typing import Any

from access.conftest import Offices, url_samples
from access.expectations import EXPECTED, SUPERVISOR
from access.routes import route_url, routes_all
from immigrationos.access.policy import PURPOSE_SESSION_KEY
from immigrationos.audit.models import AuditEvent


def _person_data_urls(offices: Offices) -> list[str]:
    samples = url_samples(offices)
    return [
        route_url(route, samples)
        for route in routes_all()
        if route.key in EXPECTED
        and EXPECTED[route.key].person_data
        and SUPERVISOR in EXPECTED[route.key].roles
        and not route.view_name.startswith("api-v1:")
    ]


def test_pages_without_purpose_redirect(role_client: Any, offices: Offices) -> None:
    client = role_client(SUPERVISOR, purpose=None)
    urls = _person_data_urls(offices)
    assert "/persons/PN/" in urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/purpose/?next="), url
    reads = [event for event in AuditEvent.objects.filter(outcome="ok") if "PN" in event.object_ids]
    assert reads == []


def test_purpose_page_stores_choice(role_client: Any, offices: Offices) -> None:
    client = role_client("officer", purpose=None)
    response = client.post("/purpose/", {"purpose": "data_quality", "next": "/persons/PN/"})
    assert response.status_code == 302
    assert response["Location"] == "/persons/PN/"
    assert client.session[PURPOSE_SESSION_KEY] == "data_quality"
    page = client.get("/persons/PN/")
    assert page.status_code == 200
    assert "Purpose: data_quality" in page.content.decode()
    event = AuditEvent.objects.get(action="person_view")
    assert event.purpose == "data_quality"


def test_officer_may_not_choose_another_roles_purpose(role_client: Any, db: None) -> None:
    client = role_client("officer", purpose=None)
    page = client.get("/purpose/").content.decode()
    assert "Case work" in page
    assert "Partner lookup" not in page
    assert "Audit" not in page
    response = client.post("/purpose/", {"purpose": "partner_lookup"})
    assert response.status_code == 200
    assert PURPOSE_SESSION_KEY not in client.session


def test_purpose_page_rejects_unknown(role_client: Any, db: None) -> None:
    client = role_client("officer", purpose=None)
    response = client.post("/purpose/", {"purpose": "curiosity"})
    assert response.status_code == 200
    assert PURPOSE_SESSION_KEY not in client.session
    assert "curiosity is not one of the available choices" in response.content.decode()


def test_purpose_next_stays_on_site(role_client: Any, db: None) -> None:
    client = role_client("officer", purpose=None)
    response = client.post(
        "/purpose/", {"purpose": "case_work", "next": "https://elsewhere.example/"}
    )
    assert response["Location"] == "/"


def test_unknown_purpose_in_session_counts_as_none(role_client: Any, offices: Offices) -> None:
    client = role_client("officer", purpose="not_configured")
    response = client.get("/persons/PN/")
    assert response.status_code == 302
    assert response["Location"].startswith("/purpose/")


def test_api_without_purpose_header(role_client: Any, offices: Offices) -> None:
    client = role_client("partner", purpose=None)
    response = client.get("/api/v1/persons/PN")
    assert response.status_code == 400
    body = response.json()
    assert "X-Purpose" in body["message"]
    assert "given_name" not in body
    denial = AuditEvent.objects.get(action="access_denied")
    assert denial.details["reason"] == "no purpose of use"


def test_api_unknown_purpose_header(role_client: Any, offices: Offices) -> None:
    client = role_client("partner", purpose=None)
    response = client.get("/api/v1/persons/PN", headers={"X-Purpose": "curiosity"})
    assert response.status_code == 400
    assert "'curiosity'" in response.json()["message"]


def test_api_session_needs_header_too(role_client: Any, offices: Offices) -> None:
    # A page session's purpose does not carry over: each API call names its own.
    client = role_client("officer")
    assert client.get("/api/v1/persons/PN").status_code == 400
    response = client.get("/api/v1/persons/PN", headers={"X-Purpose": "data_quality"})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="api_person_view")
    assert event.purpose == "data_quality"


def test_htmx_without_purpose_redirects_page(role_client: Any, offices: Offices) -> None:
    client = role_client("officer", purpose=None)
    response = client.get("/search/", {"q": "Nora"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/purpose/?next=")
    assert b"Nora" not in response.content


def test_partner_limited_to_partner_lookup(role_client: Any, offices: Offices) -> None:
    client = role_client("partner", purpose=None)
    response = client.get("/api/v1/persons/PN", headers={"X-Purpose": "case_work"})
    assert response.status_code == 400
    assert "partner_lookup" in response.json()["message"]
    allowed = client.get("/api/v1/persons/PN", headers={"X-Purpose": "partner_lookup"})
    assert allowed.status_code == 200


def test_purpose_page_lists_role_purposes(role_client: Any, settings: Any) -> None:
    settings.IMMIGRATIONOS_ROLE_PURPOSES = {"analyst": ["data_quality"]}
    page = role_client("analyst", office=None, purpose=None).get("/purpose/").content.decode()
    assert 'value="data_quality"' in page
    assert 'value="case_work"' not in page
