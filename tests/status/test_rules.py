"""One row per status rule, with the expected dates worked out by hand in the comment."""

from datetime import date

import pytest
from status_builders import (
    arrival,
    benefit,
    conviction,
    court,
    departure,
    enforcement,
    student,
)

from immigrationos.status import status_history, status_on
from immigrationos.status.records import RecordView
from immigrationos.status.rules import RULES

AS_OF = date(2026, 12, 4)

CASES: list[tuple[str, list[RecordView], str, str, str | None, int | None]] = [
    # (name, records, status, rule_id, since, overstay_days)
    # Admitted until 2027-01-31, checked on 2026-12-04: inside the stay.
    (
        "within admit-until",
        [arrival("A1", "2026-08-01", "2027-01-31")],
        "in_status",
        "admitted_until",
        "2026-08-01",
        None,
    ),
    # WT admitted 2026-10-01: 90 days counting that day end on 2026-12-29, even though the
    # I-94 wrongly states 2027-03-31.
    (
        "visa waiver capped at 90 days",
        [arrival("A1", "2026-10-01", "2027-03-31", cls="WT")],
        "in_status",
        "visa_waiver_90_days",
        "2026-10-01",
        None,
    ),
    # WT admitted 2026-07-01: last day 2026-09-28; 2026-09-29..2026-12-04 = 2+31+30+4 = 67.
    # The I-539 cannot extend a Visa Waiver stay, but it was filed after the stay ended, so it
    # shows presence and confirms the overstay.
    (
        "visa waiver extension ignored",
        [
            arrival("A1", "2026-07-01", None, cls="WT"),
            benefit(
                "B1", "I-539", "2026-10-01", "approved", "2026-11-01", valid_until="2027-06-01"
            ),
        ],
        "overstay",
        "stay_expired_presence",
        "2026-09-29",
        67,
    ),
    # F1 D/S, programme ends 2026-10-10, OPT ends 2026-11-30: stay runs to 2027-01-29 (+60).
    (
        "F student OPT plus 60 days",
        [
            arrival("A1", "2024-08-20", "D/S", cls="F1"),
            student("S1", "F1", "2024-09-01", "2026-10-10", opt_end="2026-11-30"),
        ],
        "in_status",
        "duration_of_status_f",
        "2024-08-20",
        None,
    ),
    # J1 programme ended 2026-10-15: +30 days = 2026-11-14; 2026-11-15..12-04 = 20 days.
    (
        "J exchange visitor plus 30 days",
        [
            arrival("A1", "2025-10-01", "D/S", cls="J1"),
            student("S1", "J1", "2025-10-05", "2026-10-15"),
        ],
        "potential_overstay_unconfirmed",
        "stay_expired_unconfirmed",
        "2026-11-15",
        20,
    ),
    # F1 terminated 2026-11-01 for a status violation: no grace; 2026-11-02..12-04 = 33 days.
    (
        "F student terminated without grace",
        [
            arrival("A1", "2025-08-20", "D/S", cls="F1"),
            student(
                "S1",
                "F1",
                "2025-09-01",
                "2027-05-31",
                student_status="terminated",
                termination_date="2026-11-01",
                termination_reason="status violation",
            ),
        ],
        "potential_overstay_unconfirmed",
        "stay_expired_unconfirmed",
        "2026-11-02",
        33,
    ),
    (
        "D/S student without student record",
        [arrival("A1", "2025-08-20", "D/S", cls="F1")],
        "unknown",
        "ds_without_student_record",
        "2025-08-20",
        None,
    ),
    # Admitted until 2026-10-31; I-539 filed 2026-10-20 (on time), still pending.
    (
        "timely extension pending",
        [
            arrival("A1", "2026-05-01", "2026-10-31"),
            benefit("B1", "I-539", "2026-10-20", timely_filed=True),
        ],
        "pending_application",
        "extension_pending_timely",
        "2026-10-20",
        None,
    ),
    # Approved to 2027-04-30.
    (
        "extension approved",
        [
            arrival("A1", "2026-05-01", "2026-10-31"),
            benefit(
                "B1", "I-539", "2026-10-20", "approved", "2026-11-15", valid_until="2027-04-30"
            ),
        ],
        "in_status",
        "extension_approved",
        "2026-05-01",
        None,
    ),
    # Timely I-539 denied 2026-11-20: stay ends that day; 11-21..12-04 = 14 days. The filing
    # predates the end of the stay, so nothing confirms presence after it.
    (
        "timely extension denied",
        [
            arrival("A1", "2026-05-01", "2026-10-31"),
            benefit("B1", "I-539", "2026-10-20", "denied", "2026-11-20", timely_filed=True),
        ],
        "potential_overstay_unconfirmed",
        "stay_expired_unconfirmed",
        "2026-11-21",
        14,
    ),
    # Filed late (2026-11-05 > 2026-10-31) and denied: overstay runs from the original date,
    # and the late filing is proof of presence: 11-01..12-04 = 34 days, confirmed.
    (
        "late extension denied",
        [
            arrival("A1", "2026-05-01", "2026-10-31"),
            benefit("B1", "I-539", "2026-11-05", "denied", "2026-11-20", timely_filed=False),
        ],
        "overstay",
        "stay_expired_presence",
        "2026-11-01",
        34,
    ),
    # Arrest 2026-11-10 after the stay ended 2026-08-31: 95 days, confirmed.
    (
        "arrest confirms overstay",
        [arrival("A1", "2026-03-02", "2026-08-31"), enforcement("E1", "arrest", "2026-11-10")],
        "overstay",
        "stay_expired_presence",
        "2026-09-01",
        95,
    ),
    (
        "conviction confirms overstay",
        [arrival("A1", "2026-03-02", "2026-08-31"), conviction("C1", "2026-10-01")],
        "overstay",
        "stay_expired_presence",
        "2026-09-01",
        95,
    ),
    # A conviction during the stay shows nothing about presence after it.
    (
        "conviction during stay confirms nothing",
        [arrival("A1", "2026-03-02", "2026-08-31"), conviction("C1", "2026-05-01")],
        "potential_overstay_unconfirmed",
        "stay_expired_unconfirmed",
        "2026-09-01",
        95,
    ),
    # Departed 2026-09-10 after a stay ending 2026-08-31: 09-01..09-09 = 9 days out of status.
    (
        "departed after overstay",
        [arrival("A1", "2026-03-02", "2026-08-31"), departure("D1", "2026-09-10")],
        "departed",
        "departed",
        "2026-09-10",
        9,
    ),
    (
        "departed on time",
        [arrival("A1", "2026-03-02", "2026-08-31"), departure("D1", "2026-08-20")],
        "departed",
        "departed",
        "2026-08-20",
        0,
    ),
    (
        "asylum pending protects",
        [arrival("A1", "2026-03-02", "2026-08-31"), benefit("B1", "I-589", "2026-08-15")],
        "protected",
        "asylum_pending",
        "2026-08-15",
        None,
    ),
    (
        "tps approved and valid",
        [benefit("B1", "I-821", "2025-01-10", "approved", "2025-06-01", valid_until="2027-03-01")],
        "protected",
        "tps_valid",
        "2025-06-01",
        None,
    ),
    (
        "tps expired gives no protection",
        [benefit("B1", "I-821", "2024-01-10", "approved", "2024-06-01", valid_until="2026-03-01")],
        "unknown",
        "no_status_evidence",
        None,
        None,
    ),
    (
        "daca approved and valid",
        [benefit("B1", "I-821D", "2025-01-10", "approved", "2025-04-01", valid_until="2027-04-01")],
        "protected",
        "deferred_action_valid",
        "2025-04-01",
        None,
    ),
    (
        "adjustment pending",
        [arrival("A1", "2025-03-02", "2025-08-31"), benefit("B1", "I-485", "2025-07-01")],
        "pending_application",
        "adjustment_pending",
        "2025-07-01",
        None,
    ),
    (
        "adjustment approved",
        [
            arrival("A1", "2025-03-02", "2025-08-31"),
            benefit("B1", "I-485", "2025-07-01", "approved", "2026-02-01"),
        ],
        "lawful_permanent_resident",
        "adjusted_to_lpr",
        "2026-02-01",
        None,
    ),
    (
        "naturalised outranks a removal order",
        [
            benefit("B1", "N-400", "2025-01-01", "approved", "2025-09-01"),
            court("C1", "2026-01-01", "removal", "2026-03-01", in_absentia=True),
        ],
        "citizen",
        "naturalised",
        "2025-09-01",
        None,
    ),
    (
        "notice to appear",
        [court("C1", "2026-10-01")],
        "removal_proceedings",
        "nta_pending",
        "2026-10-01",
        None,
    ),
    (
        "order in absentia is final at once",
        [court("C1", "2026-01-01", "removal", "2026-11-30", in_absentia=True)],
        "final_order",
        "order_in_absentia",
        "2026-11-30",
        None,
    ),
    # Ordered 2026-11-10, no appeal: not final until 2026-12-10 (30 days later).
    (
        "order within appeal period",
        [court("C1", "2026-01-01", "removal", "2026-11-10", appeal="none")],
        "removal_proceedings",
        "nta_pending",
        "2026-01-01",
        None,
    ),
    # Ordered 2026-10-01, no appeal: final on 2026-10-31.
    (
        "order without appeal after 30 days",
        [court("C1", "2026-01-01", "removal", "2026-10-01", appeal="none")],
        "final_order",
        "order_no_appeal",
        "2026-10-31",
        None,
    ),
    (
        "order with appeal pending",
        [court("C1", "2026-01-01", "removal", "2026-06-01", appeal="pending")],
        "removal_proceedings",
        "nta_pending",
        "2026-01-01",
        None,
    ),
    (
        "order with appeal dismissed",
        [
            court(
                "C1",
                "2026-01-01",
                "removal",
                "2026-06-01",
                appeal="dismissed",
                appeal_decision_date="2026-09-15",
            )
        ],
        "final_order",
        "order_appeal_dismissed",
        "2026-09-15",
        None,
    ),
    (
        "relief grants permanent residence",
        [
            arrival("A1", "2026-03-02", "2026-04-01"),
            court("C1", "2026-05-01", "relief", "2026-09-01"),
        ],
        "lawful_permanent_resident",
        "cancellation_of_removal",
        "2026-09-01",
        None,
    ),
    (
        "termination ends proceedings",
        [
            arrival("A1", "2026-03-02", "2027-03-01"),
            court("C1", "2026-05-01", "termination", "2026-09-01"),
        ],
        "in_status",
        "admitted_until",
        "2026-03-02",
        None,
    ),
    (
        "voluntary departure period",
        [court("C1", "2026-01-01", "voluntary_departure", "2026-11-01", vd_deadline="2026-12-31")],
        "voluntary_departure_period",
        "voluntary_departure",
        "2026-11-01",
        None,
    ),
    # Deadline 2026-11-20 passed with no departure: the alternate order is final 2026-11-21.
    (
        "voluntary departure overstayed",
        [court("C1", "2026-01-01", "voluntary_departure", "2026-09-01", vd_deadline="2026-11-20")],
        "final_order",
        "vd_overstayed",
        "2026-11-21",
        None,
    ),
    (
        "voluntary departure complied",
        [
            court(
                "C1", "2026-01-01", "voluntary_departure", "2026-09-01", vd_deadline="2026-11-20"
            ),
            departure("D1", "2026-11-15"),
        ],
        "departed",
        "voluntary_departure_complied",
        "2026-11-15",
        None,
    ),
    (
        "departure after final order",
        [
            court("C1", "2026-01-01", "removal", "2026-03-01", appeal="waived"),
            departure("D1", "2026-05-01"),
        ],
        "self_departed",
        "self_removal",
        "2026-05-01",
        None,
    ),
    (
        "removal executed",
        [
            court("C1", "2026-01-01", "removal", "2026-03-01", appeal="waived"),
            enforcement("E1", "removal", "2026-06-01"),
        ],
        "removed",
        "removed",
        "2026-06-01",
        None,
    ),
    (
        "no arrival and no decisive record",
        [conviction("C1", "2026-01-01")],
        "unknown",
        "no_status_evidence",
        None,
        None,
    ),
    # WT admitted 2026-09-01: 90 days end on 2026-11-29 (30 + 31 + 29). Satisfactory
    # departure granted to 2026-12-20, within the 30 days allowed (to 2026-12-29).
    (
        "visa waiver satisfactory departure",
        [
            arrival("A1", "2026-09-01", None, cls="WT"),
            benefit(
                "B1",
                "SATISFACTORY_DEPARTURE",
                "2026-11-20",
                "approved",
                "2026-11-25",
                valid_until="2026-12-20",
            ),
        ],
        "in_status",
        "visa_waiver_satisfactory_departure",
        "2026-09-01",
        None,
    ),
    # WT admitted 2026-07-01, last day 2026-09-28; satisfactory departure refused, so the
    # stay still ends then: 2026-09-29..2026-12-04 = 2 + 31 + 30 + 4 = 67.
    (
        "visa waiver satisfactory departure refused",
        [
            arrival("A1", "2026-07-01", None, cls="WT"),
            benefit("B1", "SATISFACTORY_DEPARTURE", "2026-09-20", "denied", "2026-09-25"),
        ],
        "potential_overstay_unconfirmed",
        "stay_expired_unconfirmed",
        "2026-09-29",
        67,
    ),
    # C1 (transit) until 2026-10-29 cannot extend: the timely I-539 keeps nothing authorised.
    # 2026-10-30..2026-12-04 = 2 + 30 + 4 = 36.
    (
        "transit class cannot extend",
        [
            arrival("A1", "2026-10-01", "2026-10-29", cls="C1"),
            benefit("B1", "I-539", "2026-10-20", timely_filed=True),
        ],
        "potential_overstay_unconfirmed",
        "stay_expired_unconfirmed",
        "2026-10-30",
        36,
    ),
    # K1 until 2026-07-29 cannot change status by I-129: 2026-07-30..2026-12-04 =
    # 2 + 31 + 30 + 31 + 30 + 4 = 128.
    (
        "fiance class cannot change status",
        [
            arrival("A1", "2026-05-01", "2026-07-29", cls="K1"),
            benefit(
                "B1", "I-129", "2026-07-01", "approved", "2026-07-15", valid_until="2027-07-01"
            ),
        ],
        "potential_overstay_unconfirmed",
        "stay_expired_unconfirmed",
        "2026-07-30",
        128,
    ),
    # Filed on time but frivolous: pending, it authorises nothing after 2026-10-31, so
    # 2026-11-01..2026-12-04 = 34 days.
    (
        "frivolous extension pending",
        [
            arrival("A1", "2026-05-01", "2026-10-31"),
            benefit("B1", "I-539", "2026-10-20", timely_filed=True, frivolous=True),
        ],
        "potential_overstay_unconfirmed",
        "stay_expired_unconfirmed",
        "2026-11-01",
        34,
    ),
    # Frivolous and denied on 2026-11-20: the overstay still runs from 2026-11-01.
    (
        "frivolous extension denied",
        [
            arrival("A1", "2026-05-01", "2026-10-31"),
            benefit(
                "B1",
                "I-539",
                "2026-10-20",
                "denied",
                "2026-11-20",
                timely_filed=True,
                frivolous=True,
            ),
        ],
        "potential_overstay_unconfirmed",
        "stay_expired_unconfirmed",
        "2026-11-01",
        34,
    ),
    # Filed late (2026-11-05) but approved: the new period counts from 2026-11-01.
    (
        "late extension approved",
        [
            arrival("A1", "2026-05-01", "2026-10-31"),
            benefit(
                "B1",
                "I-539",
                "2026-11-05",
                "approved",
                "2026-11-25",
                valid_until="2027-04-30",
                timely_filed=False,
            ),
        ],
        "in_status",
        "extension_approved",
        "2026-05-01",
        None,
    ),
    # Authorised withdrawal on 2026-11-01 leaves 15 days, to 2026-11-16:
    # 2026-11-17..2026-12-04 = 14 + 4 = 18.
    (
        "F student authorised withdrawal 15 days",
        [
            arrival("A1", "2025-08-20", "D/S", cls="F1"),
            student(
                "S1",
                "F1",
                "2025-09-01",
                "2027-05-31",
                student_status="terminated",
                termination_date="2026-11-01",
                termination_reason="authorized early withdrawal",
            ),
        ],
        "potential_overstay_unconfirmed",
        "stay_expired_unconfirmed",
        "2026-11-17",
        18,
    ),
    # M1 programme ends 2026-11-20: +30 days = 2026-12-20, after the as-of date.
    (
        "M student plus 30 days",
        [
            arrival("A1", "2026-01-05", "D/S", cls="M1"),
            student("S1", "M1", "2026-01-10", "2026-11-20"),
        ],
        "in_status",
        "duration_of_status_m",
        "2026-01-05",
        None,
    ),
    (
        "duration of status without end date",
        [arrival("A1", "2024-02-01", "D/S", cls="A1")],
        "in_status",
        "duration_of_status",
        "2024-02-01",
        None,
    ),
    (
        "admit-until missing",
        [arrival("A1", "2026-02-01", None)],
        "unknown",
        "admit_until_missing",
        "2026-02-01",
        None,
    ),
    (
        "parole on arrival valid",
        [arrival("A1", "2026-06-01", "2027-06-01", cls="PAROLE")],
        "protected",
        "parole_valid",
        "2026-06-01",
        None,
    ),
    # Paroled until 2026-06-01: 2026-06-02..2026-12-04 = 29 + 31 + 31 + 30 + 31 + 30 + 4 = 186.
    (
        "parole on arrival expired",
        [arrival("A1", "2025-06-01", "2026-06-01", cls="PAROLE")],
        "potential_overstay_unconfirmed",
        "stay_expired_unconfirmed",
        "2026-06-02",
        186,
    ),
    (
        "parole granted by I-131",
        [
            benefit(
                "B1",
                "I-131",
                "2026-01-10",
                "approved",
                "2026-03-01",
                new_class="PAROLE",
                valid_until="2027-03-01",
            )
        ],
        "protected",
        "parole_valid",
        "2026-03-01",
        None,
    ),
    (
        "advance parole is no parole",
        [
            benefit(
                "B1",
                "I-131",
                "2026-01-10",
                "approved",
                "2026-03-01",
                new_class="AP",
                valid_until="2027-03-01",
            )
        ],
        "unknown",
        "no_status_evidence",
        None,
        None,
    ),
    (
        "asylum granted",
        [
            arrival("A1", "2024-03-02", "2024-08-31"),
            benefit("B1", "I-589", "2024-08-15", "approved", "2025-10-01"),
        ],
        "in_status",
        "asylum_granted",
        "2025-10-01",
        None,
    ),
    (
        "tps request pending",
        [arrival("A1", "2026-03-02", "2026-08-31"), benefit("B1", "I-821", "2026-08-01")],
        "pending_application",
        "protection_pending",
        "2026-08-01",
        None,
    ),
    (
        "certificate of citizenship approved",
        [benefit("B1", "N-600", "2025-01-10", "approved", "2025-08-01")],
        "citizen",
        "citizenship_certified",
        "2025-08-01",
        None,
    ),
    # Born 2010-05-01, permanent resident 2018-03-01, parent naturalised 2020-06-15 (the
    # child is 10): a citizen from 2020-06-15, the day the last condition was met.
    (
        "citizenship derived from parent",
        [
            arrival("A1", "2017-06-01", "2017-12-01", dob="2010-05-01"),
            benefit("B1", "I-485", "2017-09-01", "approved", "2018-03-01"),
            benefit(
                "B2",
                "N-600",
                "2026-01-10",
                parent_a_number="A123456789",
                parent_naturalisation_date="2020-06-15",
                parent_custody=True,
            ),
        ],
        "citizen",
        "derived_citizenship",
        "2020-06-15",
        None,
    ),
    # Ordered 2026-11-20 with the appeal waived: final that day, before the 30 days run out.
    (
        "order with appeal waived",
        [court("C1", "2026-01-01", "removal", "2026-11-20", appeal="waived")],
        "final_order",
        "order_appeal_waived",
        "2026-11-20",
        None,
    ),
    # J1 programme ends 2026-11-20: +30 days = 2026-12-20, after the as-of date.
    (
        "J exchange visitor within 30 days",
        [
            arrival("A1", "2025-11-01", "D/S", cls="J1"),
            student("S1", "J1", "2025-11-05", "2026-11-20"),
        ],
        "in_status",
        "duration_of_status_j",
        "2025-11-01",
        None,
    ),
    # Departed 2026-09-15 after the deadline 2026-07-31: that executes the alternate order.
    (
        "departure after voluntary departure deadline",
        [
            court(
                "C1", "2026-01-01", "voluntary_departure", "2026-06-01", vd_deadline="2026-07-31"
            ),
            departure("D1", "2026-09-15"),
        ],
        "self_departed",
        "self_removal",
        "2026-09-15",
        None,
    ),
]


