"""Check the main pages with axe-core in Debian's chromium, by keyboard and at laptop size.

axe-core comes bundled in the axe-playwright-python package and is evaluated in the page,
so nothing loads from the network. A page passes when axe reports no violation of impact
serious or critical under the WCAG 2.0 and 2.1 level A and AA rules.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse

from browser.test_sign_in_search import browser_page  # noqa: F401 (a fixture used below)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A common laptop screen, in CSS pixels.
LAPTOP_VIEWPORT = {"width": 1366, "height": 768}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = frozenset({"serious", "critical"})
# WCAG 2.1 success criterion 1.4.11 (non-text contrast) asks 3:1 between a focus indicator
# and the colors next to it.
FOCUS_CONTRAST_MIN = 3.0
# The maximum number of Tab presses per page. The walk stops earlier when focus leaves the page.
TAB_PRESSES_MAX = 200

# Describes the focused element. The outline's contrast is measured against the nearest
# opaque ancestor background, because the outline is drawn outside the element's own box.
FOCUS_DESCRIBE_JS = """() => {
  const el = document.activeElement;
  el.dataset.tabReached = '1';
  const style = getComputedStyle(el);
  const channels = (color) => color.match(/[\\d.]+/g).map(Number);
  const luminance = (rgb) => {
    const [r, g, b] = rgb.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  let background = [255, 255, 255];
  for (let node = el.parentElement; node; node = node.parentElement) {
    const color = channels(getComputedStyle(node).backgroundColor);
    if (color.length < 4 || color[3] > 0) { background = color; break; }
  }
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  let outlineContrast = null;
  if (outline) {
    const [light, dark] = [luminance(channels(style.outlineColor)), luminance(background)]
      .sort((a, b) => b - a);
    outlineContrast = (light + 0.05) / (dark + 0.05);
  }
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    name: el.getAttribute('name') || '',
    text: (el.innerText || el.value || '').trim(),
    inNav: el.closest('nav[aria-label="Main"]') !== null,
    inMain: el.closest('main') !== null,
    focusVisible: el.matches(':focus-visible'),
    indicator: outline || style.boxShadow !== 'none',
    outlineContrast: outlineContrast,
  };
}"""

# Lists the visible, enabled controls in <main> that no Tab press reached. A radio button
# counts as reached when another in its group was, because Tab enters a group only once.
CONTROLS_UNREACHED_JS = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
    + '[tabindex]';
  const radioGroups = new Set(
    [...document.querySelectorAll('input[type=radio][data-tab-reached]')].map((r) => r.name));
  return [...document.querySelector('main').querySelectorAll(selector)]
    .filter((el) => el.tabIndex >= 0 && !el.disabled && el.checkVisibility())
    .filter((el) => !el.dataset.tabReached)
    .filter((el) => !(el.type === 'radio' && radioGroups.has(el.name)))
    .map((el) => el.outerHTML.slice(0, 120));
}"""


def _signed_in(page: Any, live_url: str) -> Any:
    """Sign in as the demo supervisor (office NYC) through the form and choose case work."""
    from playwright.sync_api import expect

    from immigrationos.web.accounts import demo_accounts_create

    password = demo_accounts_create()["supervisor"]
    page.set_viewport_size(LAPTOP_VIEWPORT)
    page.goto(f"{live_url}/login/?next=/")
    page.get_by_label("Username").fill("supervisor")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_url}/purpose/?next=/")
    page.get_by_label("Case work").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    return page


def _page_path(name: str) -> str:
    """Return the path of a checked page in the loaded test data (P1 has a case in NYC)."""
    from immigrationos.cases.models import Case

    if name == "person":
        return reverse("web:person", args=["P1"])
    if name == "case":
        return reverse("web:case", args=[Case.objects.get(person_id="P1").pk])
    if name == "departures_rejected":
        return reverse("web:departures") + "?tab=rejected"
    if name == "queue":
        try:
            return reverse("web:queue")
        except NoReverseMatch:
            pytest.skip("the work queue route web:queue does not exist yet")
    return reverse(f"web:{name}")


