"""Status history as known on the as-of date: late records change it from the day they apply."""

from datetime import date

from status_builders import arrival, benefit, departure, enforcement

from immigrationos.status import StatusPeriod, status_history, status_on
from immigrationos.status.records import RecordView

AS_OF = date(2026, 12, 4)


def period_on(periods: list[StatusPeriod], day: date) -> StatusPeriod:
    for period in periods:
        if period.start <= day and (period.end is None or day <= period.end):
            return period
    raise AssertionError(f"no period covers {day}")


def spans(records: list[RecordView]) -> list[tuple[date, date | None, str, str]]:
    return [(p.start, p.end, p.status, p.rule_id) for p in status_history(records=records,
                                                                          as_of=AS_OF)]  # fmt: skip


def test_pending_extension_history_without_decision() -> None:
    # Admitted until 2026-10-31, timely I-539 filed 2026-10-20 and still pending.
    records = [arrival("A1", "2026-05-01", "2026-10-31"), benefit("B1", "I-539", "2026-10-20")]
    assert spans(records) == [
        (date(2026, 5, 1), date(2026, 10, 31), "in_status", "admitted_until"),
        (date(2026, 11, 1), None, "pending_application", "extension_pending_timely"),
    ]


def test_late_approval_covers_pending_days() -> None:
    # The approval of 2026-11-25 counts from the end of the stay (2026-10-31), so in the
    # history known on 2026-12-04 the days 2026-11-01..2026-11-24 were in status.
    records = [
        arrival("A1", "2026-05-01", "2026-10-31"),
        benefit("B1", "I-539", "2026-10-20", "approved", "2026-11-25", valid_until="2027-04-30"),
    ]
    periods = status_history(records=records, as_of=AS_OF)
    pending_day = period_on(periods, date(2026, 11, 10))
    assert pending_day.status == "in_status"
    assert pending_day.rule_id == "extension_approved"
    assert "retroactive_extension" in pending_day.flags
    assert "benefits:B1" in pending_day.evidence
    assert all(p.status != "pending_application" for p in periods)
    assert periods[-1].start == date(2026, 11, 25)
    assert "retroactive_extension" not in periods[-1].flags


def test_late_approval_leaves_status_on_earlier_date() -> None:
    # On 2026-11-10 the approval was not yet made, so the status then was pending.
    records = [
        arrival("A1", "2026-05-01", "2026-10-31"),
        benefit("B1", "I-539", "2026-10-20", "approved", "2026-11-25", valid_until="2027-04-30"),
    ]
    assert status_on(records=records, as_of=date(2026, 11, 10)).status == "pending_application"


def test_later_presence_confirms_overstay_from_first_day() -> None:
    # Stay ended 2026-08-31, arrest 2026-11-10: the overstay is confirmed from 2026-09-01.
    records = [arrival("A1", "2026-03-02", "2026-08-31"), enforcement("E1", "arrest", "2026-11-10")]
    periods = status_history(records=records, as_of=AS_OF)
    assert [(p.start, p.end, p.status) for p in periods] == [
        (date(2026, 3, 2), date(2026, 8, 31), "in_status"),
        (date(2026, 9, 1), date(2026, 11, 9), "overstay"),
        (date(2026, 11, 10), None, "overstay"),
    ]
    assert "confirmed_by_later_record" in periods[1].flags
    assert "enforcement:E1" in periods[1].evidence
    assert "confirmed_by_later_record" not in periods[2].flags
    assert all(p.status != "potential_overstay_unconfirmed" for p in periods)


def test_without_presence_overstay_stays_unconfirmed() -> None:
    periods = status_history(records=[arrival("A1", "2026-03-02", "2026-08-31")], as_of=AS_OF)
    assert periods[-1].status == "potential_overstay_unconfirmed"
    assert "unconfirmed" in periods[-1].flags


def test_late_departure_record_changes_history_from_its_date() -> None:
    # Case 17: a departure on 2026-04-10 that reached the source late closes the stay.
    before = [arrival("A-1703", "2026-01-15", "2026-04-14")]
    after = [*before, departure("D-1703", "2026-04-10")]
    assert spans(before)[-1] == (
        date(2026, 4, 15),
        None,
        "potential_overstay_unconfirmed",
        "stay_expired_unconfirmed",
    )
    assert spans(after) == [
        (date(2026, 1, 15), date(2026, 4, 9), "in_status", "admitted_until"),
        (date(2026, 4, 10), None, "departed", "departed"),
    ]


def test_disputed_departure_marked_from_departure() -> None:
    # Left 2026-08-20 by a self-reported exit, but filed an I-589 in the country on
    # 2026-10-01 with no arrival in between.
    records = [
        arrival("A1", "2026-03-02", "2026-08-31"),
        departure("D1", "2026-08-20", kind="self_reported", reported_location="Tijuana"),
        benefit("B1", "I-589", "2026-10-01"),
    ]
    periods = status_history(records=records, as_of=AS_OF)
    departed = period_on(periods, date(2026, 9, 15))
    assert departed.status == "departed"
    assert "disputed" in departed.flags
    assert "benefits:B1" in departed.evidence


def test_leap_day_flag_reaches_history() -> None:
    records = [arrival("A1", "2027-01-01", "2027-01-31"), departure("D1", "2028-02-29")]
    periods = status_history(records=records, as_of=date(2028, 3, 10))
    assert periods[-1].status == "departed"
    assert "leap_day_adjusted" in periods[-1].flags


def test_later_departure_confirms_overstay_before_it() -> None:
    # Stay ended 2026-08-31 and the person left on 2026-10-15, so they were still here on
    # 2026-09-01..2026-10-14: confirmed in hindsight, then departed.
    records = [arrival("A1", "2026-03-02", "2026-08-31"), departure("D1", "2026-10-15")]
    periods = status_history(records=records, as_of=AS_OF)
    assert [(p.start, p.end, p.status) for p in periods] == [
        (date(2026, 3, 2), date(2026, 8, 31), "in_status"),
        (date(2026, 9, 1), date(2026, 10, 14), "overstay"),
        (date(2026, 10, 15), None, "departed"),
    ]
    assert "confirmed_by_later_record" in periods[1].flags
    assert "departures:D1" in periods[1].evidence


def test_overstay_unconfirmed_before_departure_known() -> None:
    # Known on 2026-10-01, before the departure, the overstay was still unconfirmed.
    records = [arrival("A1", "2026-03-02", "2026-08-31"), departure("D1", "2026-10-15")]
    assert status_on(records=records, as_of=date(2026, 10, 1)).status == (
        "potential_overstay_unconfirmed"
    )
