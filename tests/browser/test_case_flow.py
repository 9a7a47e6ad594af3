"""Work a case from search to closure in Debian's chromium: claim, note, vetting,
assignment for action, a refused step with its reason, and closing with a reason."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from browser.test_sign_in_search import browser_page  # noqa: F401 (a fixture used below)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPENED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PASSWORD = "pw-case-flow-1"


def _world() -> int:
    """Create an NYC officer, and a searchable person with an open lead case; return its id."""
    from django.contrib.auth import get_user_model

    from immigrationos.access.roles import user_role_assign
    from immigrationos.cases.models import Case, Office, Person, PersonNameToken
    from immigrationos.cases.names import name_fold, token_phonetic

    office = Office.objects.create(code="NYC", name="New York City")
    officer = get_user_model().objects.create_user(username="officer", password=PASSWORD)
    user_role_assign(user=officer, role="officer", office_code="NYC")
    person = Person.objects.create(
        person_id="PF-1",
        given_name="Nora",
        family_name="Flowtest",
        search_name="nora flowtest",
        dob=date(1984, 2, 3),
        status="overstay",
        tier=1,
        min_link_probability=0.999,
    )
    for name in ("Nora", "Flowtest"):
        token = name_fold(name)
        PersonNameToken.objects.create(
            person=person, token=token, prefix=token[:3], phonetic=token_phonetic(token)
        )
    case = Case.objects.create(
        person=person,
        office=office,
        tier=1,
        opened_at=OPENED,
        updated_at=OPENED,
        state_entered_at=OPENED,
    )
    return case.pk


def _focused_description(page: Any) -> str:
    """Return "<tag> in #case-actions" or "<tag> outside" for the focused element."""
    description: str = page.evaluate(
        """() => {
            const element = document.activeElement;
            const inside = element && element.closest('#case-actions');
            return `${element ? element.tagName.toLowerCase() : 'none'} `
                + (inside ? 'in #case-actions' : 'outside')
                + ` (${element ? element.textContent.trim().slice(0, 40) : ''})`;
        }"""
    )
    return description


def test_case_from_search_to_closure(live_server: Any, browser_page: Any) -> None:  # noqa: F811
    from playwright.sync_api import expect

    from immigrationos.cases.models import Case, CaseNote

    case_id = _world()
    page = browser_page
    state = page.locator("#case-header")

    # Sign in, choose a purpose, search, and open the person and then the case.
    page.goto(f"{live_server.url}/search/")
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Case work").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("searchbox").fill("Nora Flowtest")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Nora Flowtest").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nora Flowtest")
    page.get_by_role("link", name=f"Case {case_id}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {case_id}")

    # Claim the case; the queue's claim route returns here.
    page.get_by_role("button", name="Claim this case").click()
    expect(state).to_contain_text(re.compile(r"Worked by\s*officer since"))

    # Add a note (swapped in by htmx).
    page.get_by_label(re.compile("^New note")).fill("Checked the arrival record by phone.")
    page.get_by_role("button", name="Add note").click()
    notes = page.locator("#case-notes")
    expect(notes.get_by_role("listitem")).to_contain_text("Checked the arrival record by phone.")
    expect(notes.get_by_role("listitem")).to_contain_text("officer")

    # Start vetting, then assign the case for action with a reason.
    page.get_by_role("button", name="Start vetting").click()
    expect(state).to_contain_text("Vetting")
    # The pressed button was swapped out, so the focus moves to the panel's notice, and Tab
    # goes on to the panel's next control instead of starting again at the top of the page.
    notice = page.locator("#case-actions .notice")
    expect(notice).to_be_focused()
    reached: list[str] = []
    for _press in range(4):
        page.keyboard.press("Tab")
        reached.append(_focused_description(page))
        if reached[-1].startswith("button in #case-actions"):
            break
    assert reached[-1].startswith("button in #case-actions"), reached
    assert all(" in #case-actions " in place for place in reached), reached
    page.get_by_label("Reason for “Assign for action” (required)").fill(
        "Identity and status confirmed."
    )
    page.get_by_role("button", name="Assign for action").click()
    expect(state).to_contain_text("Assigned")

    # A claim of citizenship is recorded: the next enforcement step is refused, and the page
    # shows why.
    page.get_by_label(re.compile("^How the claim was made")).fill("The person, by telephone")
    page.get_by_label("What was claimed (required)").fill("Says she was born in El Paso, Texas.")
    page.get_by_role("button", name="Record the claim").click()
    actions = page.locator("#case-actions")
    refused = actions.get_by_role("listitem").filter(has_text="Record the action taken")
    expect(refused).to_contain_text("not allowed now")
    expect(refused).to_contain_text("a claim of US citizenship is open")
    expect(actions.get_by_role("button", name="Record the action taken")).to_have_count(0)

    # Close the case with a reason.
    page.get_by_label("Reason for “Close: not removable” (required)").fill(
        "Citizenship claim to be verified."
    )
    page.get_by_role("button", name="Close: not removable").click()
    expect(state).to_contain_text("Closed")
    expect(state).to_contain_text("Not removable")
    expect(page.locator("#case-history")).to_contain_text("Citizenship claim to be verified.")

    case = Case.objects.get(pk=case_id)
    assert (case.state, case.closed_reason) == ("closed", "not_removable")
    assert CaseNote.objects.get(case=case).text == "Checked the arrival record by phone."
