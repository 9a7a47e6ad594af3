"""Properties that hold for any record set: day counts, departures and knowledge dates."""

import itertools
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from status_builders import arrival, benefit, court, departure, enforcement, view

from immigrationos.status import status_history, status_on
from immigrationos.status.records import Benefit, Departure, RecordView

START = date(2024, 1, 1)
days = st.integers(min_value=0, max_value=1400)


def _day(offset: int) -> str:
    return (START + timedelta(days=offset)).isoformat()


@st.composite
def arrivals(draw: st.DrawFn, index: int) -> RecordView:
    admitted = draw(days)
    length = draw(st.integers(min_value=0, max_value=400))
    cls = draw(st.sampled_from(["B2", "WT", "H1B", "C1", "K1", "PAROLE"]))
    mode = draw(st.sampled_from(["air", "land"]))
    # Born between 1990 and 2012, so some stays begin under 18; 2004-02-29 is a leap day.
    dob = draw(st.sampled_from([None, "1990-06-15", "2004-02-29", "2008-03-01", "2012-01-01"]))
    return arrival(f"A{index}", _day(admitted), _day(admitted + length), cls=cls, mode=mode,
                   dob=dob)  # fmt: skip


@st.composite
def others(draw: st.DrawFn, index: int) -> RecordView:
    kind = draw(st.sampled_from(
        ["departure", "extension", "arrest", "court", "asylum", "self_reported", "tps",
         "satisfactory_departure", "citizenship_claim"]
    ))  # fmt: skip
    day = draw(days)
    if kind == "departure":
        return departure(f"D{index}", _day(day))
    if kind == "self_reported":
        return departure(f"D{index}", _day(day), kind="self_reported", mode="land")
    if kind == "tps":
        return benefit(f"B{index}", "I-821", _day(day), "approved", _day(day + 60),
                       valid_until=_day(day + 500))  # fmt: skip
    if kind == "satisfactory_departure":
        return benefit(f"B{index}", "SATISFACTORY_DEPARTURE", _day(day), "approved",
                       _day(day + 5), valid_until=_day(day + 40))  # fmt: skip
    if kind == "citizenship_claim":
        link = draw(st.sampled_from([{"parent_a_number": "A123456789"},
                                     {"parent_name": "Maria Example"}]))  # fmt: skip
        return view("benefits", f"B{index}", form="N-600", filed_date=_day(day),
                    decision="pending", parent_naturalisation_date=_day(day - 300),
                    parent_custody=True, **link)  # fmt: skip
    if kind == "extension":
        decision = draw(st.sampled_from(["pending", "approved", "denied"]))
        decided = None if decision == "pending" else _day(day + draw(st.integers(0, 200)))
        return benefit(f"B{index}", "I-539", _day(day), decision, decided,
                       valid_until=_day(day + 300), timely_filed=draw(st.booleans()),
                       frivolous=draw(st.booleans()))  # fmt: skip
    if kind == "arrest":
        return enforcement(f"E{index}", "arrest", _day(day))
    if kind == "court":
        decision = draw(st.sampled_from(["pending", "removal", "voluntary_departure"]))
        decided = None if decision == "pending" else _day(day + draw(st.integers(0, 300)))
        return court(f"C{index}", _day(day), decision, decided,
                     appeal=draw(st.sampled_from(["none", "waived", "pending"])),
                     vd_deadline=_day(day + 400))  # fmt: skip
    return benefit(f"B{index}", "I-589", _day(day))


@st.composite
def record_sets(draw: st.DrawFn) -> list[RecordView]:
    count = draw(st.integers(min_value=1, max_value=3))
    records = [draw(arrivals(i)) for i in range(count)]
    extra = draw(st.integers(min_value=0, max_value=3))
    return records + [draw(others(i)) for i in range(extra)]


@settings(max_examples=200, deadline=None)
@given(records=record_sets(), as_of=days)
def test_overstay_days_never_negative(records: list[RecordView], as_of: int) -> None:
    result = status_on(records=records, as_of=START + timedelta(days=as_of))
    assert result.overstay_days is None or result.overstay_days >= 0


@st.composite
def overstay_cases(draw: st.DrawFn) -> tuple[list[RecordView], int]:
    """Draw records whose first arrival's stay has ended by the drawn as-of day."""
    admitted = draw(st.integers(min_value=0, max_value=900))
    length = draw(st.integers(min_value=0, max_value=200))
    as_of = draw(st.integers(min_value=admitted + length + 1, max_value=1400))
    records = [arrival("A0", _day(admitted), _day(admitted + length), cls="B2", mode="air")]
    extra = draw(st.integers(min_value=0, max_value=2))
    return records + [draw(others(i)) for i in range(extra)], as_of


