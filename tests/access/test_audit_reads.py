"""Every route that returns person data writes exactly one audit event with a purpose."""

from __future__ import annotations

from typing import Any

from access.conftest import Offices, url_samples
from access.expectations import EXPECTED
from access.routes import route_url, routes_all
from immigrationos.audit.models import AuditEvent

PURPOSE = "identity_review"
# Routes that must return 200 with the sample objects, so the test cannot pass vacuously.
CORE_ROUTES = {"search", "person", "cases", "case", "review", "api-v1:person_get"}
# Query strings that make a route read data (a search with no query reads nothing).
QUERIES = {"search": "?q=Testperson"}
# Routes whose GET shows only an empty form; the purpose rule covers what their POST does.
FORM_ONLY = {"amendment_new"}


def _role_for(roles: frozenset[str]) -> str:
    for role in ("supervisor", "analyst", "officer", "privacy_officer", "partner"):
        if role in roles:
            return role
    raise AssertionError(f"no test role among {sorted(roles)}")


def test_person_data_routes_audit_once(role_client: Any, offices: Offices) -> None:
    samples = url_samples(offices)
    answered: set[str] = set()
    problems: list[str] = []
    for number, route in enumerate(routes_all()):
        expect = EXPECTED.get(route.key)
        if expect is None or not expect.person_data or route.key in FORM_ONLY:
            continue
        client = role_client(_role_for(expect.roles), purpose=PURPOSE)
        url = route_url(route, samples) + QUERIES.get(route.key, "")
        request_id = f"audit-test-{number:04d}"
        headers = {"X-Request-ID": request_id, "X-Purpose": PURPOSE}
        response = client.get(url, headers=headers)
        if response.status_code != 200:
            continue
        answered.add(route.key)
        events = list(AuditEvent.objects.filter(request_id=request_id))
        if len(events) != 1:
            problems.append(f"{url}: {len(events)} audit events, want 1")
        elif events[0].purpose != PURPOSE:
            problems.append(f"{url}: purpose {events[0].purpose!r}, want {PURPOSE!r}")
    assert answered >= CORE_ROUTES
    assert problems == []
