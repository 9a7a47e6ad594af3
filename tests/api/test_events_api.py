"""POST /api/v1/events and the event lookups: authentication, body checks, per-event results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from events.world import JORG, RENEE, event, world_load

pytestmark = pytest.mark.django_db


def _token_client(role: str, name: str) -> Client:
    from immigrationos.access.roles import user_role_assign
    from immigrationos.access.tokens import api_token_create

    user = get_user_model().objects.create_user(username=name)
    user_role_assign(user=user, role=role, office_code=None)
    token = api_token_create(user=user, partner=f"{name} system")
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def feed(db: None, tmp_path: Path) -> Client:
    world_load(tmp_path)
    return _token_client("event_source", "manifest-feed")


def _post(client: Client, body: Any) -> Any:
    return client.post(
        "/api/v1/events",
        data=body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
    )


def test_batch_applies_each_event_and_reports_it(feed: Client) -> None:
    bad = event("EV-BAD", RENEE, mode="bicycle")
    response = _post(feed, {"events": [event("EV-1", RENEE), bad, event("EV-2", JORG, port="MIA")]})
    assert response.status_code == 200
    body = response.json()
    assert (body["received"], body["applied"], body["rejected"], body["duplicates"]) == (3, 2, 1, 0)
    first, rejected, second = body["results"]
    assert (first["event_id"], first["result"], first["outcome"]) == ("EV-1", "applied", "matched")
    assert first["verification"] == "verified"
    # A source system never learns which person or case its event touched.
    assert "person_id" not in first and "case_id" not in first
    assert rejected["result"] == "rejected"
    assert rejected["errors"][0]["field"] == "mode"
    assert "bicycle" in rejected["message"]
    assert second["outcome"] == "matched"


def test_resent_batch_reports_duplicates(feed: Client) -> None:
    from immigrationos.events.models import IncomingEvent

    body = {"events": [event("EV-1", RENEE)]}
    _post(feed, body)
    again = _post(feed, body).json()
    assert (again["applied"], again["duplicates"]) == (0, 1)
    assert again["results"][0]["outcome"] == "matched"
    assert IncomingEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("not json", "not JSON"),
        ([], 'one key, "events"'),
        ({"events": []}, "empty"),
        ({"events": {"event_id": "x"}}, 'one key, "events"'),
        ({"events": [], "extra": 1}, 'one key, "events"'),
    ],
)
def test_malformed_body_is_rejected_whole(feed: Client, body: Any, expected: str) -> None:
    response = _post(feed, body)
    assert response.status_code == 400
    assert expected in response.json()["message"]


def test_batch_over_the_limit_is_rejected(feed: Client, settings: Any) -> None:
    settings.IMMIGRATIONOS_EVENTS_MAX_BATCH = 2
    response = _post(feed, {"events": [event(f"EV-{n}", RENEE) for n in range(3)]})
    assert response.status_code == 400
    assert "at most 2" in response.json()["message"]


def test_event_lookup_and_list(feed: Client) -> None:
    _post(feed, {"events": [event("EV-1", RENEE), event("EV-2", JORG, port="MIA")]})
    found = feed.get("/api/v1/events/EV-2")
    assert found.status_code == 200
    assert (found.json()["outcome"], found.json()["port"]) == ("matched", "MIA")
    assert "person_id" not in found.json()
    assert feed.get("/api/v1/events/EV-none").status_code == 404
    listed = feed.get("/api/v1/events", {"limit": 1}).json()
    assert listed["count"] == 1
    everything = feed.get("/api/v1/events", {"since": "2000-01-01T00:00:00Z"}).json()
    assert {e["event_id"] for e in everything["events"]} == {"EV-1", "EV-2"}
    assert feed.get("/api/v1/events", {"limit": 0}).status_code == 400


def test_only_event_sources_may_send(feed: Client) -> None:
    body = {"events": [event("EV-1", RENEE)]}
    assert _post(Client(), body).status_code == 401
    partner = _token_client("partner", "partner-agency")
    assert _post(partner, body).status_code == 403
    bad_token = Client(headers={"Authorization": "Bearer nope"})
    assert _post(bad_token, body).status_code == 401


def test_no_model_loaded_is_a_clear_503(db: None) -> None:
    client = _token_client("event_source", "early-feed")
    response = _post(client, {"events": [event("EV-1", RENEE)]})
    assert response.status_code == 503
    assert "run the pipeline" in response.json()["message"]


def test_openapi_documents_the_event_fields(feed: Client) -> None:
    document = feed.get("/api/v1/openapi.json").json()
    body = document["paths"]["/api/v1/events"]["post"]["requestBody"]
    items = body["content"]["application/json"]["schema"]["properties"]["events"]["items"]
    fields = set(items["properties"])
    expected = {
        "event_id", "kind", "timestamp", "port", "mode", "carrier", "evidence_kind",
        "given_name", "family_name", "dob", "sex", "nationality", "passport_no",
    }  # fmt: skip
    assert expected <= fields
    assert all(items["properties"][name].get("description") for name in fields)


def test_sources_see_only_their_own_events(feed: Client) -> None:
    _post(feed, {"events": [event("EV-1", RENEE)]})
    other = _token_client("event_source", "other-feed")
    assert other.get("/api/v1/events/EV-1").status_code == 404
    assert other.get("/api/v1/events").json()["count"] == 0
    assert feed.get("/api/v1/events").json()["count"] == 1


def test_event_id_of_an_extract_row_stays_apart(feed: Client) -> None:
    from immigrationos.cases.models import SourceRecord

    # The world's arrival extract row has record id A-1; an event with that id is another record.
    body = event("A-1", {**RENEE, "given": "Zzyzx", "family": "Qwerty", "passport": "ZZ0000001"},
                 kind="arrival")  # fmt: skip
    result = _post(feed, {"events": [body]}).json()["results"][0]
    assert result["outcome"] == "unmatched"
    assert SourceRecord.objects.get(record_uid="arrivals:A-1").person_id == "P1"
    assert SourceRecord.objects.get(record_uid="arrivals:event:A-1").person_id != "P1"


@pytest.mark.parametrize(
    ("events", "field"),
    [
        ([{"a": 1}], "event_id"),
        ([event("EV-OLD", RENEE, timestamp="2021-03-01T10:00:00-05:00")], "timestamp"),
        ([event("EV-LONG", RENEE, carrier="C" * 150)], "carrier"),
        ([event("EV-SUR", RENEE, given_name="Ren\ud800e")], ""),
    ],
)
def test_hostile_events_are_rejected(feed: Client, events: list[Any], field: str) -> None:
    response = _post(feed, {"events": events})
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert result["result"] == "rejected"
    assert field in {error["field"] for error in result["errors"]}


def test_deeply_nested_body_is_a_400(feed: Client) -> None:
    response = _post(feed, '{"events": [' + '{"a":' * 5000 + "1" + "}" * 5000 + "]}")
    assert response.status_code == 400
