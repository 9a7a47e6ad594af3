"""Work queue pages: the queue, claim, release and assign, bulk actions, saved filters,
notifications and override review, through the real middleware and services."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cases.queue_world import QueueWorld, case_make, queue_world_build
from immigrationos.access.policy import PURPOSE_SESSION_KEY
from immigrationos.audit.models import AuditEvent
from immigrationos.cases import workflow
from immigrationos.cases.bulk_actions import BULK_MAX_CASES
from immigrationos.cases.models import Case, CaseEvent, GuardOverride, Notification, Person
from immigrationos.cases.queue import overdue_working_days

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
JUSTIFICATION = "Identity confirmed by a fingerprint match at the last encounter."


@pytest.fixture
def world(db: None) -> QueueWorld:
    return queue_world_build()


def _client(user: Any, purpose: str | None = "case_work") -> Client:
    client = Client()
    client.force_login(user)
    if purpose:
        session = client.session
        session[PURPOSE_SESSION_KEY] = purpose
        session.save()
    return client


def _text(response: Any) -> str:
    return response.content.decode()


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# --- the queue page -----------------------------------------------------------------------


def test_queue_shows_my_cases_and_office_queue(world: QueueWorld) -> None:
    today = timezone.localdate()
    due = today - timedelta(days=10)
    mine = case_make(assignee=world.officer1, due_on=due, given_name="Mineperson")
    waiting = case_make(due_on=today + timedelta(days=30), given_name="Waitingperson")
    other = case_make(office="LOS", given_name="Farawayperson")

    response = _client(world.officer1).get("/queue/")

    assert response.status_code == 200
    text = _text(response)
    assert "Mineperson" in text
    assert "Waitingperson" in text
    assert "Farawayperson" not in text
    days = overdue_working_days(due=due, today=today)
    assert f"Overdue by {days} working day" in text
    assert f'id="case-row-{other.pk}"' not in text
    [event] = _events("queue_view")
    assert sorted(event.object_ids) == sorted([str(mine.pk), str(waiting.pk)])


def test_queue_filters_office_queue(world: QueueWorld) -> None:
    vetting = case_make(state="vetting", given_name="Vettingperson")
    case_make(state="lead", given_name="Leadperson")
    text = _text(_client(world.officer1).get("/queue/?state=vetting"))
    assert "Vettingperson" in text
    assert "Leadperson" not in text
    assert f'id="case-row-{vetting.pk}"' in text


def test_queue_closed_to_analysts(world: QueueWorld) -> None:
    assert _client(world.analyst).get("/queue/").status_code == 403


def test_queue_workload_for_supervisors_only(world: QueueWorld) -> None:
    case_make(assignee=world.officer2, due_on=timezone.localdate() - timedelta(days=20))
    supervisor_text = _text(_client(world.super1).get("/queue/"))
    assert 'id="workload"' in supervisor_text
    assert re.search(r"<th scope=\"row\">officer2</th>", supervisor_text)
    assert "1 overdue" in supervisor_text
    assert 'id="bulk-form"' in supervisor_text
    officer_text = _text(_client(world.officer1).get("/queue/"))
    assert 'id="workload"' not in officer_text
    assert 'id="bulk-form"' not in officer_text


# --- claim, release, assign ---------------------------------------------------------------


def test_claim_without_javascript_redirects_to_next(world: QueueWorld) -> None:
    case = case_make()
    response = _client(world.officer1).post(
        f"/cases/{case.pk}/claim/", {"version": case.version, "next": "/queue/?state=lead"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/queue/?state=lead"
    case.refresh_from_db()
    assert case.assignee == world.officer1
    assert CaseEvent.objects.filter(case=case, kind="claim").count() == 1
    # The service writes the one audit event of the change; the view adds none.
    assert len(_events("case_claim")) == 1


@pytest.mark.parametrize("target", ["https://example.org/x", "//example.org/x", "queue/"])
def test_claim_ignores_an_unsafe_next(world: QueueWorld, target: str) -> None:
    case = case_make()
    response = _client(world.officer1).post(
        f"/cases/{case.pk}/claim/", {"version": case.version, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == "/queue/"


def test_claim_with_htmx_swaps_the_row(world: QueueWorld) -> None:
    case = case_make(given_name="Rowperson")
    response = _client(world.officer1).post(
        f"/cases/{case.pk}/claim/", {"version": case.version, "next": "/queue/"}, **HTMX
    )
    assert response.status_code == 200
    text = _text(response)
    assert text.lstrip().startswith("<tr id=")
    assert f'id="case-row-{case.pk}"' in text
    assert "Release</button>" in text
    assert "Rowperson" in text
    assert "<html" not in text


def test_claim_conflict_is_409_with_the_current_state(world: QueueWorld) -> None:
    case = case_make()
    seen = case.version
    workflow.case_claim(case_id=case.pk, actor=world.officer2, version=seen)
    workflow.case_release(case_id=case.pk, actor=world.officer2, version=seen + 1)

    response = _client(world.officer1).post(f"/cases/{case.pk}/claim/", {"version": seen})

    assert response.status_code == 409
    text = _text(response)
    assert "changed since you opened it" in text
    assert "nobody (in the office queue)" in text
    assert f'name="version" value="{seen + 2}"' in text
    assert Case.objects.get(pk=case.pk).assignee is None


def test_release_conflict_keeps_the_reason_typed(world: QueueWorld) -> None:
    case = case_make(assignee=world.officer1)
    Case.objects.filter(pk=case.pk).update(version=case.version + 1)
    response = _client(world.officer1).post(
        f"/cases/{case.pk}/release/",
        {"version": case.version, "reason": "Going on leave for two weeks", "next": "/queue/"},
    )
    assert response.status_code == 409
    assert 'value="Going on leave for two weeks"' in _text(response)
    assert Case.objects.get(pk=case.pk).assignee == world.officer1


def test_claim_of_taken_case_is_400(world: QueueWorld) -> None:
    case = case_make(assignee=world.officer1)
    response = _client(world.officer2).post(f"/cases/{case.pk}/claim/", {"version": case.version})
    assert response.status_code == 400
    assert "already worked by officer1" in _text(response)
    assert Case.objects.get(pk=case.pk).assignee == world.officer1


def test_claim_refusal_htmx_row_alert(world: QueueWorld) -> None:
    case = case_make(assignee=world.officer1)
    response = _client(world.officer2).post(
        f"/cases/{case.pk}/claim/", {"version": case.version}, **HTMX
    )
    assert response.status_code == 200
    text = _text(response)
    assert 'role="alert"' in text
    assert "already worked by officer1" in text


@pytest.mark.parametrize("htmx", [False, True])
def test_failed_claim_is_audited_as_a_read(world: QueueWorld, htmx: bool) -> None:
    # The failure page or row shows the person, so it is recorded like any other read.
    case = case_make(given_name="Auditedperson")
    headers = HTMX if htmx else {}
    response = _client(world.officer1).post(
        f"/cases/{case.pk}/claim/", {"version": case.version + 5}, **headers
    )
    assert response.status_code == (200 if htmx else 409)
    if htmx:
        assert "Auditedperson" in _text(response)
    events = _events("case_claim")
    assert len(events) == 1
    assert events[0].object_ids == [str(case.pk)]
    assert events[0].outcome == "failed"
    assert events[0].purpose == "case_work"


def test_claim_without_a_version_is_400(world: QueueWorld) -> None:
    case = case_make()
    response = _client(world.officer1).post(f"/cases/{case.pk}/claim/", {})
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).assignee is None


def test_release_by_another_officer_is_403(world: QueueWorld) -> None:
    case = case_make(assignee=world.officer1)
    response = _client(world.officer2).post(f"/cases/{case.pk}/release/", {"version": case.version})
    assert response.status_code == 403
    assert "only the officer working the case or a supervisor" in _text(response)


def test_another_offices_case_is_404(world: QueueWorld) -> None:
    case = case_make(office="LOS")
    client = _client(world.officer1)
    assert client.post(f"/cases/{case.pk}/claim/", {"version": case.version}).status_code == 404
    assert client.post(f"/cases/{case.pk}/release/", {"version": case.version}).status_code == 404
    assign = _client(world.super1).post(
        f"/cases/{case.pk}/assign/", {"version": case.version, "assignee": world.officer1.pk}
    )
    assert assign.status_code == 404
    assert Case.objects.get(pk=case.pk).assignee is None


def test_assign_by_a_supervisor_notifies_the_officer(world: QueueWorld) -> None:
    case = case_make()
    response = _client(world.super1).post(
        f"/cases/{case.pk}/assign/",
        {"version": case.version, "assignee": world.officer2.pk, "reason": "knows the family"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assignee == world.officer2
    event = CaseEvent.objects.get(case=case, kind="assign")
    assert event.reason == "knows the family"
    assert Notification.objects.filter(user=world.officer2, kind="assigned").count() == 1


def test_assign_refusals(world: QueueWorld) -> None:
    case = case_make()
    officer = _client(world.officer1).post(
        f"/cases/{case.pk}/assign/", {"version": case.version, "assignee": world.officer2.pk}
    )
    assert officer.status_code == 403
    supervisor = _client(world.super1)
    outsider = supervisor.post(
        f"/cases/{case.pk}/assign/", {"version": case.version, "assignee": world.la_officer.pk}
    )
    assert outsider.status_code == 400
    assert "not an officer or supervisor of office NYC" in _text(outsider)
    missing = supervisor.post(
        f"/cases/{case.pk}/assign/", {"version": case.version, "assignee": 987_654}
    )
    assert missing.status_code == 400
    assert "no active user with id 987654" in _text(missing)
    assert Case.objects.get(pk=case.pk).assignee is None


# --- bulk actions -------------------------------------------------------------------------


def test_bulk_page_lists_every_rows_result(world: QueueWorld) -> None:
    done = case_make()
    closed = case_make(state="closed")
    stale = case_make()
    other_office = case_make(office="LOS")
    response = _client(world.super1).post(
        "/cases/bulk/",
        {
            "action": "close_deprioritised",
            "reason": "below current priorities",
            "case": [
                f"{done.pk}:{done.version}",
                f"{closed.pk}:{closed.version}",
                f"{stale.pk}:{stale.version + 1}",
                f"{other_office.pk}:{other_office.version}",
            ],
            "next": "/cases/?state=lead",
        },
    )
    assert response.status_code == 200
    text = _text(response)
    assert "4 cases selected: 1 done, 1 refused, 1 changed by someone else, 1 not found" in text
    assert 'href="/cases/?state=lead"' in text
    assert Case.objects.get(pk=done.pk).state == "closed"
    assert Case.objects.get(pk=stale.pk).state == "lead"
    assert Case.objects.get(pk=other_office.pk).state == "lead"
    # The out-of-office case is reported like a missing one: no link, no state.
    assert f'href="/cases/{other_office.pk}/"' not in text


def test_bulk_over_the_cap_changes_nothing(world: QueueWorld) -> None:
    case = case_make()
    values = [f"{case.pk}:{case.version}"] + [
        f"{n}:1" for n in range(10**6, 10**6 + BULK_MAX_CASES)
    ]
    response = _client(world.super1).post(
        "/cases/bulk/",
        {"action": "close_deprioritised", "reason": "x", "case": values},
    )
    assert response.status_code == 400
    assert f"{BULK_MAX_CASES + 1} cases selected; a bulk action takes at most" in _text(response)
    assert Case.objects.get(pk=case.pk).state == "lead"


def test_bulk_needs_cases_and_an_officer_to_assign(world: QueueWorld) -> None:
    client = _client(world.super1)
    empty = client.post("/cases/bulk/", {"action": "priority_review", "reason": "x"})
    assert empty.status_code == 400
    assert "no cases selected" in _text(empty)
    case = case_make()
    no_officer = client.post(
        "/cases/bulk/", {"action": "assign", "case": [f"{case.pk}:{case.version}"]}
    )
    assert no_officer.status_code == 400
    assert "choose the officer" in _text(no_officer)


def test_bulk_closed_to_officers(world: QueueWorld) -> None:
    case = case_make()
    response = _client(world.officer1).post(
        "/cases/bulk/",
        {"action": "close_deprioritised", "reason": "x", "case": [f"{case.pk}:{case.version}"]},
    )
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).state == "lead"


def test_case_list_offers_bulk_to_supervisors(world: QueueWorld) -> None:
    case = case_make()
    supervisor = _text(_client(world.super1).get("/cases/"))
    assert 'id="bulk-form"' in supervisor
    assert f'value="{case.pk}:{case.version}" form="bulk-form"' in supervisor
    officer = _text(_client(world.officer1).get("/cases/"))
    assert 'id="bulk-form"' not in officer
    assert 'form="bulk-form"' not in officer


# --- saved filters ------------------------------------------------------------------------


def test_saved_filter_save_list_and_delete(world: QueueWorld) -> None:
    client = _client(world.officer1)
    response = client.post(
        "/saved-filters/",
        {"page": "queue", "name": "Vetting", "query": "state=vetting&page=2"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/queue/?state=vetting"
    text = _text(client.get("/queue/"))
    assert 'href="/queue/?state=vetting">Vetting</a>' in text

    saved = world.officer1.saved_filters.get()
    other = _client(world.officer2)
    assert other.post(f"/saved-filters/{saved.pk}/delete/").status_code == 404
    assert ">Vetting</a>" not in _text(other.get("/queue/"))
    assert client.post(f"/saved-filters/{saved.pk}/delete/").status_code == 302
    assert not world.officer1.saved_filters.exists()


def test_saved_filter_on_the_case_list(world: QueueWorld) -> None:
    client = _client(world.analyst)
    response = client.post(
        "/saved-filters/", {"page": "cases", "name": "Tier 1", "query": "tier=1"}
    )
    assert response["Location"] == "/cases/?tier=1"
    assert 'href="/cases/?tier=1">Tier 1</a>' in _text(client.get("/cases/"))


def test_saved_filter_without_a_name_is_not_saved(world: QueueWorld) -> None:
    client = _client(world.officer1)
    response = client.post("/saved-filters/", {"page": "queue", "name": "", "query": "tier=1"})
    assert response.status_code == 302
    assert not world.officer1.saved_filters.exists()
    assert "The filter was not saved" in _text(client.get(response["Location"]))


# --- notifications ------------------------------------------------------------------------


def _notify(user: Any, text: str, minutes_ago: int) -> Notification:
    return Notification.objects.create(
        user=user,
        kind=Notification.Kind.WATCHED,
        text=text,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_notifications_newest_first_and_badge(world: QueueWorld) -> None:
    _notify(world.officer1, "older message", 30)
    _notify(world.officer1, "newer message", 5)
    _notify(world.officer2, "someone else's message", 1)
    client = _client(world.officer1)

    text = _text(client.get("/notifications/"))
    assert text.index("newer message") < text.index("older message")
    assert "someone else" not in text
    assert "2 unread of 2" in text
    # The header of every page carries the badge, with no timed poll that would keep an
    # idle session alive.
    header = _text(client.get("/"))
    assert '<span class="badge badge-case">2 unread</span>' in header
    assert "hx-trigger" not in header.split('id="notifications-badge"')[1].split("</a>")[0]


def test_notifications_mark_read(world: QueueWorld) -> None:
    first = _notify(world.officer1, "first", 3)
    second = _notify(world.officer1, "second", 2)
    foreign = _notify(world.officer2, "foreign", 1)
    client = _client(world.officer1)

    response = client.post(
        "/notifications/read/", {"notification": [first.pk, foreign.pk], "next": "/queue/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/queue/"
    first.refresh_from_db()
    second.refresh_from_db()
    foreign.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None
    assert foreign.read_at is None

    client.post("/notifications/read/", {"all": "1"})
    second.refresh_from_db()
    foreign.refresh_from_db()
    assert second.read_at is not None
    assert foreign.read_at is None
    assert "unread</span>" not in _text(client.get("/"))


# --- overrides ----------------------------------------------------------------------------


def _override(world: QueueWorld) -> GuardOverride:
    case = case_make(state="vetting", assignee=world.officer1)
    Person.objects.filter(pk=case.person_id).update(identity_in_review=True)
    result = workflow.case_transition(
        case_id=case.pk,
        name="assign_for_action",
        actor=world.super1,
        version=case.version,
        reason="go",
        justification=JUSTIFICATION,
    )
    assert result.override is not None
    return result.override


def test_overrides_listed_for_another_supervisor_to_review(world: QueueWorld) -> None:
    override = _override(world)
    author = _client(world.super1)
    reviewer = _client(world.super2)

    author_page = _text(author.get("/overrides/"))
    assert JUSTIFICATION in author_page
    assert "you made this override" in author_page
    assert f'action="/overrides/{override.pk}/review/"' not in author_page
    assert f'action="/overrides/{override.pk}/review/"' in _text(reviewer.get("/overrides/"))
    assert len(_events("override_list_view")) == 2

    refused = author.post(f"/overrides/{override.pk}/review/", {"note": "looks right to me"})
    assert refused.status_code == 302
    assert "may not review their own override" in _text(author.get("/overrides/"))
    override.refresh_from_db()
    assert override.reviewed_at is None

    reviewer.post(f"/overrides/{override.pk}/review/", {"note": "fingerprints on file"})
    override.refresh_from_db()
    assert override.reviewed_by == world.super2
    assert override.review_note == "fingerprints on file"
    assert len(_events("override_review")) == 1


def test_overrides_of_another_office_are_hidden(world: QueueWorld) -> None:
    override = _override(world)
    client = _client(world.la_super)
    assert JUSTIFICATION not in _text(client.get("/overrides/"))
    response = client.post(f"/overrides/{override.pk}/review/", {"note": "not mine to review"})
    assert response.status_code == 404
    override.refresh_from_db()
    assert override.reviewed_at is None
    assert _events("access_denied")[-1].details["route"] == "override_review"


def test_overrides_closed_to_officers(world: QueueWorld) -> None:
    override = _override(world)
    client = _client(world.officer1)
    assert client.get("/overrides/").status_code == 403
    assert client.post(f"/overrides/{override.pk}/review/", {"note": "x"}).status_code == 403


@pytest.mark.parametrize("action", ["priority_review", "close_deprioritised"])
def test_bulk_without_a_reason_changes_nothing(world: QueueWorld, action: str) -> None:
    first = case_make()
    second = case_make()
    selected = [f"{first.pk}:{first.version}", f"{second.pk}:{second.version}"]
    response = _client(world.super1).post(
        "/cases/bulk/", {"action": action, "reason": "   ", "case": selected}
    )
    text = _text(response)
    assert response.status_code == 400
    assert "Nothing was changed" in text
    assert "a reason is required to flag or close cases" in text
    # No row ran, so no row reports a refusal.
    assert "Refused" not in text
    # The form comes back with the action chosen and the same cases selected.
    assert f'<option value="{action}" selected>' in text
    for value in selected:
        assert f'<input type="hidden" name="case" value="{value}">' in text
    for case in (first, second):
        current = Case.objects.get(pk=case.pk)
        assert current.state == "lead"
        assert current.priority_review is False
        assert current.version == case.version


def test_bulk_result_shows_state_labels(world: QueueWorld) -> None:
    case = case_make()
    response = _client(world.super1).post(
        "/cases/bulk/",
        {
            "action": "close_deprioritised",
            "reason": "below current priorities",
            "case": [f"{case.pk}:{case.version}"],
        },
    )
    text = _text(response)
    assert response.status_code == 200
    assert "<td>Closed <small>(version" in text
    assert "<td>closed <small>" not in text


# --- proposals waiting ----------------------------------------------------------------------


def _proposal(case: Case, reason: str) -> Any:
    proposal = workflow.proposal_raise(
        case=case,
        transition="close_self_departed",
        reason=reason,
        evidence={"record_uids": ["departures:D-1"]},
        origin=f"test:{case.pk}",
        now=timezone.now(),
    )
    assert proposal is not None
    return proposal


def test_queue_lists_proposals_in_scope(world: QueueWorld) -> None:
    mine = _proposal(case_make(assignee=world.officer1), "departure for mine")
    unassigned = _proposal(case_make(), "departure for unassigned")
    colleague = _proposal(case_make(assignee=world.officer2), "departure for colleague")
    far = _proposal(case_make(office="LOS"), "departure far away")

    officer_text = _text(_client(world.officer1).get("/queue/"))
    supervisor_text = _text(_client(world.super1).get("/queue/"))

    assert "Proposals waiting" in officer_text
    assert "departure for mine" in officer_text
    assert "departure for unassigned" in officer_text
    assert "departure for colleague" not in officer_text
    assert "departure far away" not in officer_text
    assert f'href="/cases/{mine.case_id}/#proposal-{mine.pk}"' in officer_text
    assert "Close: self-departed" in officer_text
    assert "departure for colleague" in supervisor_text
    assert "departure far away" not in supervisor_text
    assert f'href="/cases/{far.case_id}/' not in supervisor_text
    # The page stays one read event, and it names the cases of the listed proposals.
    events = _events("queue_view")
    assert len(events) == 2
    assert str(colleague.case_id) not in events[0].object_ids
    assert str(unassigned.case_id) in events[0].object_ids
    assert str(colleague.case_id) in events[1].object_ids


def test_queue_omits_decided_proposals(world: QueueWorld) -> None:
    proposal = _proposal(case_make(), "departure already decided")
    proposal.status = "rejected"
    proposal.save(update_fields=["status"])
    text = _text(_client(world.officer1).get("/queue/"))
    assert "departure already decided" not in text
    assert "0 proposals from the pipeline" in text


def test_claim_with_htmx_refreshes_my_cases(world: QueueWorld) -> None:
    case = case_make(given_name="Oobperson")
    other = case_make(given_name="Stayperson")
    response = _client(world.officer1).post(
        f"/cases/{case.pk}/claim/", {"version": case.version, "next": "/queue/"}, **HTMX
    )
    text = _text(response)

    assert response.status_code == 200
    assert f'id="case-row-{case.pk}"' in text
    assert '<p id="mine-count" hx-swap-oob="true">1 open case assigned to you' in text
    assert (
        '<p id="office-count" hx-swap-oob="true">Unassigned open cases matching the filters: 1,'
        in (text)
    )
    mine = text[text.index('<tbody id="mine-rows" hx-swap-oob="true">') :]
    assert f'id="mine-case-row-{case.pk}"' in mine
    assert f'hx-target="#mine-case-row-{case.pk}"' in mine
    # The office table contains the swapped row itself, so it is not refreshed.
    assert 'id="office-rows"' not in text
    assert f"case-row-{other.pk}" not in text
    # The refreshed table names persons, so it is recorded as a read of the queue.
    reads = _events("queue_view")
    assert len(reads) == 1
    assert reads[0].object_ids == [str(case.pk)]
    assert reads[0].details == {"refresh": True}


def test_release_from_my_cases_refreshes_office_queue(world: QueueWorld) -> None:
    case = case_make(assignee=world.officer1, given_name="Backperson")
    response = _client(world.officer1).post(
        f"/cases/{case.pk}/release/",
        {"version": case.version, "next": "/queue/", "row_prefix": "mine-"},
        **HTMX,
    )
    text = _text(response)

    assert response.status_code == 200
    assert text.lstrip().startswith(f'<tr id="mine-case-row-{case.pk}"')
    assert '<p id="mine-count" hx-swap-oob="true">0 open cases assigned to you' in text
    office = text[text.index('<tbody id="office-rows" hx-swap-oob="true">') :]
    assert f'id="case-row-{case.pk}"' in office
    assert 'id="mine-rows"' not in text


def test_claim_from_another_page_sends_only_the_row(world: QueueWorld) -> None:
    case = case_make()
    response = _client(world.officer1).post(
        f"/cases/{case.pk}/claim/", {"version": case.version, "next": "/cases/"}, **HTMX
    )
    assert response.status_code == 200
    assert "hx-swap-oob" not in _text(response)
