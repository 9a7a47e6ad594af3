"""Watch a departure reach the dashboard's live panel, then filter the departures page, in
Debian's chromium."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from browser.test_queue_flow import _signed_in
from browser.test_sign_in_search import browser_page  # noqa: F401 (a fixture used below)
from cases.queue_world import case_make, queue_world_build
from web.departure_events import event_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The panel polls every 10 seconds; a new event shows at the next poll after it is stored.
LIVE_WAIT_MS = 15_000
# The background of a row applied since the previous refresh (site.css, tr.fresh).
HIGHLIGHT = "rgb(255, 248, 197)"


def test_departure_appears_live_then_filter(live_server: Any, browser_page: Any) -> None:  # noqa: F811
    from playwright.sync_api import expect

    world = queue_world_build()
    case = case_make(given_name="Livia")
    page = _signed_in(browser_page, world.officer1, live_server.url)

    # The new row's highlight must not move for a user who asked for reduced motion.
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{live_server.url}/")
    panel = page.locator("#departures-live")
    expect(panel).to_contain_text("No departure recorded yet.")
    page.evaluate("window.notReloaded = true")

    event_make(
        occurred_at=timezone.now(),
        given_name="Livia",
        family_name="Queueperson",
        person_id=case.person_id,
        case_id=case.pk,
    )

    person_link = panel.get_by_role("link", name="Livia Queueperson")
    expect(person_link).to_be_visible(timeout=LIVE_WAIT_MS)
    expect(person_link).to_have_attribute("href", f"/persons/{case.person_id}/")
    expect(panel.get_by_role("link", name=f"Case {case.pk}")).to_have_attribute(
        "href", f"/cases/{case.pk}/"
    )
    expect(panel.get_by_role("row", name=re.compile("^Last hour"))).to_have_text(
        re.compile(r"Last hour\s*1\s*1\s*0\s*0")
    )
    assert page.evaluate("window.notReloaded === true"), "the dashboard reloaded"
    fresh_cell = panel.locator("tr.fresh td").first
    assert fresh_cell.evaluate("td => getComputedStyle(td).animationName") == "none"
    assert fresh_cell.evaluate("td => getComputedStyle(td).backgroundColor") == HIGHLIGHT
    expect(panel.locator("[aria-live]")).to_have_count(0)
    # Each refresh replaces the panel with one that carries the refresh time for the next
    # poll, and the replaced panel keeps polling.
    polled_url = panel.get_attribute("hx-get")
    expect(panel).not_to_have_attribute("hx-get", polled_url or "", timeout=LIVE_WAIT_MS)
    expect(panel.locator("tr.fresh")).to_have_count(0)

    event_make(
        occurred_at=timezone.now() - timedelta(hours=2),
        mode="sea",
        evidence_kind="carrier_manifest",
        given_name="Marina",
        family_name="Queueperson",
        person_id=case.person_id,
        case_id=case.pk,
    )
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Departures").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Departures and arrivals")
    results = page.locator("#departures-results")
    expect(results).to_contain_text("Livia Queueperson")
    expect(results).to_contain_text("Marina Queueperson")

    page.evaluate("window.notReloaded = true")
    page.get_by_label("Mode").select_option("sea")

    # htmx pushes the form's query, so the filtered list has its own address.
    expect(page).to_have_url(re.compile(r"/departures/\?.*\bmode=sea\b"))
    expect(results).not_to_contain_text("Livia Queueperson")
    expect(results).to_contain_text("Marina Queueperson")
    expect(page.locator("#departures-count")).to_have_text("1 event matches.")
    assert page.evaluate("window.notReloaded === true"), "the filter reloaded the page"
