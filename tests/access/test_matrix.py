"""Permission matrix: every route and API operation, for every role, against a table."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import override_settings
from django.urls import path

from access.conftest import Offices, url_samples
from access.expectations import ALL_ROLES, EXPECTED, OFFICE_SCOPED_ROLES, PARTNER, TOKEN_ROLES
from access.routes import Route, route_url, routes_all
from immigrationos.access.policy import PURPOSE_SESSION_KEY
from immigrationos.access.roles import user_role_assign
from immigrationos.access.tokens import api_token_create
from immigrationos.audit.models import AuditEvent
from immigrationos.site import urls as site_urls

PURPOSE = "case_work"
# The only purpose a partner may send.
PARTNER_PURPOSE = "partner_lookup"


def _session_client(role: str, office: str | None = "NYC") -> Client:
    user = get_user_model().objects.create_user(username=f"matrix-{role}", password="pw-1")
    office_code = office if role in OFFICE_SCOPED_ROLES else None
    user_role_assign(user=user, role=role, office_code=office_code)
    client = Client()
    client.force_login(user)
    session = client.session
    session[PURPOSE_SESSION_KEY] = PURPOSE
    session.save()
    return client


def _token_client(role: str) -> Client:
    user = get_user_model().objects.create_user(username=f"matrix-token-{role}")
    user_role_assign(user=user, role=role, office_code=None)
    token = api_token_create(user=user, partner="matrix partner")
    return Client(headers={"Authorization": f"Bearer {token}", "X-Purpose": PARTNER_PURPOSE})


def _routes_expected() -> list[Route]:
    # A route with no expectation fails test_every_route_has_expectation; the other tests
    # still check every route that has one.
    return [route for route in routes_all() if route.key in EXPECTED]


def _is_api(route: Route) -> bool:
    return route.view_name.startswith("api-v1:")


def _get(client: Client, route: Route, url: str) -> Any:
    # A token client sends its own purpose header on every request.
    has_purpose = "X-Purpose" in (client.headers or {})
    headers = {"X-Purpose": PURPOSE} if _is_api(route) and not has_purpose else {}
    return client.get(url, headers=headers)


def _allowed(response: Any) -> bool:
    location = response.get("Location", "") if response.status_code in (301, 302) else ""
    # 401: an operation that takes API tokens only, requested with a session.
    denied = response.status_code in (401, 403)
    return not denied and not location.startswith(("/login/", "/purpose/"))


def test_every_route_has_expectation(db: None) -> None:
    keys = {route.key for route in routes_all()}
    missing = sorted(keys - EXPECTED.keys())
    stale = sorted(key for key in EXPECTED.keys() - keys if not EXPECTED[key].optional)
    assert missing == [], f"routes with no entry in tests/access/expectations.py: {missing}"
    assert stale == [], f"expectations for routes that no longer exist: {stale}"


def test_every_api_operation_is_routed() -> None:
    from immigrationos.api.urls import api

    # Each ninja operation's URL name, named the way ninja names its URL pattern.
    operations = {
        "api-v1:"
        + (
            getattr(operation, "url_name", None)
            or api.get_operation_url_name(operation, router=router)
        )
        for _prefix, router in api._routers
        for view in router.path_operations.values()
        for operation in view.operations
    }
    routed = {route.view_name for route in routes_all()}
    assert operations, "ninja reported no API operations"
    assert operations <= routed
    assert operations <= EXPECTED.keys()


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_role_matrix(role: str, offices: Offices) -> None:
    session = _session_client(role)
    token = _token_client(role) if role in TOKEN_ROLES else None
    mismatches: list[str] = []
    for route in _routes_expected():
        expect = EXPECTED[route.key]
        url = route_url(route, url_samples(offices))
        client = token if token is not None and _is_api(route) else session
        before = AuditEvent.objects.filter(action="access_denied").count()
        response = _get(client, route, url)
        allowed = _allowed(response)
        expected = role in expect.roles or expect.public
        if allowed != expected:
            mismatches.append(
                f"{route.key} {url}: status {response.status_code}, expected {expected}"
            )
        denials = AuditEvent.objects.filter(action="access_denied").count() - before
        # A 401 names no user, so there is no one to record a denial for.
        if not expected and response.status_code != 401 and denials != 1:
            mismatches.append(f"{route.key}: {denials} access_denied events, expected 1")
    assert mismatches == []


@pytest.mark.parametrize("role", sorted(ALL_ROLES - {PARTNER}))
def test_out_of_office_objects(role: str, offices: Offices) -> None:
    session = _session_client(role)
    mismatches: list[str] = []
    for route in _routes_expected():
        expect = EXPECTED[route.key]
        if expect.scoped is None or role not in expect.roles:
            continue
        url = route_url(route, url_samples(offices, out_of_office=True))
        before = AuditEvent.objects.filter(action="access_denied").count()
        response = _get(session, route, url)
        denials = AuditEvent.objects.filter(action="access_denied").count() - before
        if role in OFFICE_SCOPED_ROLES:
            if response.status_code != 404 or denials != 1:
                mismatches.append(f"{url}: {response.status_code}, {denials} denials")
        elif response.status_code != 200:
            mismatches.append(f"{url}: {response.status_code} for a role without office scope")
    assert mismatches == []


def test_partner_token_out_of_office_person(offices: Offices) -> None:
    client = _token_client(PARTNER)
    response = client.get(f"/api/v1/persons/{offices.los_person}")
    assert response.status_code == 200


def test_anonymous_gets_sign_in_or_401(offices: Offices) -> None:
    client = Client()
    for route in _routes_expected():
        expect = EXPECTED[route.key]
        url = route_url(route, url_samples(offices))
        response = client.get(url)
        if expect.public:
            # Sign-out is public for users without a role, but Django still sends an
            # anonymous visitor to the sign-in page first.
            assert response.status_code in (200, 302), url
            assert route.key == "logout" or not response.get("Location", "").startswith(
                "/login/"
            ), url
        elif _is_api(route):
            assert response.status_code == 401, url
        else:
            assert response.status_code == 302, url
            assert response["Location"].startswith("/login/"), url


def _unlisted_view(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse("should not render")


urlpatterns = [
    path("unlisted/", _unlisted_view, name="unlisted-test-route"),
    *site_urls.urlpatterns,
]


@override_settings(ROOT_URLCONF=__name__)
def test_route_without_policy_is_denied(role_client: Any) -> None:
    client = role_client("supervisor")
    response = client.get("/unlisted/")
    assert response.status_code == 403
    assert b"should not render" not in response.content
    event = AuditEvent.objects.get(action="access_denied")
    assert event.details["route"] == "unlisted-test-route"


def test_api_route_without_policy_is_json_403(
    role_client: Any, offices: Offices, monkeypatch: pytest.MonkeyPatch
) -> None:
    from immigrationos.access import policy

    monkeypatch.delitem(policy.ROUTE_POLICY, "api-v1:person_get")
    response = role_client("partner").get(f"/api/v1/persons/{offices.nyc_person}")
    assert response.status_code == 403
    assert response.json()["message"] == "route 'api-v1:person_get' has no access policy"
    event = AuditEvent.objects.get(action="access_denied")
    assert event.details["route"] == "api-v1:person_get"
