"""Claim and release a case from the work queue in Debian's chromium: htmx swaps the row."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest

from browser.test_sign_in_search import browser_page  # noqa: F401 (a fixture used below)
from cases.queue_world import case_make, queue_world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _signed_in(page: Any, user: Any, live_url: str) -> Any:
    """Hand a signed-in session with purpose case_work over to the browser."""
    from django.conf import settings
    from django.test import Client

    from immigrationos.access.policy import PURPOSE_SESSION_KEY

    client = Client()
    client.force_login(user)
    session = client.session
    session[PURPOSE_SESSION_KEY] = "case_work"
    session.save()
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


def test_claim_and_release_swap_the_row(live_server: Any, browser_page: Any) -> None:  # noqa: F811
    from playwright.sync_api import expect

    from immigrationos.cases.models import Case

    world = queue_world_build()
    case = case_make(given_name="Browserperson")
    page = _signed_in(browser_page, world.officer1, live_server.url)

    page.goto(f"{live_server.url}/queue/")
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()
    row = page.locator(f"#case-row-{case.pk}")
    expect(row).to_contain_text("Browserperson")
    row.get_by_role("button", name="Claim").click()

    expect(row).to_contain_text(f"Case {case.pk} claimed")
    expect(row.get_by_role("button", name="Release")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/queue/")
    assert Case.objects.get(pk=case.pk).assignee_id == world.officer1.pk
    # "My cases" and its count are refreshed out of band, without a reload.
    expect(page.locator("#mine-count")).to_contain_text("1 open case assigned to you")
    mine_row = page.locator(f"#mine-rows > #mine-case-row-{case.pk}")
    expect(mine_row).to_contain_text("Browserperson")
    expect(page.locator(f"#office-rows > tr#mine-case-row-{case.pk}")).to_have_count(0)
    expect(page.locator("template")).to_have_count(0)
    expect(row.get_by_role("status")).to_be_focused()

    # The swapped row carries the new version, so releasing from it is not a conflict.
    row.get_by_role("button", name="Release").click()
    expect(row).to_contain_text("released to the office queue")
    expect(row.get_by_role("button", name="Claim")).to_be_visible()
    assert Case.objects.get(pk=case.pk).assignee_id is None
    expect(page.locator("#mine-count")).to_contain_text("0 open cases assigned to you")
    expect(page.locator(f"#mine-case-row-{case.pk}")).to_have_count(0)