def _departure_events_make() -> None:
    """Store a departure and an arrival of P1 and a rejected event, so that the live panel
    and the departures page show full rows: links, an expandable reason and re-entry checks."""
    from django.utils import timezone

    from immigrationos.cases.models import Case
    from web.departure_events import event_make, rejected_make

    case = Case.objects.get(person_id="P1")
    now = timezone.now()
    event_make(
        occurred_at=now - timedelta(minutes=5),
        given_name="Renée",
        family_name="Dvořáková",
        person_id="P1",
        case_id=case.pk,
        proposal_id=1,
        verification_rule="boarding_confirmed",
        verification_reason="boarding confirmed by the carrier at the gate",
        status_before="potential_overstay_unconfirmed",
        status_after="departed",
    )
    event_make(
        occurred_at=now - timedelta(hours=3),
        kind="arrival",
        port="SYS",
        port_tz="America/Los_Angeles",
        mode="land",
        evidence_kind="biometric_confirmation",
        person_id="P1",
        case_id=case.pk,
        flags=["reentry_after_removal", "reentry_bar_running"],
    )
    rejected_make(
        received_at=now,
        event_id="BAD-1",
        errors=[{"field": "mode", "message": "'rail' is not one of air, sea, land"}],
    )


def _violations_serious(page: Any) -> list[dict[str, Any]]:
    """Run axe on the page and return its violations of impact serious or critical."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    return [v for v in results.response["violations"] if v["impact"] in FAILING_IMPACTS]


def _violations_format(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary']}")
    return "\n".join(lines)


def _widths(page: Any) -> dict[str, int]:
    widths: dict[str, int] = page.evaluate(
        "({scrollWidth: document.documentElement.scrollWidth,"
        " clientWidth: document.documentElement.clientWidth})"
    )
    return widths


def _tab_through(page: Any) -> list[dict[str, Any]]:
    """Press Tab from the top of the page and return each element that took focus, in order."""
    page.evaluate("document.activeElement.blur()")
    stops: list[dict[str, Any]] = []
    for _ in range(TAB_PRESSES_MAX):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS_DESCRIBE_JS)
        if stop["tag"] == "body":  # past the last focusable element
            break
        stops.append(stop)
    return stops


def _focus_hidden(stops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the stops whose focus indicator is missing or has too little contrast."""
    hidden = []
    for stop in stops:
        indicator_visible = stop["focusVisible"] and stop["indicator"]
        contrast = stop["outlineContrast"]
        # A box-shadow-only indicator has no outline contrast to measure.
        contrast_low = contrast is not None and contrast < FOCUS_CONTRAST_MIN
        if not indicator_visible or contrast_low:
            hidden.append(stop)
    return hidden


def test_axe_reports_known_violations(browser_page: Any) -> None:  # noqa: F811
    browser_page.set_content("<html><body><img src='x.png'><button></button></body></html>")

    found = {v["id"] for v in _violations_serious(browser_page)}

    assert {"image-alt", "button-name", "html-has-lang", "document-title"} <= found


def test_sign_in_pages_axe(
    live_server: Any,
    browser_page: Any,  # noqa: F811
) -> None:
    from immigrationos.web.accounts import demo_accounts_create

    password = demo_accounts_create()["supervisor"]
    page = browser_page
    page.set_viewport_size(LAPTOP_VIEWPORT)

    page.goto(f"{live_server.url}/login/?next=/")
    violations = _violations_serious(page)
    assert not violations, f"axe on /login/:\n{_violations_format(violations)}"

    page.get_by_label("Username").fill("supervisor")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/purpose/?next=/")
    violations = _violations_serious(page)
    assert not violations, f"axe on /purpose/:\n{_violations_format(violations)}"