@settings(max_examples=200, deadline=None)
@given(case=overstay_cases(), departed=days)
def test_departure_never_adds_overstay_days(
    case: tuple[list[RecordView], int], departed: int
) -> None:
    records, as_of = case
    day = START + timedelta(days=as_of)
    before = status_on(records=records, as_of=day).overstay_days
    # A pending application gives no day count (None). Leaving abandons it and shows the
    # days before the filing, so only an existing count is compared. The strategy makes
    # most draws end in an overstay, so few are skipped here.
    if before is None:
        return
    with_departure = [*records, departure("D-extra", _day(departed))]
    after = status_on(records=with_departure, as_of=day).overstay_days or 0
    assert after <= before


@settings(max_examples=200, deadline=None)
@given(case=overstay_cases(), departed=days)
def test_departure_never_adds_unlawful_days(
    case: tuple[list[RecordView], int], departed: int
) -> None:
    records, as_of = case
    day = START + timedelta(days=as_of)
    before = status_on(records=records, as_of=day).unlawful_presence_days
    if before is None:
        return
    with_departure = [*records, departure("D-extra", _day(departed))]
    after = status_on(records=with_departure, as_of=day).unlawful_presence_days or 0
    assert after <= before


@settings(max_examples=200, deadline=None)
@given(records=record_sets(), as_of=days)
def test_status_uses_only_records_known_then(records: list[RecordView], as_of: int) -> None:
    day = START + timedelta(days=as_of)
    known = [record for record in records if record.known_date <= day]
    assert status_on(records=records, as_of=day) == status_on(records=known, as_of=day)


@settings(max_examples=100, deadline=None)
@given(records=record_sets(), as_of=days)
def test_history_ends_in_current_status(records: list[RecordView], as_of: int) -> None:
    day = START + timedelta(days=as_of)
    current = status_on(records=records, as_of=day)
    periods = status_history(records=records, as_of=day)
    if current.rule_id == "no_status_evidence" and not periods:
        return
    assert periods[-1].end is None
    assert (periods[-1].status, periods[-1].rule_id) == (current.status, current.rule_id)
    for earlier, later in itertools.pairwise(periods):
        assert earlier.end == later.start - timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(records=record_sets(), as_of=days)
def test_unlawful_presence_within_overstay(records: list[RecordView], as_of: int) -> None:
    result = status_on(records=records, as_of=START + timedelta(days=as_of))
    days_unlawful = result.unlawful_presence_days
    assert days_unlawful is None or days_unlawful >= 0
    if days_unlawful is not None and result.overstay_days is not None:
        assert days_unlawful <= result.overstay_days


@settings(max_examples=200, deadline=None)
@given(records=record_sets(), as_of=days)
def test_bar_needs_departure_and_180_days(records: list[RecordView], as_of: int) -> None:
    day = START + timedelta(days=as_of)
    result = status_on(records=records, as_of=day)
    if result.bar is None:
        assert result.bar_until is None
        return
    assert result.bar in {"3_year", "10_year"}
    assert result.bar_until is not None
    assert result.bar_until >= day
    assert any(isinstance(rec, Departure) and rec.departure_date <= day for rec in records)


@st.composite
def pending_extension_cases(draw: st.DrawFn) -> tuple[list[RecordView], int, int]:
    """Draw a B2 stay with a timely, non-frivolous I-539 decided after the as-of day."""
    admitted = draw(st.integers(min_value=0, max_value=900))
    length = draw(st.integers(min_value=1, max_value=200))
    until = admitted + length
    filed = draw(st.integers(min_value=admitted, max_value=until))
    as_of = draw(st.integers(min_value=filed, max_value=until + 400))
    decided = draw(st.one_of(st.none(), st.integers(min_value=as_of + 1, max_value=1500)))
    decision = "pending" if decided is None else draw(st.sampled_from(["approved", "denied"]))

    records = [
        arrival("A0", _day(admitted), _day(until)),
        benefit(
            "B0",
            "I-539",
            _day(filed),
            decision,
            None if decided is None else _day(decided),
            valid_until=_day(until + 300),
            timely_filed=True,
        ),
    ]

    extra = draw(st.integers(min_value=0, max_value=2))
    others_drawn = [draw(others(i)) for i in range(extra)]
    # Only records that leave the stay and the application alone: no departures and no
    # other extension, whose denial would lawfully end the stay.
    records += [
        rec
        for rec in others_drawn
        if not isinstance(rec, Departure) and not (isinstance(rec, Benefit) and rec.form == "I-539")
    ]
    return records, until, as_of


@settings(max_examples=200, deadline=None)
@given(case=pending_extension_cases())
def test_pending_timely_extension_never_overstay(case: tuple[list[RecordView], int, int]) -> None:
    records, until, as_of = case
    day = START + timedelta(days=as_of)
    result = status_on(records=records, as_of=day)
    assert result.status not in {"overstay", "potential_overstay_unconfirmed"}
    assert not result.overstay_days
    if as_of > until and result.rule_id in {"extension_pending_timely", "admitted_until"}:
        assert result.unlawful_presence_days is None
    for period in status_history(records=records, as_of=day):
        assert period.status not in {"overstay", "potential_overstay_unconfirmed"}
