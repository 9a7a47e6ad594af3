"""A person's timeline: records known on a date, and stays built from arrivals.

A stay runs from one admission to its recorded departure, to the next admission (which
proves a departure that was not recorded) or to the day for which the status is requested.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from immigrationos.status import rules as r
from immigrationos.status.dates import ONE_DAY, days_after
from immigrationos.status.records import (
    Arrival,
    Benefit,
    CourtCase,
    Departure,
    RecordView,
    StudentRecord,
    same_day_before,
)

VISA_WAIVER_CLASSES = frozenset({"WT", "WB"})
# INA 217(a)(1): 90 days counting the admission day, so admitted 2026-01-15 runs to 2026-04-14.
VISA_WAIVER_LAST_DAY = timedelta(days=89)
# 8 CFR 217.3(a): satisfactory departure, granted when an emergency keeps a Visa Waiver
# visitor from leaving on time, lasts at most 30 days after the 90-day stay.
SATISFACTORY_DEPARTURE_FORM = "SATISFACTORY_DEPARTURE"
SATISFACTORY_DEPARTURE_MAX = timedelta(days=30)
EXTENSION_FORMS = frozenset({"I-539", "I-129"})
# Classes that can neither extend their stay nor change status: transit (C, TWOV), crew (D),
# fiancé(e)s and their children (K-1, K-2), witnesses and informants (S) and Visa Waiver
# visitors. 8 CFR 214.1(c)(3) and 8 CFR 248.2; INA 248(a).
# NOTE: S nonimmigrants may extend within their first 3 years; every S extension is
# refused here.
NON_EXTENDABLE_CLASSES = (
    frozenset({"C1", "C2", "C3", "C4", "C1D", "TWOV", "D1", "D2", "K1", "K2", "S5", "S6", "S7"})
    | VISA_WAIVER_CLASSES
)
# Paroled on arrival: the I-94 records parole until a date, which is not an admission.
PAROLE_CLASSES = frozenset({"PAROLE"})
# Days after the programme (or OPT) end during which the student may remain:
# 8 CFR 214.2(f)(5)(iv) for F, 8 CFR 214.2(j)(1)(ii) for J, 8 CFR 214.2(m)(5) for M.
STUDENT_GRACE = {
    "F": (timedelta(days=60), "duration_of_status_f"),
    "J": (timedelta(days=30), "duration_of_status_j"),
    "M": (timedelta(days=30), "duration_of_status_m"),
}
# 8 CFR 214.2(f)(5)(iv): an F student whose school authorised a withdrawal from classes has
# 15 days to leave. A termination for a status violation leaves no days at all.
AUTHORISED_WITHDRAWAL_GRACE = timedelta(days=15)
AUTHORISED_WITHDRAWAL = "authorized early withdrawal"


def records_known_on(*, records: Iterable[RecordView], day: date) -> list[RecordView]:
    """Return the records as they stood on ``day``.

    Records whose event date is after ``day`` are dropped. Decisions, appeals and
    terminations dated after ``day`` are masked, so the application reads as pending and
    the programme as active.
    """
    known: list[RecordView] = []
    for record in records:
        if record.known_date > day:
            continue
        if isinstance(record, Benefit) and record.decision_date and record.decision_date > day:
            record = replace(record, decision="pending", decision_date=None, valid_until=None)
        elif isinstance(record, CourtCase):
            record = _court_known_on(record, day)
        elif (
            isinstance(record, StudentRecord)
            and record.termination_date
            and record.termination_date > day
        ):
            record = replace(
                record, student_status="active", termination_date=None, termination_reason=None
            )
        known.append(record)
    return known


def _court_known_on(case: CourtCase, day: date) -> CourtCase:
    if case.decision_date and case.decision_date > day:
        return replace(
            case,
            decision="pending",
            decision_date=None,
            appeal=None,
            appeal_decision_date=None,
            in_absentia=False,
            vd_deadline=None,
        )
    if case.appeal_decision_date and case.appeal_decision_date > day:
        return replace(case, appeal="pending", appeal_decision_date=None)
    return case


@dataclass(frozen=True)
class StayTerms:
    """The authorised stay of one admission: its last lawful day and the rule that set it.

    ``until`` is None for an open-ended duration of status. ``pending_extension`` is a
    timely extension or change of status still pending, which keeps the stay authorised.
    """

    until: date | None
    rule_id: str
    evidence: tuple[str, ...]
    flags: tuple[str, ...] = ()
    pending_extension: Benefit | None = None


@dataclass(frozen=True)
class Stay:
    """One admission and how it ended, if it has."""

    arrival: Arrival
    terms: StayTerms
    departure: Departure | None = None
    next_arrival: Arrival | None = None
    flags: tuple[str, ...] = field(default=())

    @property
    def end_kind(self) -> str:
        """Return ``departed``, ``departure_inferred`` or ``open``."""
        if self.departure is not None:
            return "departed"
        if self.next_arrival is not None:
            return "departure_inferred"
        return "open"

    @property
    def overstay_days(self) -> int | None:
        """Return days stayed past the authorised stay, or None when it cannot be known.

        The departure day is not counted. An inferred departure leaves the count unknown.
        A timely extension still pending at departure kept the whole stay authorised.
        """
        if self.terms.until is None or self.departure is None:
            return None
        if self.terms.pending_extension is not None:
            return 0
        return days_after(
            last_authorised=self.terms.until, until=self.departure.departure_date - ONE_DAY
        )

    @property
    def max_overstay_days(self) -> int | None:
        """Return the largest overstay an inferred departure allows (up to the re-entry)."""
        if self.terms.until is None or self.next_arrival is None or self.departure is not None:
            return None
        return days_after(
            last_authorised=self.terms.until,
            until=self.next_arrival.admission_date - ONE_DAY,
        )


_STAY_FORMS = EXTENSION_FORMS | {SATISFACTORY_DEPARTURE_FORM}


def build_stays(*, records: Sequence[RecordView]) -> list[Stay]:
    """Build the stays of one person from arrivals, departures, students and extensions."""
    arrivals = sorted(
        (rec for rec in records if isinstance(rec, Arrival)),
        key=lambda a: (a.admission_date, a.uid),
    )
    departures = sorted(
        (rec for rec in records if isinstance(rec, Departure)),
        key=lambda d: (d.departure_date, d.uid),
    )
    students = [rec for rec in records if isinstance(rec, StudentRecord)]
    extensions = sorted(
        (rec for rec in records if isinstance(rec, Benefit) and rec.form in _STAY_FORMS),
        key=lambda b: (b.filed_date, b.uid),
    )

    stays: list[Stay] = []
    for index, arrival in enumerate(arrivals):
        next_arrival = arrivals[index + 1] if index + 1 < len(arrivals) else None
        end = next_arrival.admission_date if next_arrival else date.max
        departure = next(
            (d for d in departures if _in_stay(d, arrival=arrival, next_arrival=next_arrival)),
            None,
        )
        in_stay = [b for b in extensions if arrival.admission_date <= b.filed_date < end]
        terms = stay_terms(arrival=arrival, students=students, extensions=in_stay)
        flags: list[str] = []
        if departure is None and next_arrival is not None:
            flags += [r.FLAG_DEPARTURE_INFERRED, r.FLAG_DEPARTURE_NOT_RECORDED]
        if departure is None and arrival.mode == "land":
            flags.append(r.FLAG_LAND_NO_EXIT_DATA)
        stays.append(Stay(arrival, terms, departure, next_arrival, tuple(flags)))
    return stays


def _in_stay(departure: Departure, *, arrival: Arrival, next_arrival: Arrival | None) -> bool:
    """Return whether ``departure`` ends the stay that ``arrival`` began.

    On a date shared with an arrival, the timestamps decide: a departure before the
    arrival belongs to the stay before it. Without both timestamps the departure belongs to
    the stay that begins that day.
    """
    day = departure.departure_date
    if day < arrival.admission_date or same_day_before(departure, arrival):
        return False
    if next_arrival is None:
        return True
    return day < next_arrival.admission_date or same_day_before(departure, next_arrival)


def stay_terms(
    *, arrival: Arrival, students: Sequence[StudentRecord], extensions: Sequence[Benefit]
) -> StayTerms:
    """Compute the authorised stay of one admission, applying extensions in filing order.

    ``extensions`` are the I-539, I-129 and satisfactory-departure records filed during the
    stay. A class in ``NON_EXTENDABLE_CLASSES`` ignores I-539 and I-129 filings and gets the
    flag ``extension_not_available``.
    """
    if arrival.class_of_admission in VISA_WAIVER_CLASSES:
        return _visa_waiver_terms(arrival, extensions)
    if arrival.class_of_admission in PAROLE_CLASSES:
        return StayTerms(arrival.admit_until, "parole_valid", (arrival.uid,))
    if arrival.duration_of_status:
        terms = _duration_of_status_terms(arrival, students)
    elif arrival.admit_until is not None:
        terms = StayTerms(arrival.admit_until, "admitted_until", (arrival.uid,))
    else:
        return StayTerms(None, "admit_until_missing", (arrival.uid,), ("admit_until_missing",))
    if terms.rule_id == "ds_without_student_record":
        return terms
    filings = [b for b in extensions if b.form in EXTENSION_FORMS]
    if filings and arrival.class_of_admission in NON_EXTENDABLE_CLASSES:
        return replace(terms, flags=(*terms.flags, r.FLAG_EXTENSION_NOT_AVAILABLE))
    for benefit in filings:
        terms = _apply_extension(terms, benefit)
    return terms


def _visa_waiver_terms(arrival: Arrival, extensions: Sequence[Benefit]) -> StayTerms:
    """Apply INA 217(a)(1) and 8 CFR 217.2: 90 days at most, extensions have no effect.

    Satisfactory departure granted under 8 CFR 217.3(a) moves the last day to its
    ``valid_until``, at most 30 days after the 90 days. Requested but not granted, it
    changes nothing.
    """
    last_day = arrival.admission_date + VISA_WAIVER_LAST_DAY
    until = min(arrival.admit_until, last_day) if arrival.admit_until else last_day
    flags: tuple[str, ...] = ()
    if any(b.form in EXTENSION_FORMS for b in extensions):
        flags = (r.FLAG_EXTENSION_NOT_AVAILABLE,)
    terms = StayTerms(until, "visa_waiver_90_days", (arrival.uid,), flags)
    for grant in extensions:
        if grant.form != SATISFACTORY_DEPARTURE_FORM or grant.decision != "approved":
            continue
        granted_until = min(
            grant.valid_until or until + SATISFACTORY_DEPARTURE_MAX,
            until + SATISFACTORY_DEPARTURE_MAX,
        )
        terms = StayTerms(
            max(until, granted_until),
            "visa_waiver_satisfactory_departure",
            (arrival.uid, grant.uid),
            flags,
        )
    return terms


def _duration_of_status_terms(arrival: Arrival, students: Sequence[StudentRecord]) -> StayTerms:
    category = arrival.class_of_admission[:1]
    if category not in STUDENT_GRACE:
        return StayTerms(None, "duration_of_status", (arrival.uid,))
    matching = [s for s in students if s.visa_class[:1] == category]
    if not matching:
        return StayTerms(
            None, "ds_without_student_record", (arrival.uid,), ("ds_without_student_record",)
        )
    student = max(matching, key=lambda s: (s.program_start, s.uid))
    grace, rule_id = STUDENT_GRACE[category]
    evidence = (arrival.uid, student.uid)
    if student.termination_date is not None:
        if category == "F" and student.termination_reason == AUTHORISED_WITHDRAWAL:
            until = student.termination_date + AUTHORISED_WITHDRAWAL_GRACE
            return StayTerms(until, rule_id, evidence, ("authorised_withdrawal",))
        # A termination for a status violation ends the stay on that day with no grace.
        return StayTerms(student.termination_date, rule_id, evidence, ("terminated_no_grace",))
    programme_end = student.program_end
    if category == "F" and student.opt_end is not None:
        programme_end = max(programme_end, student.opt_end)
    return StayTerms(programme_end + grace, rule_id, evidence)


def _apply_extension(terms: StayTerms, benefit: Benefit) -> StayTerms:
    """Apply one I-539 or I-129 filed during the stay (8 CFR 214.1(c)(4), INA 248).

    Filed on time (before the stay ended, or as the record's ``timely_filed`` states), the
    stay remains authorised while the application is pending. An approval sets the new
    valid-until date, counted from the end of the previous stay even when the decision
    comes later. A denial or withdrawal ends the stay on the decision date. Filed late or
    found frivolous, the application keeps nothing authorised, and a denial leaves the
    stay ending on its original date.
    """
    timely = benefit.timely_filed
    if timely is None:
        timely = terms.until is None or benefit.filed_date <= terms.until
    if benefit.frivolous:
        timely = False
        terms = replace(terms, flags=(*terms.flags, r.FLAG_FRIVOLOUS_APPLICATION))
    evidence = (*terms.evidence, benefit.uid)

    if benefit.decision == "approved":
        until = benefit.valid_until or terms.until
        flags = terms.flags if benefit.valid_until else (*terms.flags, "valid_until_missing")
        return StayTerms(until, "extension_approved", evidence, flags)
    if benefit.decision == "pending":
        if timely:
            return replace(terms, evidence=evidence, pending_extension=benefit)
        return replace(terms, flags=(*terms.flags, "untimely_extension"))
    if timely and benefit.decision_date is not None:
        until = benefit.decision_date
        if terms.until is not None:
            until = max(terms.until, benefit.decision_date)
        return StayTerms(until, terms.rule_id, evidence, (*terms.flags, "extension_denied"))
    return replace(terms, pending_extension=None)
