"""The departures page, its rejected-events tab and the dashboard's live departures panel."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.utils import timezone

from access.conftest import Offices, offices  # noqa: F401 (a fixture used below)
from immigrationos.audit.models import AuditEvent
from web.departure_events import event_make, rejected_make

pytestmark = pytest.mark.django_db

PURPOSE = "case_work"


def _event_ids(response: Any) -> list[str]:
    return [row.event.event_id for row in response.context["rows"]]


def _audit_events(request_id: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(request_id=request_id))


@pytest.fixture
def four_events(db: None) -> dict[str, str]:
    """Four events that differ in every filtered column; returns event ids by short name."""
    events = {
        "jfk_air": event_make(
            given_name="Alma", port="JFK", mode="air", outcome="matched",
            verification="verified", evidence_kind="boarding_confirmation",
            occurred_at=datetime(2026, 3, 1, 15, 0, tzinfo=UTC),
        ),
        "mia_sea": event_make(
            given_name="Bruno", port="MIA", mode="sea", outcome="review",
            verification="unverified", evidence_kind="carrier_manifest",
            occurred_at=datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
        ),
        "sys_land_arrival": event_make(
            given_name="Celia", kind="arrival", port="SYS", port_tz="America/Los_Angeles",
            mode="land", outcome="unmatched", evidence_kind="biometric_confirmation",
            occurred_at=datetime(2026, 3, 3, 20, 0, tzinfo=UTC),
        ),
        "jfk_disputed": event_make(
            given_name="Dario", port="JFK", mode="air", outcome="unmatched",
            verification="disputed", evidence_kind="carrier_manifest",
            occurred_at=datetime(2026, 3, 4, 15, 0, tzinfo=UTC),
        ),
    }  # fmt: skip
    return {name: event.event_id for name, event in events.items()}


# --- the departures page ------------------------------------------------------------------


def test_departures_lists_newest_first(role_client: Any, four_events: dict[str, str]) -> None:
    response = role_client("analyst", office=None).get("/departures/")

    assert response.status_code == 200
    assert _event_ids(response) == [
        four_events["jfk_disputed"],
        four_events["sys_land_arrival"],
        four_events["mia_sea"],
        four_events["jfk_air"],
    ]
    assert "4 events match." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("port=jfk", ["jfk_disputed", "jfk_air"]),
        ("mode=sea", ["mia_sea"]),
        ("evidence_kind=carrier_manifest", ["jfk_disputed", "mia_sea"]),
        ("outcome=review", ["mia_sea"]),
        ("outcome=unmatched", ["jfk_disputed", "sys_land_arrival"]),
        ("verification=disputed", ["jfk_disputed"]),
        ("kind=arrival", ["sys_land_arrival"]),
        ("kind=departure&port=JFK&outcome=matched", ["jfk_air"]),
        ("date_from=2026-03-02&date_to=2026-03-03", ["sys_land_arrival", "mia_sea"]),
        ("date_from=2026-03-04", ["jfk_disputed"]),
        ("port=LAX", []),
    ],
)
def test_departures_filters_narrow_rows(
    role_client: Any, four_events: dict[str, str], query: str, expected: list[str]
) -> None:
    response = role_client("analyst", office=None).get(f"/departures/?{query}")

    assert response.status_code == 200
    assert _event_ids(response) == [four_events[name] for name in expected]


def test_departures_invalid_range_keeps_valid_filters(
    role_client: Any, four_events: dict[str, str]
) -> None:
    client = role_client("analyst", office=None)
    response = client.get("/departures/?date_from=2026-03-04&date_to=2026-03-01")
    text = response.content.decode()

    assert response.status_code == 200
    assert "The end date 2026-03-01 is before the start date; swap them." in text
    assert "Some filters were not applied" in text
    # The start date alone is valid, so it still applies.
    assert _event_ids(response) == [four_events["jfk_disputed"]]


def test_departures_form_without_javascript(role_client: Any, four_events: dict[str, str]) -> None:
    response = role_client("analyst", office=None).get("/departures/?mode=sea&port=MIA")
    text = response.content.decode()

    # A plain GET returns the whole page, with the form that submits by GET and the chosen
    # values selected, so the filter works with scripts off.
    assert text.startswith("<!doctype html>")
    assert re.search(r'<form method="get" action="/departures/"', text)
    assert re.search(r'<option value="sea" selected>', text)
    assert 'name="port" value="MIA"' in text
    assert "Bruno Testperson" in text
    assert "Alma Testperson" not in text
    assert _event_ids(response) == [four_events["mia_sea"]]


def test_departures_htmx_returns_results_only(
    role_client: Any, four_events: dict[str, str]
) -> None:
    client = role_client("analyst", office=None)
    response = client.get("/departures/?mode=air", headers={"HX-Request": "true"})
    text = response.content.decode()

    assert "<html" not in text
    assert "<form" not in text
    assert '<p id="departures-count" hx-swap-oob="innerHTML">' in text
    assert "2 events match." in text
    assert "Dario Testperson" in text
    assert "Bruno Testperson" not in text

    restore = client.get(
        "/departures/?mode=air",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert restore.content.decode().startswith("<!doctype html>")


def test_departures_row_shows_event_fields(role_client: Any, offices: Offices) -> None:  # noqa: F811
    event_make(
        given_name="Nora", person_id=offices.nyc_person, case_id=offices.nyc_case,
        proposal_id=77, verification="verified", verification_rule="boarding_confirmed",
        verification_reason="boarding confirmed by the carrier",
        status_before="overstay", status_after="departed",
        occurred_at=datetime(2026, 3, 1, 15, 0, tzinfo=UTC),
    )  # fmt: skip
    event_make(
        kind="arrival", given_name="Fern", person_id=offices.free_person, verification="",
        flags=["reentry_after_removal"], occurred_at=datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
    )  # fmt: skip
    text = role_client("officer").get("/departures/").content.decode()

    # 15:00 UTC is 10:00 in New York in March before daylight saving time starts.
    assert (
        '<time datetime="2026-03-01T10:00:00-05:00"><span class="nowrap">2026-03-01</span>'
        "<br>10:00</time> <small>EST</small>" in text
    )
    assert f'<a href="/persons/{offices.nyc_person}/">Nora Testperson</a>' in text
    assert f'<a href="/cases/{offices.nyc_case}/">Case {offices.nyc_case}</a>' in text
    assert f'<a href="/cases/{offices.nyc_case}/#proposal-77">proposal 77</a>' in text
    assert "<summary>Verified</summary>" in text
    assert "boarding confirmed by the carrier" in text
    assert "p = 0.998" in text
    assert "boarding confirmation" in text
    assert "reentry after removal" in text
    assert "not applicable" in text  # the arrival has no verification
    # Dates of birth and documents from the payload are never shown.
    assert "1981-03-14" not in text


def test_departures_pagination(role_client: Any, db: None) -> None:
    from immigrationos.events.models import IncomingEvent

    start = datetime(2026, 3, 1, tzinfo=UTC)
    IncomingEvent.objects.bulk_create(
        [event_make(occurred_at=start + timedelta(minutes=n), save=False) for n in range(51)]
    )
    client = role_client("analyst", office=None)

    first = client.get("/departures/")
    second = client.get("/departures/?page=2")

    assert len(first.context["rows"]) == 50
    assert first.context["rows"][0].event.occurred_at == start + timedelta(minutes=50)
    assert 'href="?page=2"' in first.content.decode()
    assert len(second.context["rows"]) == 1
    assert second.context["rows"][0].event.occurred_at == start
    assert "page 2 of 2" in second.content.decode()


def test_departures_pagination_keeps_filters(role_client: Any, db: None) -> None:
    from immigrationos.events.models import IncomingEvent

    start = datetime(2026, 3, 1, tzinfo=UTC)
    IncomingEvent.objects.bulk_create(
        [event_make(occurred_at=start + timedelta(minutes=n), mode="sea", save=False)
         for n in range(51)]
        + [event_make(occurred_at=start, mode="air", save=False)]
    )  # fmt: skip
    response = role_client("analyst", office=None).get("/departures/?mode=sea&page=2")

    assert [row.event.mode for row in response.context["rows"]] == ["sea"]
    assert 'href="?mode=sea&amp;page=1"' in response.content.decode()


def test_departures_office_scope(role_client: Any, offices: Offices) -> None:  # noqa: F811
    nyc = event_make(given_name="Nora", person_id=offices.nyc_person, case_id=offices.nyc_case)
    los = event_make(given_name="Luis", person_id=offices.los_person, case_id=offices.los_case)
    free = event_make(given_name="Fern", person_id=offices.free_person)
    # No case on the event, but the person's case is in LOS: the person page is out of scope.
    los_no_case = event_make(given_name="Luisa", person_id=offices.los_person)

    officer = role_client("officer")
    supervisor = role_client("supervisor")
    analyst = role_client("analyst", office=None)

    visible = {nyc.event_id, free.event_id}
    assert set(_event_ids(officer.get("/departures/"))) == visible
    assert set(_event_ids(supervisor.get("/departures/"))) == visible
    assert "Luis Testperson" not in officer.get("/departures/").content.decode()
    assert set(_event_ids(analyst.get("/departures/"))) == {
        nyc.event_id, los.event_id, free.event_id, los_no_case.event_id,
    }  # fmt: skip


def test_departures_audit_one_event_with_purpose(
    role_client: Any,
    offices: Offices,  # noqa: F811
) -> None:
    event_make(person_id=offices.nyc_person, case_id=offices.nyc_case)
    event_make(person_id=offices.free_person)
    client = role_client("officer", purpose=PURPOSE)

    response = client.get("/departures/?mode=air", headers={"X-Request-ID": "dep-page-1"})
    htmx = client.get(
        "/departures/?mode=air", headers={"X-Request-ID": "dep-page-2", "HX-Request": "true"}
    )

    assert response.status_code == htmx.status_code == 200
    for request_id in ("dep-page-1", "dep-page-2"):
        events = _audit_events(request_id)
        assert len(events) == 1
        assert events[0].action == "departures_view"
        assert events[0].purpose == PURPOSE
        assert events[0].object_ids == sorted([offices.nyc_person, offices.free_person])
        assert events[0].details["filters"] == {"mode": "air"}


def test_departures_need_purpose(role_client: Any, db: None) -> None:
    client = role_client("officer", purpose=None)

    response = client.get("/departures/")
    live = client.get("/departures/live/", headers={"HX-Request": "true"})

    assert response.status_code == 302
    assert response["Location"].startswith("/purpose/?next=")
    assert live["HX-Redirect"].startswith("/purpose/?next=")
    assert not AuditEvent.objects.filter(action__startswith="departures").exists()


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("analyst", True),
        ("officer", True),
        ("supervisor", True),
        ("auditor", False),
        ("privacy_officer", False),
        ("admin", False),
    ],
)
def test_departures_routes_by_role(role_client: Any, db: None, role: str, allowed: bool) -> None:
    client = role_client(role, office="NYC" if role in ("officer", "supervisor") else None)
    for path in ("/departures/", "/departures/live/"):
        response = client.get(path)
        assert (response.status_code == 200) is allowed, path
        assert (response.status_code == 403) is not allowed, path
    nav = client.get("/").content.decode()
    assert ('href="/departures/"' in nav) is allowed


# --- rejected events ------------------------------------------------------------------------


def test_rejected_events_listed(role_client: Any, db: None) -> None:
    received = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    older = rejected_make(
        received_at=received, event_id="BAD-1",
        errors=[{"field": "port", "message": "'XX' is not a known port"}],
    )  # fmt: skip
    newer = rejected_make(
        received_at=received + timedelta(hours=1), event_id="BAD-2",
        errors=[{"field": "mode", "message": "'rail' is not one of air, sea, land"},
                {"field": "timestamp", "message": "missing"}],
    )  # fmt: skip
    client = role_client("analyst", office=None, purpose="data_quality")

    response = client.get("/departures/?tab=rejected", headers={"X-Request-ID": "rejected-1"})
    text = response.content.decode()

    assert response.status_code == 200
    assert [rejected.event_id for rejected in response.context["page"]] == ["BAD-2", "BAD-1"]
    assert "&#x27;rail&#x27; is not one of air, sea, land" in text
    assert "&#x27;XX&#x27; is not a known port" in text
    assert older.source_ref in text
    assert "SECRETPASS1" not in text
    assert "2 rejected events." in text
    events = _audit_events("rejected-1")
    assert len(events) == 1
    assert events[0].action == "rejected_events_view"
    assert events[0].object_ids == [str(newer.pk), str(older.pk)]
    assert events[0].purpose == "data_quality"


def test_rejected_errors_on_masked_fields_withheld(role_client: Any, db: None) -> None:
    rejected_make(
        received_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC), event_id="BAD-3",
        errors=[{"field": "passport_no", "message": "passport_no 'EP8719097!' is invalid"},
                {"field": "dob", "message": "dob '1979-02-30' is not a date"},
                {"field": "port", "message": "'XX' is not a known port"}],
    )  # fmt: skip
    analyst = role_client("analyst", office=None, purpose="data_quality")
    text = analyst.get("/departures/?tab=rejected").content.decode()

    assert "EP8719097" not in text
    assert "1979-02-30" not in text
    assert "withheld for your role" in text
    assert "&#x27;XX&#x27; is not a known port" in text


def test_rejected_events_for_analysts_and_supervisors(role_client: Any, db: None) -> None:
    supervisor = role_client("supervisor")
    officer = role_client("officer")

    assert supervisor.get("/departures/?tab=rejected").status_code == 200
    assert 'href="/departures/?tab=rejected"' in supervisor.get("/departures/").content.decode()
    denied = officer.get("/departures/?tab=rejected")
    assert denied.status_code == 403
    assert AuditEvent.objects.filter(action="access_denied").count() == 1
    assert 'href="/departures/?tab=rejected"' not in officer.get("/departures/").content.decode()


# --- the live panel -------------------------------------------------------------------------


@pytest.fixture
def live_events(offices: Offices) -> dict[str, Any]:  # noqa: F811
    now = timezone.now()
    return {
        "recent_matched": event_make(
            given_name="Ana", occurred_at=now - timedelta(minutes=10), outcome="matched",
            person_id=offices.nyc_person, case_id=offices.nyc_case,
        ),
        "recent_review": event_make(
            given_name="Bea", occurred_at=now - timedelta(minutes=40), outcome="review",
            person_id=offices.free_person,
        ),
        "hours_ago_unmatched": event_make(
            given_name="Cy", occurred_at=now - timedelta(hours=3), outcome="unmatched",
            person_id=offices.free_person,
        ),
        "yesterday": event_make(
            given_name="Dee", occurred_at=now - timedelta(hours=30), outcome="matched",
            person_id=offices.free_person,
        ),
        "arrival": event_make(
            given_name="Eve", kind="arrival", occurred_at=now - timedelta(minutes=5),
            person_id=offices.free_person,
        ),
        "los": event_make(
            given_name="Luis", occurred_at=now - timedelta(minutes=20), outcome="matched",
            person_id=offices.los_person, case_id=offices.los_case,
        ),
    }  # fmt: skip


def _windows(response: Any) -> dict[str, tuple[int, int, int, int]]:
    return {
        window.key: (window.total, window.matched, window.review, window.unmatched)
        for window in response.context["live"].windows
    }


def test_live_counts_last_hour_and_day(role_client: Any, live_events: dict[str, Any]) -> None:
    response = role_client("analyst", office=None).get("/departures/live/")

    # Departures only: the arrival and the departure 30 hours ago count in neither window.
    assert _windows(response) == {
        "last_hour": (3, 2, 1, 0),
        "last_24_hours": (4, 2, 1, 1),
    }
    latest = [row.event.event_id for row in response.context["live"].latest]
    assert latest == [
        live_events[name].event_id
        for name in ("recent_matched", "los", "recent_review", "hours_ago_unmatched", "yesterday")
    ]


def test_live_counts_office_scope(role_client: Any, live_events: dict[str, Any]) -> None:
    response = role_client("officer").get("/departures/live/")
    text = response.content.decode()

    assert _windows(response) == {
        "last_hour": (2, 1, 1, 0),
        "last_24_hours": (3, 1, 1, 1),
    }
    assert "Luis Testperson" not in text
    assert "Ana Testperson" in text


def test_live_partial_audit_and_markup(role_client: Any, live_events: dict[str, Any]) -> None:
    client = role_client("officer", purpose=PURPOSE)

    response = client.get(
        "/departures/live/", headers={"X-Request-ID": "live-panel-1", "HX-Request": "true"}
    )
    text = response.content.decode()

    assert "<html" not in text
    assert "aria-live" not in text
    assert "<caption>Latest 4 departures</caption>" in text
    assert re.search(r"Updated <time datetime=\"[^\"]+\">\d\d:\d\d:\d\d", text)
    events = _audit_events("live-panel-1")
    assert len(events) == 1
    assert events[0].action == "departures_live_view"
    assert events[0].purpose == PURPOSE
    assert events[0].object_ids == sorted(
        {live_events["recent_matched"].person_id, live_events["recent_review"].person_id}
    )
    assert events[0].details == {"last_hour": 2, "last_24_hours": 3}


def test_live_marks_events_since_last_poll(role_client: Any, offices: Offices) -> None:  # noqa: F811
    now = timezone.now()
    previous_poll = now - timedelta(seconds=10)
    event_make(given_name="New", occurred_at=now, applied_at=now, person_id=offices.free_person)
    event_make(
        given_name="Old",
        occurred_at=now - timedelta(minutes=5),
        applied_at=previous_poll - timedelta(seconds=1),
        person_id=offices.free_person,
    )
    client = role_client("analyst", office=None)

    polled = client.get("/departures/live/", {"since": previous_poll.isoformat()})
    first = client.get("/departures/live/")
    invalid = client.get("/departures/live/", {"since": "yesterday"})

    row_start = r"<tr( class=\"fresh\")?>\s*<td class=\"nowrap\">"
    assert re.findall(row_start, polled.content.decode()) == [' class="fresh"', ""]
    assert re.findall(row_start, first.content.decode()) == ["", ""]
    assert re.findall(row_start, invalid.content.decode()) == ["", ""]
    # The next poll sends this render's time, so it highlights only events applied after it.
    refreshed = polled.context["refreshed_at"]
    assert f"/departures/live/?since={quote(refreshed.isoformat(), safe='')}" in (
        polled.content.decode()
    )


def test_dashboard_panel_polls_live_route(role_client: Any, live_events: dict[str, Any]) -> None:
    client = role_client("officer", purpose=PURPOSE)

    response = client.get("/", headers={"X-Request-ID": "dashboard-1"})
    text = response.content.decode()

    assert response.status_code == 200
    assert re.search(
        r'<div id="departures-live" hx-get="/departures/live/\?since=[^"]+" '
        r'hx-trigger="every 10s" hx-swap="outerHTML">',
        text,
    )
    assert '<h2 id="departures-live-heading">' in text
    assert "Ana Testperson" in text
    assert _windows(response)["last_hour"] == (2, 1, 1, 0)
    events = _audit_events("dashboard-1")
    assert [event.action for event in events] == ["departures_live_view"]


def test_dashboard_panel_asks_for_purpose(role_client: Any, db: None) -> None:
    response = role_client("officer", purpose=None).get(
        "/", headers={"X-Request-ID": "dashboard-2"}
    )
    text = response.content.decode()

    assert response.status_code == 200
    assert "departures-live-heading" in text
    assert 'hx-get="/departures/live/"' not in text
    assert 'href="/purpose/?next=/"' in text
    assert _audit_events("dashboard-2") == []


@pytest.mark.parametrize("role", ["auditor", "privacy_officer", "admin"])
def test_dashboard_panel_hidden_for_role(role_client: Any, db: None, role: str) -> None:
    response = role_client(role, office=None).get("/")
    text = response.content.decode()

    assert response.status_code == 200
    assert "departures-live" not in text
    assert "live" not in response.context


def test_live_windows_count_by_instant(role_client: Any, db: None) -> None:
    # The windows count by the instant of departure, never by the calendar date at the port.
    now = timezone.now()
    event_make(
        occurred_at=now - timedelta(minutes=1), port="LAX", port_tz="America/Los_Angeles",
        person_id="P-free", local_date=date(2000, 1, 1),
    )  # fmt: skip
    response = role_client("analyst", office=None).get("/departures/live/")

    assert _windows(response)["last_hour"] == (1, 1, 0, 0)
