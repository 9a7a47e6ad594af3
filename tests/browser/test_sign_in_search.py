"""Sign in, search by name and open the person page in Debian's chromium."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the
# test body would otherwise raise SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page() -> Any:
    if not CHROMIUM.exists():
        if os.environ.get("IMMIGRATIONOS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and IMMIGRATIONOS_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is missing; install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def test_sign_in_search_open_person(live_server: Any, loaded: Any, browser_page: Any) -> None:
    from playwright.sync_api import expect

    from immigrationos.web.accounts import demo_accounts_create

    password = demo_accounts_create()["analyst"]
    page = browser_page

    page.goto(f"{live_server.url}/search/")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/search/")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # Person data needs a purpose of use first; the page then returns to the search.
    expect(page.get_by_role("heading", name="Purpose of use")).to_be_visible()
    page.get_by_label("Identity review").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Search persons")).to_be_visible()
    expect(page.get_by_text("Purpose: identity_review")).to_be_visible()

    # A typo and no accents: the stored spelling is "Renée Dvořáková".
    page.get_by_role("searchbox").fill("Renee Dvorakvoa")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Renée Dvořáková").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Renée Dvořáková")
    expect(page.get_by_role("cell", name="benefits:B-0601")).to_be_visible()
    expect(page.locator("#status").locator("..")).to_contain_text("potential_overstay_unconfirmed")
    expect(page.get_by_text("Unconfirmed.")).to_be_visible()
