"""Content Security Policy with nonces, and the other security headers on every response."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from test_csrf_forms import PAGE_ROUTES

import immigrationos

TEMPLATE_ROOT = Path(immigrationos.__file__).parent
TEMPLATES = sorted(TEMPLATE_ROOT.glob("**/templates/**/*.html"))


def _policy(response: Any) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_policy_directives(client: Client) -> None:
    policy = _policy(client.get("/login/"))
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    for values in policy.values():
        assert "'unsafe-inline'" not in values
        assert "'unsafe-eval'" not in values


def test_script_nonce_matches_header(role_client: Any) -> None:
    client = role_client("supervisor")
    response = client.get("/")
    nonces = re.findall(rb'<script [^>]*nonce="([^"]+)"', response.content)
    script_src = _policy(response)["script-src"]
    assert response.status_code == 200
    assert len(nonces) == 1
    assert f"'nonce-{nonces[0].decode()}'" in script_src
    assert "'self'" in script_src


def test_nonce_differs_per_response(client: Client) -> None:
    first = _policy(client.get("/login/"))["script-src"]
    second = _policy(client.get("/login/"))["script-src"]
    assert first != second


@pytest.mark.parametrize("path", ["/login/", "/healthz"])
def test_anonymous_headers(client: Client, path: str) -> None:
    response = client.get(path)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/", "/search/?q=Garcia", "/cases/", "/purpose/"])
def test_signed_in_pages_not_stored(role_client: Any, path: str) -> None:
    response = role_client("supervisor").get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.parametrize("path", PAGE_ROUTES)
def test_every_route_not_stored(role_client: Any, path: str) -> None:
    response = role_client("supervisor").get(path)
    assert "no-store" in response["Cache-Control"], response.status_code
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_api_json_not_stored(role_client: Any) -> None:
    response = role_client("partner").get("/api/v1/persons/P-UNKNOWN")
    assert response["Content-Type"].startswith("application/json")
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_templates_found() -> None:
    assert len(TEMPLATES) > 10


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_template_has_no_inline_code(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag, f"inline script in {template.name}: {tag}"
        assert 'nonce="{{ request.csp_nonce }}"' in tag, f"script without nonce: {tag}"
    assert "<style" not in text
    assert not re.search(r"\sstyle\s*=", text), "inline style attribute"
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
    assert "hx-on" not in text
    assert "javascript:" not in text
