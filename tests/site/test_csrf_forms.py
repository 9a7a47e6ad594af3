"""Every form carries a CSRF token, and every page route rejects a POST without one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import immigrationos

TEMPLATES = sorted(Path(immigrationos.__file__).parent.glob("**/templates/**/*.html"))
FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.DOTALL | re.IGNORECASE)
# Sample values for route arguments, by converter type; the CSRF check runs before the view,
# so the objects need not exist.
SAMPLE_VALUES = {"IntConverter": 1, "StringConverter": "X1", "SlugConverter": "x1"}
CSRF_PAGE = b"Form expired"


def _page_routes() -> list[str]:
    paths: list[str] = []

    def walk(patterns: list[Any], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name and namespace != "api-v1":
                kwargs = {
                    name: SAMPLE_VALUES[type(converter).__name__]
                    for name, converter in pattern.pattern.converters.items()
                }
                view = f"{namespace}:{pattern.name}" if namespace else pattern.name
                paths.append(reverse(view, kwargs=kwargs))

    walk(get_resolver().url_patterns, "")
    return paths


PAGE_ROUTES = _page_routes()


def test_page_routes_found() -> None:
    assert "/login/" in PAGE_ROUTES
    assert "/logout/" in PAGE_ROUTES
    assert len(PAGE_ROUTES) > 8


@pytest.fixture
def csrf_client(role_client: Any) -> Client:
    signed_in = role_client("supervisor")
    client = Client(enforce_csrf_checks=True)
    client.cookies = signed_in.cookies
    return client


@pytest.mark.parametrize("path", PAGE_ROUTES)
def test_post_without_token_rejected(csrf_client: Client, path: str) -> None:
    response = csrf_client.post(path, {"anything": "1"})
    assert response.status_code == 403
    assert CSRF_PAGE in response.content


def test_post_with_token_accepted(csrf_client: Client) -> None:
    page = csrf_client.get("/purpose/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert token is not None
    response = csrf_client.post("/logout/", {"csrfmiddlewaretoken": token.group(1).decode()})
    assert response.status_code == 302


def test_anonymous_sign_in_needs_token(db: None) -> None:
    response = Client(enforce_csrf_checks=True).post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert CSRF_PAGE in response.content


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_post_forms_carry_token(template: Path) -> None:
    for form in FORM.findall(template.read_text(encoding="utf-8")):
        opening = form.split(">", 1)[0].lower()
        if re.search(r"method\s*=\s*[\"']?post", opening):
            assert "{% csrf_token %}" in form, f"POST form without csrf_token: {opening}>"