@pytest.mark.parametrize(
    ("records", "status", "rule_id", "since", "overstay_days"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_rule_table(
    records: list[RecordView],
    status: str,
    rule_id: str,
    since: str | None,
    overstay_days: int | None,
) -> None:
    result = status_on(records=records, as_of=AS_OF)
    assert result.status == status
    assert result.rule_id == rule_id
    assert result.since == (date.fromisoformat(since) if since else None)
    assert result.overstay_days == overstay_days


def test_every_result_names_rule_citation_and_evidence() -> None:
    for _, records, *_ in CASES:
        result = status_on(records=records, as_of=AS_OF)
        assert result.rule_id
        assert result.evidence, result.rule_id
        assert set(result.evidence) <= {record.uid for record in records}
        if result.rule_id != "no_status_evidence" and result.status != "departed":
            assert result.citation, result.rule_id


def test_unconfirmed_overstay_is_flagged() -> None:
    result = status_on(records=[arrival("A1", "2026-03-02", "2026-08-31")], as_of=AS_OF)
    assert "unconfirmed" in result.flags
    assert "departure_not_recorded" in result.flags


def test_protection_under_final_order_stays_visible() -> None:
    records = [
        court("C1", "2026-01-01", "removal", "2026-03-01", appeal="waived"),
        benefit("B1", "I-821", "2026-05-01", "approved", "2026-07-01", valid_until="2027-07-01"),
    ]
    result = status_on(records=records, as_of=AS_OF)
    assert result.status == "final_order"
    assert "tps" in result.flags


def test_pending_asylum_stops_overstay_count() -> None:
    # Stay ended 2026-08-31, asylum filed 2026-09-10, left 2026-10-01 (which abandons it):
    # only 2026-09-01..2026-09-09 count, 9 days.
    records = [
        arrival("A1", "2026-03-02", "2026-08-31"),
        benefit("B1", "I-589", "2026-09-10"),
        departure("D1", "2026-10-01"),
    ]
    result = status_on(records=records, as_of=AS_OF)
    assert result.status == "departed"
    assert result.overstay_days == 9
    assert status_on(records=records[:2], as_of=AS_OF).status == "protected"


def test_departure_before_order_is_flagged() -> None:
    records = [
        court("C1", "2026-01-01", "removal", "2026-06-01", in_absentia=True),
        departure("D1", "2026-03-01"),
    ]
    result = status_on(records=records, as_of=AS_OF)
    assert result.status == "final_order"
    assert "departed_before_order" in result.flags
    assert "departures:D1" in result.evidence


def test_land_admission_flags_missing_exit_data() -> None:
    result = status_on(records=[arrival("A1", "2026-03-02", "2026-08-31", mode="land")],
                       as_of=AS_OF)  # fmt: skip
    assert result.status == "potential_overstay_unconfirmed"
    assert "land_no_exit_data" in result.flags


# Rules a status on one date cannot reach: a later arrival proving an earlier departure is
# only seen when a history looks back from a later as-of date.
HISTORY_ONLY_RULES = {"departure_inferred"}


def test_rule_table_covers_every_rule() -> None:
    reached = {status_on(records=records, as_of=AS_OF).rule_id for _, records, *_ in CASES}
    assert reached | HISTORY_ONLY_RULES == set(RULES)


def test_extension_refused_for_transit_class_is_flagged() -> None:
    records = [
        arrival("A1", "2026-10-01", "2026-10-29", cls="C1"),
        benefit("B1", "I-539", "2026-10-20", timely_filed=True),
    ]
    assert "extension_not_available" in status_on(records=records, as_of=AS_OF).flags


def test_satisfactory_departure_capped_at_30_days() -> None:
    # The 90 days end 2026-11-29; a grant to 2027-02-01 is cut to 2026-11-29 + 30 days.
    records = [
        arrival("A1", "2026-09-01", None, cls="WT"),
        benefit("B1", "SATISFACTORY_DEPARTURE", "2026-11-20", "approved", "2026-11-25",
                valid_until="2027-02-01"),
    ]  # fmt: skip
    result = status_on(records=records, as_of=AS_OF)
    assert result.valid_until == date(2026, 12, 29)


def test_voluntary_departure_overstayed_carries_penalties() -> None:
    records = [
        court("C1", "2026-01-01", "voluntary_departure", "2026-09-01", vd_deadline="2026-11-20")
    ]
    result = status_on(records=records, as_of=AS_OF)
    assert result.rule_id == "vd_overstayed"
    assert "vd_civil_penalty" in result.flags
    assert "vd_relief_bar_10_year" in result.flags


def test_voluntary_departure_beyond_120_days_is_flagged() -> None:
    # Granted 2026-11-01 with a deadline 2027-03-15: 134 days, over the 120 allowed.
    records = [
        court("C1", "2026-01-01", "voluntary_departure", "2026-11-01", vd_deadline="2027-03-15")
    ]
    result = status_on(records=records, as_of=AS_OF)
    assert result.status == "voluntary_departure_period"
    assert "vd_period_beyond_limit" in result.flags


def test_departure_followed_by_arrest_is_disputed() -> None:
    records = [
        arrival("A1", "2026-03-02", "2026-08-31"),
        departure("D1", "2026-08-20", kind="self_reported"),
        enforcement("E1", "arrest", "2026-10-01"),
    ]
    result = status_on(records=records, as_of=AS_OF)
    assert result.status == "departed"
    assert "disputed" in result.flags
    assert "low_confidence_departure" in result.flags
    assert "enforcement:E1" in result.evidence


def test_arrest_after_return_disputes_nothing() -> None:
    records = [
        arrival("A1", "2026-03-02", "2026-08-31"),
        departure("D1", "2026-08-20"),
        arrival("A2", "2026-10-01", "2027-03-31"),
        enforcement("E1", "arrest", "2026-11-01"),
    ]
    periods = status_history(records=records, as_of=AS_OF)
    assert all("disputed" not in period.flags for period in periods)


def test_parole_flag_only_while_valid() -> None:
    valid = status_on(records=[arrival("A1", "2026-06-01", "2027-06-01", cls="PAROLE")],
                      as_of=AS_OF)  # fmt: skip
    expired = status_on(records=[arrival("A1", "2025-06-01", "2026-06-01", cls="PAROLE")],
                        as_of=AS_OF)  # fmt: skip
    assert "parole" in valid.flags
    assert "parole" not in expired.flags