@pytest.mark.parametrize(
    "name",
    [
        "dashboard",
        "person",
        "case",
        "cases",
        "review",
        "queue",
        "departures",
        "departures_rejected",
    ],
)
def test_page_axe_and_laptop_width(
    live_server: Any,
    loaded: Any,
    browser_page: Any,  # noqa: F811
    name: str,
) -> None:
    from playwright.sync_api import expect

    _departure_events_make()
    path = _page_path(name)
    page = _signed_in(browser_page, live_server.url)

    response = page.goto(f"{live_server.url}{path}")
    assert response is not None
    assert response.status == 200, f"{path} returned {response.status}"
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    if name == "dashboard":
        # The live departures panel is part of the page that axe checks.
        expect(page.locator("#departures-live")).to_contain_text("Renée Dvořáková")
    if name == "departures":
        # An open verification reason is checked too.
        page.locator("summary").first.click()
        expect(page.get_by_text("boarding confirmed by the carrier at the gate")).to_be_visible()

    violations = _violations_serious(page)
    assert not violations, f"axe on {path}:\n{_violations_format(violations)}"
    widths = _widths(page)
    assert widths["scrollWidth"] <= widths["clientWidth"], f"{path} scrolls sideways: {widths}"


def test_search_results_axe_and_laptop_width(
    live_server: Any,
    loaded: Any,
    browser_page: Any,  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    page = _signed_in(browser_page, live_server.url)
    page.goto(f"{live_server.url}/search/")

    # Results arrive through htmx, so axe checks the swapped-in fragment inside the page.
    page.get_by_role("searchbox").fill("Renee Dvorakova")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Renée Dvořáková")).to_be_visible()
    # htmx pushes the query encoded with %20; a plain form submit would have used "+".
    expect(page).to_have_url(f"{live_server.url}/search/?q=Renee%20Dvorakova")

    violations = _violations_serious(page)
    assert not violations, f"axe on the search results:\n{_violations_format(violations)}"
    widths = _widths(page)
    assert widths["scrollWidth"] <= widths["clientWidth"], f"search scrolls sideways: {widths}"


def test_keyboard_reaches_dashboard_controls(
    live_server: Any,
    loaded: Any,
    browser_page: Any,  # noqa: F811
) -> None:
    page = _signed_in(browser_page, live_server.url)
    page.goto(f"{live_server.url}/")

    stops = _tab_through(page)

    assert stops[0]["text"] == "Skip to main content"
    nav_links = [stop["text"] for stop in stops if stop["inNav"]]
    for link in ("Dashboard", "Search", "Review queue", "Cases"):
        assert link in nav_links
    assert any(stop["tag"] == "button" and stop["text"] == "Sign out" for stop in stops)
    main_links = [stop["text"] for stop in stops if stop["inMain"]]
    assert "lead" in main_links  # the cases-by-state table links to the filtered case list
    hidden = _focus_hidden(stops)
    assert not hidden, f"focus without a visible indicator of 3:1 contrast: {hidden}"
    unreached = page.evaluate(CONTROLS_UNREACHED_JS)
    assert not unreached, f"controls in main that Tab never reached: {unreached}"

    # Enter on the skip link moves focus to the main content.
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_keyboard_reaches_case_controls(
    live_server: Any,
    loaded: Any,
    browser_page: Any,  # noqa: F811
) -> None:
    page = _signed_in(browser_page, live_server.url)
    page.goto(f"{live_server.url}{_page_path('case')}")

    stops = _tab_through(page)

    assert stops[0]["text"] == "Skip to main content"
    assert any(stop["inNav"] and stop["text"] == "Cases" for stop in stops)
    main_links = [stop["text"] for stop in stops if stop["inMain"]]
    assert "Renée Dvořáková" in main_links  # the link to the person page
    hidden = _focus_hidden(stops)
    assert not hidden, f"focus without a visible indicator of 3:1 contrast: {hidden}"
    unreached = page.evaluate(CONTROLS_UNREACHED_JS)
    assert not unreached, f"controls in main that Tab never reached: {unreached}"

    # Every field of the case list's filter form and its button take focus.
    page.goto(f"{live_server.url}{_page_path('cases')}")
    stops = _tab_through(page)
    field_names = {stop["name"] for stop in stops if stop["inMain"] and stop["name"]}
    assert {"state", "tier", "office"} <= field_names
    assert any(stop["tag"] == "button" and stop["text"] == "Filter" for stop in stops)
    hidden = _focus_hidden(stops)
    assert not hidden, f"focus without a visible indicator of 3:1 contrast: {hidden}"
    unreached = page.evaluate(CONTROLS_UNREACHED_JS)
    assert not unreached, f"controls in main that Tab never reached: {unreached}"
