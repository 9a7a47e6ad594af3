"""Review an item in Debian's chromium: open it, read the weights, accept, see the merged person."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from browser.test_sign_in_search import browser_page  # noqa: F401 (a fixture used below)
from cases.test_review_decisions import MARIA, MARIO, review_store_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _signed_in(page: Any, role_client: Any, live_url: str) -> Any:
    """Sign in as an analyst with a purpose chosen, by handing the session cookie over."""
    from django.conf import settings

    client = role_client("analyst", office=None, purpose="identity_review")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": cookie.value,
                "domain": urlparse(live_url).hostname,
                "path": "/",
            }
        ]
    )
    return page


def test_review_accept_shows_merged_person(
    live_server: Any,
    tmp_path: Path,
    role_client: Any,
    browser_page: Any,  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    from immigrationos.cases.models import SourceRecord

    con = review_store_build(tmp_path / "staging.duckdb")
    con.close()
    owners = dict(SourceRecord.objects.values_list("record_uid", "person_id"))
    page = _signed_in(browser_page, role_client, live_server.url)

    page.goto(f"{live_server.url}/review/")
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    page.locator("table a[href^='/review/R']").first.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Review item")
    waterfall = page.get_by_role("table", name="Weight waterfall")
    expect(waterfall.get_by_role("rowheader", name="prior")).to_be_visible()
    expect(waterfall.get_by_role("rowheader", name="sex")).to_be_visible()
    rows = waterfall.locator("tbody tr").count()
    assert rows >= 5  # the prior and at least name, DOB, sex and nationality
    expect(waterfall.locator("svg")).to_have_count(rows)  # one bar per row
    expect(page.get_by_role("cell", name="Mario")).to_be_visible()

    page.get_by_label("Same person").check()
    page.get_by_label("Reason").fill("same passport photo in both files")
    page.get_by_role("button", name="Record decision").click()

    # htmx swaps the decision section in place.
    section = page.locator("#decision-section")
    expect(section).to_contain_text("Decision recorded.")
    expect(section).to_contain_text("same passport photo in both files")
    section.get_by_role("link", name=owners[MARIA]).click()

    expect(page).to_have_url(f"{live_server.url}/persons/{owners[MARIA]}/")
    expect(page.get_by_role("cell", name=MARIO, exact=True)).to_be_visible()
    expect(page.locator("#identity-changes").locator("..")).to_contain_text("Merge")

    # The absorbed person's id now leads to the surviving person.
    page.goto(f"{live_server.url}/persons/{owners[MARIO]}/")
    expect(page).to_have_url(f"{live_server.url}/persons/{owners[MARIA]}/")
