"""Properties of event parsing that must hold for any input."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from departure_builders import NOW
from hypothesis import given, settings
from hypothesis import strategies as st

from immigrationos.departures.schema import EventIn, event_record_row, events_parse
from immigrationos.sources.ports import PORTS
from immigrationos.status.records import record_from_row

_JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
)
JSON_VALUES = st.recursive(
    _JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

_PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "event_id": st.from_regex(r"[A-Za-z0-9._:-]{1,20}", fullmatch=True),
    "kind": st.sampled_from(["departure", "arrival"]),
    "evidence_kind": st.sampled_from(
        [
            "carrier_manifest",
            "boarding_confirmation",
            "biometric_confirmation",
            "land_exit",
            "self_reported",
            "third_country_entry",
            "admission",
        ]
    ),
    "timestamp": st.sampled_from(
        ["2026-02-20T23:30:00", "2026-02-21T09:30:00Z", "2026-03-02T09:00:00Z", "20260220T2330"]
    ),
    "port": st.sampled_from([*PORTS, "ZZX", "jfk"]),
    "port_tz": st.sampled_from(["America/New_York", "Pacific/Honolulu", "US/Pacific", "Nowhere/X"]),
    "mode": st.sampled_from(["air", "sea", "land"]),
    "given_name": st.sampled_from(["Ana", " José  Luis ", "", "Li\x07"]),
    "family_name": st.sampled_from(["Reyes", "de la Cruz", "  "]),
    "dob": st.sampled_from(["1990-04-12", "2030-01-01", "1990-02-30", "12/04/1990"]),
    "passport_no": st.sampled_from(["G12345678", "g 123-456", "#"]),
    "a_number": st.sampled_from(["A012345678", "12345678", "A1"]),
    "class_of_admission": st.sampled_from(["B2", "F1", "??"]),
    "admit_until": st.sampled_from(["2026-08-31", "D/S", "2026-01-01", "soon"]),
    "location": st.fixed_dictionaries(
        {"latitude": st.floats(-95, 95), "longitude": st.floats(-185, 185)}
    ),
    "face_match": st.booleans(),
    "sent_at": st.sampled_from(
        ["2026-03-02T07:30:05Z", "2026-03-02T07:30:05", "2027-01-01T00:00Z"]
    ),
}
EVENT_LIKE = st.fixed_dictionaries(
    {},
    optional={name: strategy | JSON_VALUES for name, strategy in _PLAUSIBLE.items()},
)


@settings(max_examples=300, deadline=None)
@given(items=st.lists(JSON_VALUES | EVENT_LIKE, max_size=6))
def test_parse_never_raises_and_counts_every_item(items: list[Any]) -> None:
    accepted, rejected = events_parse(items, now=NOW)

    assert len(accepted) + len(rejected) == len(items)
    indices = [rejection.index for rejection in rejected]
    assert len(indices) == len(set(indices))
    for rejection in rejected:
        assert rejection.errors
        for error in rejection.errors:
            assert error.message.startswith(error.field)
            assert "pydantic" not in error.message


_VALID_DEPARTURE = st.fixed_dictionaries(
    {
        "event_id": _PLAUSIBLE["event_id"],
        "kind": st.just("departure"),
        "evidence_kind": st.sampled_from(["carrier_manifest", "boarding_confirmation"]),
        "timestamp": st.datetimes(
            min_value=NOW.replace(tzinfo=None) - timedelta(days=360),
            max_value=NOW.replace(tzinfo=None) - timedelta(days=1),
        ).map(lambda stamp: stamp.isoformat(timespec="seconds")),
        "port": st.sampled_from(sorted(PORTS)),
        "mode": st.sampled_from(["air", "sea", "land"]),
        "family_name": st.just("Reyes"),
        "passport_no": st.just("G12345678"),
    }
)


@settings(max_examples=150, deadline=None)
@given(item=_VALID_DEPARTURE)
def test_valid_departure_dated_at_port(item: dict[str, Any]) -> None:
    accepted, rejected = events_parse([item], now=NOW)
    (event,) = accepted
    view = record_from_row(event_record_row(event))
    zone = ZoneInfo(PORTS[item["port"]].tz)

    assert rejected == []
    assert event.local_date == event.timestamp.astimezone(zone).date()
    assert view.known_date == event.local_date
    # A time without offset is local time at the port, so its date is kept as sent.
    assert event.local_date.isoformat() == item["timestamp"][:10]


@settings(max_examples=100, deadline=None)
@given(item=EVENT_LIKE)
def test_event_in_agrees_with_events_parse(item: dict[str, Any]) -> None:
    accepted, _ = events_parse([item], now=NOW)
    try:
        EventIn.model_validate(item, context={"now": NOW})
    except ValueError:
        valid = False
    else:
        valid = True

    assert valid is bool(accepted)
