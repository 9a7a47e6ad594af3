"""The event schema: field checks, normalisation, local dates, rejections and record rows."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from departure_builders import (
    DROP,
    NOW,
    accepted,
    arrival_item,
    departure_item,
    error_fields,
    rejected,
)
from pydantic import ValidationError

from immigrationos.departures.errors import EventInvalid
from immigrationos.departures.event_fields import ARRIVAL_EXAMPLE, DEPARTURE_EXAMPLE
from immigrationos.departures.event_messages import EXPECTED
from immigrationos.departures.schema import (
    CLOCK_SKEW_ALLOWED,
    Event,
    EventIn,
    EventRejection,
    Location,
    LocationIn,
    event_duplicate_check,
    event_parse_json,
    event_record_row,
    events_parse,
    payload_hash_of,
)
from immigrationos.status.records import Arrival, Departure, record_from_row

# --- accepted events and their normalised values -------------------------------------------


def test_examples_in_schema_are_accepted() -> None:
    departure = accepted(DEPARTURE_EXAMPLE)
    arrival = accepted(ARRIVAL_EXAMPLE)

    assert departure.kind == "departure"
    assert departure.location == Location(32.37, -116.95)
    assert departure.face_match is True
    assert arrival.kind == "arrival"
    assert arrival.admit_until == date(2026, 8, 31)


def test_codes_upper_cased_and_names_stripped() -> None:
    event = accepted(
        departure_item(
            port="jfk",
            nationality="mex",
            passport_no="g 123-45678",
            passport_country="mex",
            a_number="a12345678",
            sex="f",
            given_name="  Ana   María ",
            family_name=" de la  Cruz ",
        )
    )

    assert event.port == "JFK"
    assert event.nationality == "MEX"
    assert event.passport_no == "G12345678"
    assert event.passport_country == "MEX"
    assert event.a_number == "012345678"
    assert event.sex == "F"
    assert event.given_name == "Ana María"
    assert event.family_name == "de la Cruz"


def test_blank_optional_fields_count_as_absent() -> None:
    event = accepted(departure_item(carrier="  ", nationality="", sex=None))

    assert event.carrier is None
    assert event.nationality is None
    assert event.sex is None


@pytest.mark.parametrize(
    ("port", "timestamp", "port_tz", "local", "utc", "zone"),
    [
        # 23:30 in Honolulu (UTC-10) is 09:30 UTC the next day; the date stays the 20th.
        ("HNL", "2026-02-20T23:30:00", None, "2026-02-20T23:30", "2026-02-21T09:30",
         "Pacific/Honolulu"),
        # The same instant sent in UTC is still the 20th at the port.
        ("HNL", "2026-02-21T09:30:00Z", None, "2026-02-20T23:30", "2026-02-21T09:30",
         "Pacific/Honolulu"),
        # 15:00 UTC is 01:00 the next day in Guam (UTC+10).
        ("GUM", "2026-02-20T15:00:00Z", None, "2026-02-21T01:00", "2026-02-20T15:00",
         "Pacific/Guam"),
        # ISO 8601 basic format.
        ("JFK", "20260220T2330", None, "2026-02-20T23:30", "2026-02-21T04:30",
         "America/New_York"),
        # An unknown port keeps the offset the producer sent.
        ("ZZX", "2026-02-20T23:30:00-03:00", None, "2026-02-20T23:30", "2026-02-21T02:30",
         None),
        # An unknown port reads a time without offset in port_tz.
        ("ZZX", "2026-02-20T23:30:00", "America/Sao_Paulo", "2026-02-20T23:30",
         "2026-02-21T02:30", "America/Sao_Paulo"),
        # An alias of the port's zone is accepted and replaced by the port's zone.
        ("SYS", "2026-02-20T23:30:00", "US/Pacific", "2026-02-20T23:30", "2026-02-21T07:30",
         "America/Los_Angeles"),
    ],
)  # fmt: skip
def test_timestamp_placed_at_port(
    port: str, timestamp: str, port_tz: str | None, local: str, utc: str, zone: str | None
) -> None:
    event = accepted(departure_item(port=port, timestamp=timestamp, port_tz=port_tz or DROP))

    assert event.local_timestamp.isoformat(timespec="minutes")[:16] == local
    assert event.local_date == date.fromisoformat(local[:10])
    assert event.timestamp.tzinfo == UTC
    assert event.timestamp.isoformat(timespec="minutes")[:16] == utc
    assert event.port_tz == zone


def test_timestamp_without_zone_rejected() -> None:
    rejection = rejected(departure_item(port="ZZX", timestamp="2026-02-20T23:30:00"))

    assert [error.field for error in rejection.errors] == ["timestamp"]
    assert "no UTC offset" in rejection.errors[0].message
    assert "send port_tz" in rejection.errors[0].message


def test_port_tz_of_other_offset_rejected() -> None:
    rejection = rejected(departure_item(port="SYS", port_tz="America/New_York"))

    assert [error.field for error in rejection.errors] == ["port_tz"]
    assert "'America/Los_Angeles'" in rejection.errors[0].message
    assert "UTC-05:00 against UTC-08:00" in rejection.errors[0].message


def test_invalid_port_tz_rejected() -> None:
    assert error_fields(departure_item(port_tz="Mars/Olympus")) == ["port_tz"]


# --- times in the future ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ahead", "ok"),
    [
        (timedelta(0), True),
        (CLOCK_SKEW_ALLOWED, True),
        (CLOCK_SKEW_ALLOWED + timedelta(minutes=1), False),
    ],
)
def test_future_timestamp_beyond_skew_rejected(ahead: timedelta, ok: bool) -> None:
    stamp = (NOW + ahead).isoformat()
    events, rejections = events_parse([departure_item(timestamp=stamp)], now=NOW)

    assert len(events) == (1 if ok else 0)
    if not ok:
        assert rejections[0].errors[0].field == "timestamp"
        assert "11 minutes after the current time" in rejections[0].errors[0].message


def test_future_sent_at_rejected() -> None:
    stamp = (NOW + timedelta(hours=1)).isoformat()

    assert error_fields(departure_item(sent_at=stamp)) == ["sent_at"]


def test_sent_at_without_offset_rejected() -> None:
    rejection = rejected(departure_item(sent_at="2026-03-02T07:00:00"))

    assert rejection.errors[0].field == "sent_at"
    assert "no UTC offset" in rejection.errors[0].message


def test_sent_at_kept_in_utc() -> None:
    event = accepted(departure_item(sent_at="2026-03-02T09:00:05+02:00"))

    assert event.sent_at == datetime(2026, 3, 2, 7, 0, 5, tzinfo=UTC)


def test_clock_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        events_parse([departure_item()], now=datetime(2026, 3, 2, 8, 0))


# --- rules across fields ---------------------------------------------------------------------


def test_one_name_is_enough() -> None:
    assert accepted(departure_item(given_name=DROP)).family_name == "Reyes"
    assert accepted(departure_item(family_name=DROP)).given_name == "Ana"


def test_no_name_rejected() -> None:
    rejection = rejected(departure_item(given_name=DROP, family_name=""))

    assert [error.field for error in rejection.errors] == ["given_name"]
    assert "given_name or family_name is required" in rejection.errors[0].message


@pytest.mark.parametrize(
    ("changes", "ok"),
    [
        ({"passport_no": DROP}, True),  # name and dob
        ({"passport_no": DROP, "dob": DROP, "a_number": "A12345678"}, True),
        ({"dob": DROP}, True),  # passport number
        ({"passport_no": DROP, "dob": DROP}, False),
        ({"passport_no": DROP, "given_name": DROP, "family_name": DROP}, False),
    ],
)
def test_identifier_or_name_and_dob_needed(changes: dict[str, Any], ok: bool) -> None:
    events, rejections = events_parse([departure_item(**changes)], now=NOW)

    assert len(events) == (1 if ok else 0)
    if not ok:
        assert "passport_no" in [error.field for error in rejections[0].errors]


@pytest.mark.parametrize(
    ("item", "field", "words"),
    [
        (departure_item(evidence_kind="admission"), "evidence_kind", "does not fit kind"),
        (arrival_item(evidence_kind="carrier_manifest"), "evidence_kind", "expected admission"),
        (arrival_item(class_of_admission=DROP), "class_of_admission", "required for an arrival"),
        (departure_item(class_of_admission="B2"), "class_of_admission", "only for arrivals"),
        (departure_item(admit_until="2026-05-01"), "admit_until", "only for arrivals"),
        (departure_item(location={"latitude": 20.0, "longitude": -99.0}), "location",
         "only for land_exit and self_reported"),
        (departure_item(evidence_kind="land_exit", mode="air"), "mode", "send mode 'land'"),
        (departure_item(dob="2026-03-02"), "dob", "later than the event's date"),
        (departure_item(dob="1901-01-01"), "dob", "older than 110"),
        (arrival_item(admit_until="2026-02-28"), "admit_until", "before the admission date"),
    ],
)  # fmt: skip
def test_rule_across_fields_rejected(item: dict[str, Any], field: str, words: str) -> None:
    rejection = rejected(item)

    assert [error.field for error in rejection.errors] == [field]
    assert words in rejection.errors[0].message


def test_duration_of_status_accepted() -> None:
    event = accepted(arrival_item(admit_until="d/s"))

    assert event.duration_of_status is True
    assert event.admit_until is None


def test_located_exit_keeps_location_and_face_match() -> None:
    event = accepted(
        departure_item(
            evidence_kind="self_reported",
            port="SYS",
            mode="land",
            location={"latitude": 31.8667, "longitude": -116.5964},
            face_match=False,
        )
    )

    assert event.location == Location(31.8667, -116.5964)
    assert event.face_match is False


def test_event_in_alone_enforces_rules() -> None:
    with pytest.raises(ValidationError) as caught:
        EventIn.model_validate(arrival_item(class_of_admission=DROP), context={"now": NOW})

    assert [error["loc"] for error in caught.value.errors()] == [("class_of_admission",)]


# --- field checks and their messages -----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"event_id": "dep 1"}, "event_id", "not a valid event id"),
        ({"event_id": "x" * 101}, "event_id", "1 to 100"),
        ({"event_id": 17}, "event_id", "must be a string"),
        ({"kind": "exit"}, "kind", "'exit' is not one of: 'departure' or 'arrival'"),
        ({"mode": "rail"}, "mode", "'rail' is not one of: 'air', 'sea' or 'land'"),
        ({"evidence_kind": "gps"}, "evidence_kind", "'gps' is not one of"),
        ({"timestamp": "2026-03-01"}, "timestamp", "with a time of day"),
        ({"timestamp": "01/03/2026 10:00"}, "timestamp", "not an ISO 8601 timestamp"),
        ({"timestamp": "1850-03-01T10:00:00Z"}, "timestamp", "plausible years"),
        ({"timestamp": 1772359200}, "timestamp", "-10:00', got a number"),
        ({"port": "J-K"}, "port", "not a port code"),
        ({"port": DROP}, "port", "port is required"),
        ({"dob": "1990-02-30"}, "dob", "not a real calendar date"),
        ({"dob": "12/04/1990"}, "dob", "must be a date string 'YYYY-MM-DD'"),
        ({"dob": 19900412}, "dob", "got int"),
        ({"sex": "male"}, "sex", "not one of M, F, X"),
        ({"nationality": "MX"}, "nationality", "ISO 3166-1 alpha-3"),
        ({"passport_no": "G#1"}, "passport_no", "not a document number"),
        ({"a_number": "A12"}, "a_number", "not an A-number"),
        ({"given_name": "Ana\x00"}, "given_name", "control character"),
        ({"face_match": "true"}, "face_match", "must be true or false, got the string 'true'"),
        ({"carrier": ["UA"]}, "carrier", "got an array"),
        ({"pasport_no": "G1"}, "pasport_no", "did you mean 'passport_no'?"),
        ({"location": [1, 2]}, "location", "must be an object"),
    ],
)  # fmt: skip
def test_invalid_field_named(changes: dict[str, Any], field: str, words: str) -> None:
    rejection = rejected(departure_item(**changes))
    messages = {error.field: error.message for error in rejection.errors}

    assert field in messages
    assert words in messages[field]
    assert messages[field].startswith(field)


@pytest.mark.parametrize(
    ("location", "field", "words"),
    [
        ({"latitude": 91.0, "longitude": 0.0}, "location.latitude", "out of range"),
        ({"latitude": 0.0, "longitude": -180.5}, "location.longitude", "out of range"),
        ({"latitude": "45.1", "longitude": 0.0}, "location.latitude", "got the string"),
        ({"latitude": True, "longitude": 0.0}, "location.latitude", "got a boolean"),
        ({"latitude": float("nan"), "longitude": 0.0}, "location.latitude", "out of range"),
        ({"latitude": 1.0}, "location.longitude", "is required"),
        ({"latitude": 1.0, "longitude": 2.0, "alt": 3}, "location.alt", "remove it"),
    ],
)
def test_invalid_location_named(location: dict[str, Any], field: str, words: str) -> None:
    item = departure_item(evidence_kind="land_exit", mode="land", port="SYS", location=location)
    messages = {error.field: error.message for error in rejected(item).errors}

    assert list(messages) == [field]
    assert words in messages[field]


def test_integer_coordinates_accepted() -> None:
    item = departure_item(
        evidence_kind="self_reported", location={"latitude": 19, "longitude": -99}
    )

    assert accepted(item).location == Location(19.0, -99.0)


def test_every_problem_reported_at_once() -> None:
    item = departure_item(
        kind="exit",
        port="?",
        given_name=DROP,
        family_name=DROP,
        passport_no=DROP,
        extra="x",
    )
    rejection = rejected(item)

    assert [error.field for error in rejection.errors] == [
        "kind",
        "port",
        "extra",
        "given_name",
        "passport_no",
    ]


def test_rejection_message_names_event_and_fields() -> None:
    rejection = rejected(departure_item(event_id="dep-7", mode="rail", sex="Q"))

    assert rejection.message.startswith("event 0 (event_id 'dep-7') was rejected: ")
    assert "mode 'rail'" in rejection.message
    assert "sex 'Q'" in rejection.message


def test_messages_free_of_pydantic_wording() -> None:
    item = {"event_id": 5, "kind": 1, "timestamp": [], "location": "here", "dob": {}, "zz": 1}
    _, rejections = events_parse([item], now=NOW)

    for error in rejections[0].errors:
        for wording in ("pydantic", "http", "Input should", "Value error", "type="):
            assert wording not in error.message


def test_expected_forms_cover_every_field() -> None:
    fields = set(EventIn.model_fields)
    nested = {f"location.{name}" for name in ("latitude", "longitude")}

    assert set(EXPECTED) == fields | nested


def test_json_schema_describes_every_field() -> None:
    schema = EventIn.model_json_schema()
    location = schema["properties"]["location"]["anyOf"][0]

    assert "$defs" not in schema
    assert schema["additionalProperties"] is False
    assert location["additionalProperties"] is False
    for name, spec in [*schema["properties"].items(), *location["properties"].items()]:
        assert spec.get("description"), name
    assert set(schema["required"]) == {"event_id", "kind", "evidence_kind", "timestamp", "port",
                                       "mode"}  # fmt: skip


def test_inline_location_schema_matches_model() -> None:
    inline = EventIn.model_json_schema()["properties"]["location"]["anyOf"][0]
    model = LocationIn.model_json_schema()

    assert inline["required"] == model["required"]
    assert inline["additionalProperties"] is model["additionalProperties"] is False
    for name, spec in model["properties"].items():
        assert {key: spec[key] for key in ("type", "minimum", "maximum", "description")} == (
            inline["properties"][name]
        )


# --- batches --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "words"),
    [
        (5, "a number"),
        ("dep-1", "the string 'dep-1'"),
        ([departure_item()], "an array"),
        (None, "null"),
        (True, "a boolean"),
    ],
)
def test_non_object_rejected(item: Any, words: str) -> None:
    rejection = rejected(item)

    assert rejection.event_id is None
    assert [error.field for error in rejection.errors] == [""]
    assert f"the event is {words}, not a JSON object" in rejection.errors[0].message


def test_bad_event_spares_neighbours() -> None:
    items = [departure_item(event_id="a"), departure_item(event_id="b", mode="x"), arrival_item()]
    events, rejections = events_parse(items, now=NOW)

    assert [event.event_id for event in events] == ["a", "arr-1"]
    assert [(rejection.index, rejection.event_id) for rejection in rejections] == [(1, "b")]


def test_invalid_event_id_not_named() -> None:
    assert rejected(departure_item(event_id="bad id")).event_id is None


def test_repeat_with_same_content_accepted() -> None:
    first = departure_item()
    resent = {**departure_item(), "sent_at": "2026-03-02T07:59:00Z"}
    events, rejections = events_parse([first, resent], now=NOW)

    assert len(events) == 2
    assert rejections == []
    assert events[0].payload_hash == events[1].payload_hash


def test_reused_event_id_with_other_content_rejected() -> None:
    items = [departure_item(), arrival_item(), departure_item(carrier="AA")]
    events, rejections = events_parse(items, now=NOW)

    assert [event.event_id for event in events] == ["dep-1", "arr-1"]
    assert rejections[0].index == 2
    assert rejections[0].errors[0].field == "event_id"
    assert "also used by event 0 of this batch" in rejections[0].errors[0].message


def test_rejected_first_frees_event_id() -> None:
    events, rejections = events_parse([departure_item(mode="x"), departure_item()], now=NOW)

    assert [event.event_id for event in events] == ["dep-1"]
    assert [rejection.index for rejection in rejections] == [0]


def test_string_batch_raises_type_error() -> None:
    with pytest.raises(TypeError, match="parse the request body first"):
        events_parse(json.dumps([departure_item()]), now=NOW)


# --- hashes and duplicates ----------------------------------------------------------------------


def test_payload_hash_ignores_key_order_and_sent_at() -> None:
    item = departure_item()
    reordered = dict(reversed(list(item.items())))

    assert payload_hash_of(item) == payload_hash_of(reordered)
    assert payload_hash_of(item) == payload_hash_of({**item, "sent_at": "2026-03-02T07:00:00Z"})
    assert payload_hash_of(item) != payload_hash_of({**item, "given_name": "ANA"})


def test_duplicate_check_outcomes() -> None:
    event = accepted(departure_item())

    assert event_duplicate_check(stored_payload_hash=None, event=event) == "new"
    assert event_duplicate_check(stored_payload_hash=event.payload_hash, event=event) == "duplicate"
    assert event_duplicate_check(stored_payload_hash="0" * 64, event=event) == "conflict"


# --- one JSON message --------------------------------------------------------------------------


def test_json_line_parsed() -> None:
    event = event_parse_json(json.dumps(departure_item()).encode(), source_name="x.ndjson line 1",
                             now=NOW)  # fmt: skip

    assert isinstance(event, Event)
    assert event.event_id == "dep-1"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "invalid JSON: Expecting property name"),
        (b"\xff\xfe{}", "not UTF-8 text: byte 1"),
        ('{"latitude": NaN}', "NaN is not a JSON number"),
        ("[1, 2]", "the event is an array"),
        ("", "invalid JSON: Expecting value at line 1 column 1"),
        pytest.param("[" * 100_000 + "]" * 100_000, "nested too deeply", id="deep-nesting"),
    ],
)
def test_unreadable_message_names_source(text: str | bytes, words: str) -> None:
    with pytest.raises(EventInvalid) as caught:
        event_parse_json(text, source_name="stream DEPARTURES sequence 44", now=NOW)

    assert str(caught.value).startswith("stream DEPARTURES sequence 44 was rejected: ")
    assert words in str(caught.value)
    assert isinstance(caught.value.rejection, EventRejection)


def test_invalid_message_names_source_and_event() -> None:
    text = json.dumps(departure_item(event_id="dep-9", port="?"))

    with pytest.raises(EventInvalid) as caught:
        event_parse_json(text, source_name="departures.ndjson line 12", now=NOW)

    assert str(caught.value).startswith("departures.ndjson line 12 (event_id 'dep-9') was rejected")
    assert caught.value.rejection.errors[0].field == "port"


# --- staged record rows -------------------------------------------------------------------------


def test_departure_row_gives_port_local_date() -> None:
    # 23:30 in Honolulu is the 21st in UTC; the record keeps the 20th.
    event = accepted(departure_item(port="HNL", timestamp="2026-02-20T23:30:00"))
    view = record_from_row(event_record_row(event))

    assert view == Departure(
        uid="departures:event:dep-1",
        departure_date=date(2026, 2, 20),
        mode="air",
        evidence_kind="boarding_confirmation",
        confidence=0.95,
        location=None,
        at=datetime(2026, 2, 20, 23, 30, tzinfo=ZoneInfo("Pacific/Honolulu")),
    )


def test_departure_row_date_from_timestamp_alone() -> None:
    event = accepted(departure_item(port="HNL", timestamp="2026-02-21T09:30:00Z"))
    row = event_record_row(event)
    for name in ("departure_date", "event_local_date"):
        del row["attrs"][name]
    del row["event_date"]

    assert row["attrs"]["departure_ts"] == "2026-02-20T23:30:00-10:00"
    assert record_from_row(row).known_date == date(2026, 2, 20)


def test_self_reported_row_keeps_location() -> None:
    event = accepted(
        departure_item(
            evidence_kind="self_reported",
            location={"latitude": 31.8667, "longitude": -116.5964},
            face_match=True,
        )
    )
    view = record_from_row(event_record_row(event))

    assert isinstance(view, Departure)
    assert view.location == "31.86670,-116.59640"
    assert view.confidence == 0.7


def test_arrival_row_gives_arrival() -> None:
    event = accepted(arrival_item())
    row = event_record_row(event)
    view = record_from_row({**row, "attrs": json.dumps(row["attrs"])})

    assert view == Arrival(
        uid="arrivals:event:arr-1",
        admission_date=date(2026, 3, 1),
        admit_until=date(2026, 8, 31),
        duration_of_status=False,
        class_of_admission="B2",
        mode="air",
        dob=date(1985, 11, 30),
        at=datetime(2026, 3, 1, 16, 5, tzinfo=ZoneInfo("America/New_York")),
    )


def test_arrival_row_duration_of_status() -> None:
    view = record_from_row(event_record_row(accepted(arrival_item(admit_until="D/S"))))

    assert isinstance(view, Arrival)
    assert view.duration_of_status is True
    assert view.admit_until is None


def test_record_row_has_staged_types() -> None:
    event = accepted(DEPARTURE_EXAMPLE)
    row = event_record_row(event)

    assert row["record_uid"] == "departures:event:lx-20260301-0042"
    assert row["dob"] == date(1990, 4, 12)
    assert row["dob_quality"] == "valid"
    assert row["event_date"] == date(2026, 3, 1)
    assert row["country_of_birth"] is None
    assert json.loads(json.dumps(row["attrs"])) == row["attrs"]
    assert row["attrs"]["payload_hash"] == event.payload_hash


def test_record_row_without_dob() -> None:
    row = event_record_row(accepted(departure_item(dob=DROP)))

    assert row["dob"] is None
    assert row["dob_quality"] == "missing"


def test_payload_kept_as_received() -> None:
    item = departure_item(port="jfk", sent_at="2026-03-02T07:00:00Z")
    event = accepted(item)

    assert event.payload == item
    assert event.payload is not item
    assert event.port == "JFK"
    assert event.payload_hash == payload_hash_of(item)
