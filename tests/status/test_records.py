from datetime import date

import pytest

from immigrationos.status.errors import RecordError
from immigrationos.status.records import Arrival, Benefit, Departure, record_from_row


def test_arrival_reads_duration_of_status_as_marker() -> None:
    view = record_from_row({
        "record_uid": "arrivals:A-1", "source": "arrivals",
        "attrs": '{"admission_ts": "2026-01-05T23:30:00-10:00", "admission_date": "2026-01-05",'
                 ' "admit_until": "D/S", "class_of_admission": "f1", "mode": "AIR"}',
    })  # fmt: skip
    assert isinstance(view, Arrival)
    assert view.duration_of_status is True
    assert view.admit_until is None
    assert view.admission_date == date(2026, 1, 5)
    assert view.class_of_admission == "F1"
    assert view.mode == "air"


def test_departure_falls_back_to_local_timestamp_date() -> None:
    # No departure_date: the ISO timestamp carries the port's offset, so its date part is local.
    view = record_from_row({
        "record_uid": "departures:D-1", "source": "departures",
        "attrs": {"departure_ts": "2026-08-20T18:05:00+02:00", "mode": "air",
                  "evidence_kind": "carrier_manifest"},
    })  # fmt: skip
    assert isinstance(view, Departure)
    assert view.departure_date == date(2026, 8, 20)


def test_benefit_reads_json_and_text_booleans() -> None:
    view = record_from_row({
        "record_uid": "benefits:B-1", "source": "benefits",
        "attrs": {"form": "i-539", "filed_date": "2026-01-01", "decision": "Pending",
                  "timely_filed": "yes"},
    })  # fmt: skip
    assert isinstance(view, Benefit)
    assert view.form == "I-539"
    assert view.decision == "pending"
    assert view.timely_filed is True


def test_missing_date_error_names_record_and_field() -> None:
    with pytest.raises(RecordError) as caught:
        record_from_row({"record_uid": "court:C-9", "source": "court", "attrs": {}})
    assert "'court:C-9'" in str(caught.value)
    assert "nta_date" in str(caught.value)


def test_invalid_date_error_names_value() -> None:
    with pytest.raises(RecordError) as caught:
        record_from_row({
            "record_uid": "arrivals:A-2", "source": "arrivals",
            "attrs": {"admission_date": "2026-01-05", "admit_until": "31/12/2026"},
        })  # fmt: skip
    assert "'31/12/2026'" in str(caught.value)
    assert "admit_until" in str(caught.value)


def test_unknown_source_is_rejected() -> None:
    with pytest.raises(RecordError, match="unknown source 'passports'"):
        record_from_row({"record_uid": "passports:P-1", "source": "passports", "attrs": {}})


def test_departure_date_from_utc_timestamp_and_port_zone() -> None:
    # No departure_date: 03:30 UTC on 21 August is still 20 August at Honolulu.
    view = record_from_row({
        "record_uid": "departures:D-2", "source": "departures",
        "attrs": {"departure_ts": "2026-08-21T03:30:00+00:00", "port_tz": "Pacific/Honolulu",
                  "mode": "air", "evidence_kind": "biometric_confirmation"},
    })  # fmt: skip
    assert isinstance(view, Departure)
    assert view.departure_date == date(2026, 8, 20)
    assert view.confidence == 0.99


@pytest.mark.parametrize(
    ("kind", "location", "confidence"),
    [
        ("carrier_manifest", None, 0.9),
        ("land_exit", None, 0.9),
        ("third_country_entry", None, 0.85),
        ("self_reported", "Tijuana, MX", 0.7),
        ("self_reported", None, 0.5),
    ],
)
def test_departure_confidence_by_evidence_kind(
    kind: str, location: str | None, confidence: float
) -> None:
    view = record_from_row({
        "record_uid": "departures:D-3", "source": "departures",
        "attrs": {"departure_date": "2026-08-20", "mode": "land", "evidence_kind": kind,
                  "reported_location": location},
    })  # fmt: skip
    assert isinstance(view, Departure)
    assert view.confidence == confidence
    assert view.location == location


def test_departure_timestamp_with_unknown_zone_is_rejected() -> None:
    with pytest.raises(RecordError, match="'Mars/Olympus'"):
        record_from_row({
            "record_uid": "departures:D-4", "source": "departures",
            "attrs": {"departure_ts": "2026-08-21T03:30:00+00:00", "port_tz": "Mars/Olympus",
                      "mode": "air", "evidence_kind": "carrier_manifest"},
        })  # fmt: skip


def test_benefit_reads_parent_link_and_frivolous() -> None:
    view = record_from_row({
        "record_uid": "benefits:B-2", "source": "benefits", "dob": date(2010, 5, 1),
        "attrs": {"form": "N-600", "filed_date": "2026-01-10", "decision": "pending",
                  "parent_a_number": "A123456789", "parent_naturalisation_date": "2020-06-15",
                  "parent_custody": "true", "frivolous": "false"},
    })  # fmt: skip
    assert isinstance(view, Benefit)
    assert view.dob == date(2010, 5, 1)
    assert view.parent_a_number == "A123456789"
    assert view.parent_naturalised == date(2020, 6, 15)
    assert view.parent_custody is True
    assert view.frivolous is False
