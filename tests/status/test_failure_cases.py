"""Known failure kinds: twins, leap days, unrecorded departures and partial surnames."""

from datetime import date

from status_builders import arrival, benefit, court, departure, view

from immigrationos.status import build_stays, status_history, status_on

AS_OF = date(2026, 12, 4)


def test_twin_with_departure_is_departed() -> None:
    # Elias: admitted 2026-03-02 until 2026-08-31, left Oslo-bound 2026-08-20 (local date).
    records = [
        arrival("A-0202", "2026-03-02", "2026-08-31"),
        view("visas", "V-0202", issue_date="2026-01-10", visa_class="B2"),
        view("departures", "D-0202", departure_ts="2026-08-20T18:05:00+02:00",
             departure_date="2026-08-20", mode="air", evidence_kind="carrier_manifest"),
    ]  # fmt: skip
    result = status_on(records=records, as_of=AS_OF)
    assert result.status == "departed"
    assert result.since == date(2026, 8, 20)
    assert result.overstay_days == 0
    assert "departures:D-0202" in result.evidence


def test_twin_without_departure_is_unconfirmed() -> None:
    # Oskar: until 2026-08-31, nothing after it: 2026-12-04 - 2026-08-31 = 95 days.
    records = [
        arrival("A-0201", "2026-03-02", "2026-08-31"),
        view("visas", "V-0201", issue_date="2026-01-10", visa_class="B2"),
    ]
    result = status_on(records=records, as_of=AS_OF)
    assert result.status == "potential_overstay_unconfirmed"
    assert result.overstay_days == 95
    assert "unconfirmed" in result.flags


def test_leap_year_overstay_counts_29_february() -> None:
    # Until 2028-02-27, departed 2028-03-02: 28 Feb, 29 Feb and 1 Mar are out of status.
    records = [arrival("A-1301", "2027-09-01", "2028-02-27"), departure("D-1301", "2028-03-02")]
    result = status_on(records=records, as_of=date(2028, 3, 10))
    assert result.status == "departed"
    assert result.overstay_days == 3


def test_leap_day_as_of_raises_nothing() -> None:
    records = [arrival("A-1301", "2027-09-01", "2028-02-27")]
    result = status_on(records=records, as_of=date(2028, 2, 29))
    # 2028-02-28 and 2028-02-29.
    assert result.overstay_days == 2
    assert [p.status for p in status_history(records=records, as_of=date(2028, 2, 29))] == [
        "in_status",
        "potential_overstay_unconfirmed",
    ]


def test_later_arrival_infers_unrecorded_departure() -> None:
    records = [
        arrival("A-1701", "2025-12-10", "2026-03-09"),
        arrival("A-1702", "2026-05-20", "2027-05-19", mode="land"),
    ]
    first, current = build_stays(records=records)
    assert first.end_kind == "departure_inferred"
    assert first.overstay_days is None
    # At most 2026-03-10..2026-05-19: 22 + 30 + 19 = 71 days.
    assert first.max_overstay_days == 71
    assert "departure_not_recorded" in first.flags
    assert current.end_kind == "open"

    result = status_on(records=records, as_of=AS_OF)
    assert result.status == "in_status"
    assert result.valid_until == date(2027, 5, 19)
    assert result.overstay_days is None
    assert "prior_departure_not_recorded" in result.flags


def test_inferred_departure_period_is_never_overstay() -> None:
    records = [
        arrival("A-1701", "2025-12-10", "2026-03-09"),
        arrival("A-1702", "2026-05-20", "2027-05-19", mode="land"),
    ]
    periods = status_history(records=records, as_of=AS_OF)
    spans = [(p.start, p.end, p.status, p.rule_id) for p in periods]
    assert spans == [
        (date(2025, 12, 10), date(2026, 3, 9), "in_status", "admitted_until"),
        (date(2026, 3, 10), date(2026, 5, 19), "unknown", "departure_inferred"),
        (date(2026, 5, 20), None, "in_status", "admitted_until"),
    ]
    assert "departure_not_recorded" in periods[1].flags
    assert all(p.status not in {"overstay", "potential_overstay_unconfirmed"} for p in periods)


def test_stay_without_departure_is_unconfirmed() -> None:
    # 2026-04-14 to 2026-12-04: 16 + 31 + 30 + 31 + 31 + 30 + 31 + 30 + 4 = 234.
    result = status_on(records=[arrival("A-1703", "2026-01-15", "2026-04-14")], as_of=AS_OF)
    assert result.status == "potential_overstay_unconfirmed"
    assert result.overstay_days == 234
    assert "unconfirmed" in result.flags
    assert result.rule_id != "stay_expired_presence"


def test_departure_record_closes_open_stay() -> None:
    records = [arrival("A-1703", "2026-01-15", "2026-04-14"), departure("D-1703", "2026-04-10")]
    result = status_on(records=records, as_of=AS_OF)
    assert result.status == "departed"
    assert result.overstay_days == 0


def test_final_order_from_partial_surname_court_record() -> None:
    # The matched person: arrival, removal order of 2025-11-03 (appeal waived) and a benefit.
    records = [
        arrival("A-0901", "2024-05-01", "2024-10-31"),
        court("O-0901", "2025-02-01", "removal", "2025-11-03", appeal="waived"),
        benefit("B-0901", "I-539", "2024-10-01", "denied", "2025-01-15", timely_filed=True),
    ]
    result = status_on(records=records, as_of=AS_OF)
    assert result.status == "final_order"
    assert result.since == date(2025, 11, 3)
    assert "court:O-0901" in result.evidence
    history = status_history(records=records, as_of=AS_OF)
    assert history[-1].status == "final_order"
    assert history[-1].start == date(2025, 11, 3)


def test_other_person_without_order_has_none() -> None:
    result = status_on(records=[arrival("A-0902", "2026-06-01", "2026-11-30")], as_of=AS_OF)
    assert result.status != "final_order"
    assert not any(uid.startswith("court:") for uid in result.evidence)
