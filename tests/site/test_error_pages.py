"""Error pages (403, 404, 500) that show no personal data, exception text or stack."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from error_test_urls import LEAKED

LEAK_MARKERS = [b"GARCIA", b"1984-03-07", b"012345678", b"Traceback", b"Error", b"boom"]


@pytest.fixture
def failing_site(settings: Any) -> None:
    settings.ROOT_URLCONF = "error_test_urls"
    settings.DEBUG = False
    # The access policy denies the failing views, because they have no entry there. These
    # tests need the views to run, so the policy middleware is left out.
    settings.MIDDLEWARE = [
        name
        for name in settings.MIDDLEWARE
        if name != "immigrationos.access.middleware.AccessMiddleware"
    ]


def _assert_no_leak(response: Any) -> None:
    body = response.content
    for marker in LEAK_MARKERS:
        assert marker not in body, f"{marker!r} shown on the {response.status_code} page"
    assert LEAKED.encode() not in body


def test_server_error_page(failing_site: None, role_client: Any) -> None:
    client = role_client("supervisor")
    client.raise_request_exception = False
    response = client.get("/boom/server/")
    assert response.status_code == 500
    assert b"Server error" in response.content
    _assert_no_leak(response)


def test_not_found_page(failing_site: None, role_client: Any) -> None:
    response = role_client("supervisor").get("/boom/not-found/")
    assert response.status_code == 404
    assert b"Not found" in response.content
    _assert_no_leak(response)


def test_denied_page(failing_site: None, role_client: Any) -> None:
    response = role_client("supervisor").get("/boom/denied/")
    assert response.status_code == 403
    assert b"Access denied" in response.content
    _assert_no_leak(response)


def test_unknown_path_not_echoed(role_client: Any) -> None:
    response = role_client("supervisor").get("/persons-GARCIA-1984-03-07/")
    assert response.status_code == 404
    _assert_no_leak(response)


def test_error_pages_keep_security_headers(failing_site: None, role_client: Any) -> None:
    client = role_client("supervisor")
    client.raise_request_exception = False
    response = client.get("/boom/server/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_csrf_page_hides_reason(db: None) -> None:
    response = Client(enforce_csrf_checks=True).post("/login/", {"username": "x"})
    assert response.status_code == 403
    assert b"Form expired" in response.content
    assert b"CSRF cookie not set" not in response.content


def test_bad_host_page(db: None) -> None:
    response = Client().get("/login/?name=GARCIA", HTTP_HOST="garcia-1984-03-07.example")
    assert response.status_code == 400
    assert b"Bad request" in response.content
    assert b"garcia" not in response.content.lower()
    _assert_no_leak(response)
