"""The Content Security Policy in Debian's chromium: htmx still works, inline scripts do not."""

from __future__ import annotations

from typing import Any

import pytest

from browser.test_sign_in_search import browser_page  # noqa: F401 (a fixture used below)

PASSWORD = "correct horse battery"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_csp_allows_htmx_blocks_inline(
    live_server: Any,
    loaded: Any,
    browser_page: Any,  # noqa: F811
) -> None:
    from django.contrib.auth import get_user_model
    from playwright.sync_api import expect

    from immigrationos.access.roles import user_role_assign

    user = get_user_model().objects.create_user(username="officer-csp", password=PASSWORD)
    user_role_assign(user=user, role="officer", office_code="NYC")
    page = browser_page
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("officer-csp")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/purpose/?next=/search/")
    page.get_by_label("Case work").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Search persons")).to_be_visible()

    # Typing without submitting: only htmx fetches and swaps in the results.
    page.get_by_role("searchbox").fill("Renee Dvorakova")
    expect(page.get_by_role("link", name="Renée Dvořáková")).to_be_visible()
    assert page.evaluate("typeof window.htmx") == "object"

    ran = page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.head.appendChild(script);
            return window.inlineRan === true;
        }"""
    )
    assert ran is False
    violations = [text for text in console if "Content Security Policy" in text]
    assert len(violations) == 1, console
    assert "inline script" in violations[0]
