"""Departure verification rules and re-entry checks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from departure_builders import accepted, arrival_item, departure_item, view

from immigrationos.departures.errors import DeparturesError
from immigrationos.departures.schema import Location, event_record_row, events_parse
from immigrationos.departures.verification import (
    PRESENCE_KINDS,
    VERIFICATION_RULES,
    DepartureEvidence,
    PresenceRecord,
    ReentryFlag,
    departure_verify,
    reentry_checks,
)
from immigrationos.status.engine import status_on
from immigrationos.status.records import RecordView, record_from_row

DEPARTED = date(2026, 3, 1)
ENSENADA = Location(31.8667, -116.5964)  # 75 km south of the border
TIJUANA = Location(32.5149, -117.0382)  # 3 km south of the border
SAN_DIEGO = Location(32.7157, -117.1611)


def evidence(kind: str, **extra: Any) -> DepartureEvidence:
    return DepartureEvidence(uid="departures:d1", departure_date=DEPARTED, evidence_kind=kind,
                             **extra)  # fmt: skip


def arrest(record_id: str, day: str) -> RecordView:
    return view("enforcement", record_id, kind="arrest", event_date=day, aor="SND")


def arrival(record_id: str, day: str) -> RecordView:
    return view("arrivals", record_id, admission_date=day, admit_until="2026-09-01",
                class_of_admission="B2", mode="air")  # fmt: skip


# --- evidence of the departure itself ----------------------------------------------------------


@pytest.mark.parametrize(
    ("departure", "outcome", "rule_id", "words"),
    [
        (evidence("biometric_confirmation"), "verified", "departure_verified_biometric",
         "face or fingerprints matched"),
        (evidence("boarding_confirmation"), "verified", "departure_verified_boarding",
         "boarding pass scanned"),
        (evidence("carrier_manifest"), "unverified", "departure_unverified_manifest_only",
         "no boarding or biometric confirmation"),
        (evidence("third_country_entry"), "unverified", "departure_unverified_third_country",
         "entry recorded by another country"),
        (evidence("land_exit", location=ENSENADA, face_match=True), "verified",
         "departure_verified_located_exit", "km outside the border"),
        (evidence("self_reported", location=ENSENADA, face_match=True), "verified",
         "departure_verified_located_exit", "a self-reported exit at 31.86670,-116.59640"),
        (evidence("land_exit"), "unverified", "departure_unverified_exit_incomplete",
         "no location was given; no face match was recorded"),
        (evidence("self_reported", location=ENSENADA), "unverified",
         "departure_unverified_exit_incomplete", "no face match was recorded"),
        (evidence("self_reported", location=ENSENADA, face_match=False), "unverified",
         "departure_unverified_exit_incomplete", "did not match the travel document"),
        (evidence("self_reported", face_match=True), "unverified",
         "departure_unverified_exit_incomplete", "no location was given"),
        (evidence("land_exit", location=SAN_DIEGO, face_match=True), "unverified",
         "departure_unverified_exit_incomplete", "is inside the United States"),
        (evidence("land_exit", location=TIJUANA, face_match=True), "unverified",
         "departure_unverified_exit_incomplete", "km from the border, under the 14.8 km needed"),
        (evidence("teleport"), "unverified", "departure_unverified_unknown_evidence",
         "no rule verifies"),
    ],
)  # fmt: skip
def test_departure_evidence_outcome(
    departure: DepartureEvidence, outcome: str, rule_id: str, words: str
) -> None:
    result = departure_verify(departure=departure, later_records=[])

    assert result.outcome == outcome
    assert result.rule_id == rule_id
    assert words in result.reason
    assert result.reason.startswith("departure departures:d1 on 2026-03-01")
    assert result.evidence == ("departures:d1",)
    assert VERIFICATION_RULES[rule_id][0] == outcome


def test_event_verified_directly() -> None:
    event = accepted(
        departure_item(
            evidence_kind="land_exit",
            port="SYS",
            mode="land",
            location={"latitude": 31.8667, "longitude": -116.5964},
            face_match=True,
        )
    )
    result = departure_verify(departure=event, later_records=[])

    assert result.outcome == "verified"
    assert result.evidence == ("departures:event:dep-1",)


def test_arrival_event_not_verifiable() -> None:
    with pytest.raises(DeparturesError, match="is an arrival, not a departure"):
        departure_verify(departure=accepted(arrival_item()), later_records=[])


# --- later records ---------------------------------------------------------------------------


def test_later_arrest_disputes_verified_departure() -> None:
    result = departure_verify(
        departure=evidence("biometric_confirmation"),
        later_records=[arrest("e1", "2026-03-09")],
    )

    assert result.outcome == "disputed"
    assert result.rule_id == "departure_disputed_presence"
    assert result.evidence == ("departures:d1", "enforcement:e1")
    assert "an arrest (enforcement:e1) on 2026-03-09" in result.reason
    assert "evidence alone is verified, rule departure_verified_biometric" in result.reason


@pytest.mark.parametrize(
    ("records", "disputed"),
    [
        # The same day cannot show that the arrest came after the departure.
        ([arrest("e1", "2026-03-01")], False),
        ([arrest("e1", "2026-02-27")], False),
        ([arrest("e1", "2026-03-02")], True),
        # A later arrival is a re-entry, which explains later presence.
        ([arrival("a1", "2026-04-01")], False),
        ([arrival("a1", "2026-04-01"), arrest("e1", "2026-04-10")], False),
        ([arrival("a1", "2026-04-01"), arrest("e1", "2026-03-20")], True),
        ([arrival("a1", "2026-03-01"), arrest("e1", "2026-03-20")], False),
        # An arrival before the departure began the stay and explains nothing after it.
        ([arrival("a0", "2026-01-05"), arrest("e1", "2026-03-20")], True),
        ([view("enforcement", "e2", kind="removal", event_date="2026-03-05", aor="SND")], False),
        ([view("enforcement", "e3", kind="detention", event_date="2026-03-05", aor="SND")], True),
        ([view("criminal", "c1", offence_category="theft", severity="misdemeanor",
               conviction_date="2026-05-01")], True),
        ([view("court", "k1", nta_date="2025-01-01", decision="removal",
               decision_date="2026-05-01", in_absentia=True)], False),
        ([view("court", "k2", nta_date="2025-01-01", decision="removal",
               decision_date="2026-05-01", in_absentia=False)], True),
        # A filing can be mailed from abroad; a biometrics appointment cannot.
        ([view("benefits", "b1", form="I-539", filed_date="2026-04-01")], False),
        ([PresenceRecord("benefits:b1:biometrics", "benefit_biometrics", date(2026, 4, 9))], True),
        ([view("visas", "v1", visa_class="B2", issue_date="2026-05-01")], False),
    ],
)  # fmt: skip
def test_later_record_disputes(records: list[Any], disputed: bool) -> None:
    result = departure_verify(departure=evidence("boarding_confirmation"), later_records=records)

    assert (result.outcome == "disputed") is disputed


def test_dispute_lists_records_in_date_order() -> None:
    records = [
        arrest("e9", "2026-06-01"),
        PresenceRecord("benefits:b1:biometrics", "benefit_biometrics", date(2026, 4, 9)),
        arrest("e1", "2026-03-09"),
    ]
    result = departure_verify(departure=evidence("carrier_manifest"), later_records=records)

    assert result.evidence == (
        "departures:d1",
        "enforcement:e1",
        "benefits:b1:biometrics",
        "enforcement:e9",
    )
    assert "a benefit biometrics appointment (benefits:b1:biometrics) on 2026-04-09" in (
        result.reason
    )
    assert "evidence alone is unverified" in result.reason


def test_every_presence_kind_described() -> None:
    for kind in PRESENCE_KINDS:
        record = PresenceRecord(f"x:{kind}", kind, date(2026, 3, 5))
        result = departure_verify(departure=evidence("carrier_manifest"), later_records=[record])

        assert result.outcome == "disputed"
        assert PRESENCE_KINDS[kind] in result.reason


def test_departure_from_event_row_matches_status_view() -> None:
    # The verified departure and the status view of the same event agree on uid and date.
    event = accepted(departure_item(port="HNL", timestamp="2026-02-20T23:30:00"))
    status_view = record_from_row(event_record_row(event))
    result = departure_verify(departure=event, later_records=[arrest("e1", "2026-02-21")])

    assert result.evidence[0] == status_view.uid
    assert status_view.known_date == date(2026, 2, 20)
    assert result.outcome == "disputed"


# --- re-entry checks --------------------------------------------------------------------------


def checks(**changes: Any) -> list[ReentryFlag]:
    arguments: dict[str, Any] = {
        "arrival_date": date(2026, 3, 1),
        "person_status": "in_status",
        "status_since": None,
        "reentry_bar": "",
        "reentry_bar_until": None,
    }
    return reentry_checks(**{**arguments, **changes})


def test_lawful_reentry_has_no_flags() -> None:
    assert checks() == []
    assert checks(person_status="departed", status_since=date(2025, 1, 1)) == []


def test_reentry_after_removal_flagged() -> None:
    flags = checks(person_status="removed", status_since=date(2024, 6, 1))

    assert [flag.code for flag in flags] == ["reentry_after_removal"]
    assert flags[0].citation == "INA 212(a)(9)(A); INA 276(a)"
    assert "after a removal on 2024-06-01" in flags[0].reason
    assert "inadmissible for 10 years" in flags[0].reason
    assert "Form I-212" in flags[0].reason


def test_reentry_long_after_removal_flagged_for_check() -> None:
    flags = checks(person_status="removed", status_since=date(2014, 2, 1))

    assert [flag.code for flag in flags] == ["reentry_after_removal"]
    assert "12 years have passed" in flags[0].reason


def test_removal_after_arrival_not_flagged() -> None:
    assert checks(person_status="removed", status_since=date(2026, 3, 2)) == []


def test_reentry_after_self_removal_flagged() -> None:
    flags = checks(person_status="self_departed", status_since=date(2025, 9, 1))

    assert [flag.code for flag in flags] == ["reentry_after_self_removal"]
    assert flags[0].citation.startswith("INA 101(g)")
    assert "counts as a removal" in flags[0].reason


@pytest.mark.parametrize(
    ("bar", "until", "citation"),
    [
        ("3_year", date(2026, 3, 1), "INA 212(a)(9)(B)(i)(I)"),  # the last barred day
        ("10_year", date(2033, 7, 14), "INA 212(a)(9)(B)(i)(II)"),
        ("3_year", None, "INA 212(a)(9)(B)(i)(I)"),
    ],
)
def test_arrival_during_bar_flagged(bar: str, until: date | None, citation: str) -> None:
    flags = checks(reentry_bar=bar, reentry_bar_until=until)

    assert [flag.code for flag in flags] == ["reentry_during_unlawful_presence_bar"]
    assert flags[0].citation == citation
    assert "waiver" in flags[0].reason


def test_arrival_after_bar_not_flagged() -> None:
    assert checks(reentry_bar="3_year", reentry_bar_until=date(2026, 2, 28)) == []


def test_removal_and_bar_both_flagged() -> None:
    flags = checks(
        person_status="removed",
        status_since=date(2025, 1, 10),
        reentry_bar="10_year",
        reentry_bar_until=date(2035, 1, 9),
    )

    assert [flag.code for flag in flags] == [
        "reentry_after_removal",
        "reentry_during_unlawful_presence_bar",
    ]


def test_unknown_bar_raises() -> None:
    with pytest.raises(ValueError, match="reentry_bar '5_year' is not a bar"):
        checks(reentry_bar="5_year")


def test_bar_from_status_engine_flags_reentry() -> None:
    # Admitted until 2024-07-09, left on 2025-03-01 after 234 days of unlawful presence
    # (2024-07-10 to 2025-02-28): more than 180 days and less than a year, so a 3-year bar
    # from the departure whose last barred day is 2028-02-29.
    # Parsed on the day after it happened: the event path takes events up to a year old.
    [departure], _ = events_parse(
        [departure_item(timestamp="2025-03-01T10:00:00", dob="1990-04-12", port="JFK")],
        now=datetime(2025, 3, 2, tzinfo=UTC),
    )
    records = [
        view("arrivals", "a1", admission_date="2024-01-10", admit_until="2024-07-09",
             class_of_admission="B2", mode="air", dob="1990-04-12"),
        record_from_row(event_record_row(departure)),
    ]  # fmt: skip
    status = status_on(records=records, as_of=date(2025, 6, 1))
    flags = reentry_checks(
        arrival_date=date(2026, 3, 1),
        person_status=status.status,
        status_since=status.since,
        reentry_bar=status.bar or "",
        reentry_bar_until=status.bar_until,
    )

    assert status.unlawful_presence_days == 234
    assert (status.bar, status.bar_until) == ("3_year", date(2028, 2, 29))
    assert [flag.code for flag in flags] == ["reentry_during_unlawful_presence_bar"]
    assert "until 2028-02-29" in flags[0].reason
