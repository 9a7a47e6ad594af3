"""Status on a date and status history, from a person's linked records.

``status_on`` reads only the records known on the as-of date. ``status_history`` looks back
from the as-of date, so a later arrival can prove that an earlier stay ended.
The precedence of statuses is documented in ``immigrationos.status.rules``.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from immigrationos.status import rules as r
from immigrationos.status.dates import ONE_DAY, days_after
from immigrationos.status.records import (
    Arrival,
    Benefit,
    Conviction,
    CourtCase,
    Departure,
    EnforcementEvent,
    RecordView,
    StudentRecord,
    VisaIssuance,
)
from immigrationos.status.timeline import Stay, build_stays, records_known_on

_StaysCache = dict[tuple[int, ...], tuple[list[RecordView], list[Stay]]]

# 8 CFR 1003.38(b): an appeal must reach the Board within 30 days of the decision.
APPEAL_PERIOD = timedelta(days=30)
PRESENCE_KINDS = frozenset({"encounter", "arrest", "detention", "release"})
PROTECTIVE_FORMS = frozenset({"I-589", "I-485", "I-821", "I-821D"})


@dataclass(frozen=True)
class StatusResult:
    """A person's status on one date, with the rule, its citation and the evidence.

    ``overstay_days`` counts the days after the authorised stay. For a potential or
    confirmed overstay the count runs up to and including the as-of date, and for a
    departure up to the day before it. It is None where no count applies or it is unknown.
    ``valid_until`` is the last day of the current authorised stay or protection, if known.
    """

    status: str
    since: date | None
    rule_id: str
    citation: str
    explanation: str
    evidence: tuple[str, ...]
    flags: tuple[str, ...] = ()
    overstay_days: int | None = None
    valid_until: date | None = None


@dataclass(frozen=True)
class StatusPeriod:
    """A span of days with one status; ``end`` is None while the period is open."""

    start: date
    end: date | None
    status: str
    rule_id: str
    citation: str
    evidence: tuple[str, ...]
    flags: tuple[str, ...]


def status_on(*, records: Sequence[RecordView], as_of: date) -> StatusResult:
    """Derive the status on ``as_of`` from the records known by then."""
    return _status_at(records_known_on(records=records, day=as_of), as_of, (), {})


def status_history(*, records: Sequence[RecordView], as_of: date) -> list[StatusPeriod]:
    """Derive the periods of status up to ``as_of``, as known on ``as_of``.

    The status is evaluated on every date a record can change it. Each evaluation reads the
    decisions known on that date, plus the arrivals up to ``as_of``: a later arrival proves
    that the stay before it ended, which shows as ``departure_inferred``.
    """
    known = records_known_on(records=records, day=as_of)
    arrivals = [rec for rec in known if isinstance(rec, Arrival)]
    pending = [d for d in _change_dates(known) if d <= as_of]
    heapq.heapify(pending)

    periods: list[StatusPeriod] = []
    seen: set[date] = set()
    stays_cache: _StaysCache = {}
    while pending:
        day = heapq.heappop(pending)
        if day in seen:
            continue
        seen.add(day)
        later = tuple(a for a in arrivals if a.admission_date > day)
        result = _status_at(records_known_on(records=known, day=day), day, later, stays_cache)
        if result.valid_until is not None and result.valid_until < as_of:
            heapq.heappush(pending, result.valid_until + ONE_DAY)
        _extend(periods, day, result)
    return periods


def _change_dates(records: Iterable[RecordView]) -> set[date]:
    """Return the dates on which a record can change the status.

    A stay, validity or deadline ends on its last day, so its change comes the day after.
    The ends of authorised stays are added while the history is built, from each result's
    ``valid_until``. A visa issuance changes no status.
    """
    dates: set[date | None] = set()
    for record in records:
        if isinstance(record, Benefit):
            dates |= {record.filed_date, record.decision_date}
            if record.valid_until:
                dates.add(record.valid_until + ONE_DAY)
        elif isinstance(record, CourtCase):
            dates |= {record.nta_date, record.decision_date, record.appeal_decision_date}
            if record.decision_date:
                dates.add(record.decision_date + APPEAL_PERIOD)
            if record.vd_deadline:
                dates.add(record.vd_deadline + ONE_DAY)
        elif isinstance(record, StudentRecord):
            dates |= {record.program_start, record.termination_date}
        elif not isinstance(record, VisaIssuance):
            dates.add(record.known_date)
    return {day for day in dates if day is not None}


def _extend(periods: list[StatusPeriod], day: date, result: StatusResult) -> None:
    if not periods and result.rule_id == "no_status_evidence":
        return
    if periods:
        last = periods[-1]
        if (last.status, last.rule_id, last.flags) == (result.status, result.rule_id, result.flags):
            periods[-1] = StatusPeriod(
                last.start,
                None,
                last.status,
                last.rule_id,
                last.citation,
                result.evidence,
                last.flags,
            )
            return
        periods[-1] = StatusPeriod(
            last.start,
            day - ONE_DAY,
            last.status,
            last.rule_id,
            last.citation,
            last.evidence,
            last.flags,
        )
    periods.append(
        StatusPeriod(
            day, None, result.status, result.rule_id, result.citation, result.evidence, result.flags
        )
    )


def _result(
    rule_id: str,
    since: date | None,
    evidence: Iterable[str],
    flags: Iterable[str] = (),
    *,
    overstay_days: int | None = None,
    valid_until: date | None = None,
    explanation: str | None = None,
) -> StatusResult:
    rule = r.RULES[rule_id]
    return StatusResult(
        status=rule.status,
        since=since,
        rule_id=rule_id,
        citation=rule.citation,
        explanation=explanation or rule.text,
        evidence=tuple(dict.fromkeys(evidence)),
        flags=tuple(sorted(set(flags))),
        overstay_days=overstay_days,
        valid_until=valid_until,
    )


class _Facts:
    """The records known on one day, split by kind, with helpers the rules share."""

    def __init__(
        self,
        known: Sequence[RecordView],
        day: date,
        later: Sequence[Arrival],
        stays_cache: _StaysCache,
    ) -> None:
        self.day = day
        self.stays_cache = stays_cache
        self.known = known
        self.later = later
        self.arrivals: list[Arrival] = []
        self.departures: list[Departure] = []
        self.benefits: list[Benefit] = []
        self.courts: list[CourtCase] = []
        self.enforcement: list[EnforcementEvent] = []
        for rec in known:
            if isinstance(rec, Arrival):
                self.arrivals.append(rec)
            elif isinstance(rec, Departure):
                self.departures.append(rec)
            elif isinstance(rec, Benefit):
                self.benefits.append(rec)
            elif isinstance(rec, CourtCase):
                self.courts.append(rec)
            elif isinstance(rec, EnforcementEvent):
                self.enforcement.append(rec)
        self.departures.sort(key=lambda d: d.departure_date)
        self.courts.sort(key=lambda c: (c.nta_date, c.uid))

    def arrived_after(self, day: date) -> bool:
        return any(a.admission_date > day for a in self.arrivals)

    def departure_since(self, day: date) -> Departure | None:
        """Return the first departure on or after ``day`` not followed by an arrival."""
        for departure in self.departures:
            if departure.departure_date >= day and not self.arrived_after(departure.departure_date):
                return departure
        return None

    def forms(self, *forms: str, decision: str) -> list[Benefit]:
        return [b for b in self.benefits if b.form in forms and b.decision == decision]

    def protection_flags(self) -> set[str]:
        flags: set[str] = set()
        if not self.benefits:
            return flags
        if self.active(self.forms("I-589", decision="pending")):
            flags.add(r.FLAG_ASYLUM_PENDING)
        if self.valid(self.forms("I-821", decision="approved")):
            flags.add(r.FLAG_TPS)
        if self.valid(self.forms("I-821D", decision="approved")):
            flags.add(r.FLAG_DEFERRED_ACTION)
        if self.active(self.forms("I-485", "I-821", "I-821D", decision="pending")):
            flags.add(r.FLAG_APPLICATION_PENDING)
        if self.forms("N-400", decision="pending"):
            flags.add(r.FLAG_CITIZENSHIP_CLAIM_PENDING)
        return flags

    def active(self, benefits: Sequence[Benefit]) -> list[Benefit]:
        # Leaving the country without advance parole abandons a pending I-589
        # (8 CFR 208.8(a)). NOTE: the same is assumed for I-485, I-821 and I-821D.
        return [b for b in benefits if self.departure_since(b.filed_date) is None]

    def valid(self, benefits: Sequence[Benefit]) -> list[Benefit]:
        return [b for b in benefits if b.valid_until is None or self.day <= b.valid_until]


def _status_at(
    known: Sequence[RecordView],
    day: date,
    later: Sequence[Arrival],
    stays_cache: _StaysCache,
) -> StatusResult:
    facts = _Facts(known, day, later, stays_cache)
    protection = facts.protection_flags()
    for rule in _PRECEDENCE:
        result = rule(facts)
        if result is not None:
            if not protection:
                return result
            # Protections below the winning status stay visible to the priority policy.
            return replace(result, flags=tuple(sorted({*result.flags, *protection})))
    raise AssertionError("the stay rule always returns a result")


def _citizen(facts: _Facts) -> StatusResult | None:
    if not facts.benefits:
        return None
    for benefit in facts.forms("N-400", decision="approved"):
        return _result("naturalised", benefit.decision_date or benefit.filed_date, [benefit.uid])
    return None


def _permanent_resident(facts: _Facts) -> StatusResult | None:
    for benefit in facts.forms("I-485", decision="approved"):
        return _result(
            "adjusted_to_lpr", benefit.decision_date or benefit.filed_date, [benefit.uid]
        )
    if facts.courts and facts.courts[-1].decision == "relief":
        case = facts.courts[-1]
        since = case.decision_date or case.nta_date
        return _result("cancellation_of_removal", since, [case.uid], ["relief_type_unrecorded"])
    return None


def _removed(facts: _Facts) -> StatusResult | None:
    removals = [e for e in facts.enforcement if e.kind == "removal"]
    for event in sorted(removals, key=lambda e: e.event_date, reverse=True):
        if not facts.arrived_after(event.event_date):
            return _result("removed", event.event_date, [event.uid])
    return None


def _court(facts: _Facts) -> StatusResult | None:
    """Apply the latest removal case: final order, voluntary departure or proceedings."""
    if not facts.courts:
        return None
    case = facts.courts[-1]
    if case.decision in {"relief", "termination"}:
        return None
    if case.decision == "voluntary_departure" and case.vd_deadline is not None:
        return _voluntary_departure(facts, case, case.vd_deadline)
    final = _final_order(case, facts.day)
    if final is None:
        flags = []
        if case.decision == "removal":
            flags.append("appeal_pending" if case.appeal == "pending" else "appeal_period_open")
        return _result("nta_pending", case.nta_date, [case.uid], flags)
    rule_id, final_date = final
    return _after_final_order(facts, case, rule_id, final_date)


def _final_order(case: CourtCase, day: date) -> tuple[str, date] | None:
    """Return the final-order rule and date of a removal decision, or None if not final.

    8 CFR 1241.1: final when the appeal is waived or dismissed, when no appeal is filed in
    the 30 days allowed by 8 CFR 1003.38(b), and at once when ordered in absentia.
    """
    if case.decision != "removal" or case.decision_date is None:
        return None
    if case.in_absentia:
        return "order_in_absentia", case.decision_date
    if case.appeal == "waived":
        return "order_appeal_waived", case.decision_date
    if case.appeal == "dismissed":
        return "order_appeal_dismissed", case.appeal_decision_date or case.decision_date
    if case.appeal in {"pending", "sustained"}:
        return None
    final_date = case.decision_date + APPEAL_PERIOD
    return ("order_no_appeal", final_date) if day >= final_date else None


def _voluntary_departure(facts: _Facts, case: CourtCase, deadline: date) -> StatusResult:
    """Apply 8 CFR 1240.26: leave by the deadline, or the alternate order becomes final."""
    granted = case.decision_date or case.nta_date
    for departure in facts.departures:
        if granted <= departure.departure_date <= deadline and not facts.arrived_after(
            departure.departure_date
        ):
            return _result(
                "voluntary_departure_complied",
                departure.departure_date,
                [case.uid, departure.uid],
            )
    if facts.day <= deadline:
        return _result("voluntary_departure", granted, [case.uid], valid_until=deadline)
    return _after_final_order(facts, case, "vd_overstayed", deadline + ONE_DAY)


def _after_final_order(
    facts: _Facts, case: CourtCase, rule_id: str, final_date: date
) -> StatusResult:
    departure = facts.departure_since(final_date)
    if departure is not None:
        return _result("self_removal", departure.departure_date, [case.uid, departure.uid])
    # A departure recorded during the proceedings, with no return, suggests the person is
    # abroad although the order is outstanding, so a reviewer should see it.
    earlier = facts.departure_since(case.nta_date)
    if earlier is not None:
        return _result(rule_id, final_date, [case.uid, earlier.uid], ["departed_before_order"])
    return _result(rule_id, final_date, [case.uid])


def _protected(facts: _Facts) -> StatusResult | None:
    if not facts.benefits:
        return None
    for benefit in facts.active(facts.forms("I-589", decision="pending")):
        return _result("asylum_pending", benefit.filed_date, [benefit.uid])
    for benefit in facts.forms("I-589", decision="approved"):
        return _result("asylum_granted", benefit.decision_date, [benefit.uid])
    for form, rule_id in (("I-821", "tps_valid"), ("I-821D", "deferred_action_valid")):
        for benefit in facts.valid(facts.forms(form, decision="approved")):
            return _result(
                rule_id, benefit.decision_date, [benefit.uid], valid_until=benefit.valid_until
            )
    return None


def _pending_application(facts: _Facts) -> StatusResult | None:
    if not facts.benefits:
        return None
    for form, rule_id in (
        ("I-485", "adjustment_pending"),
        ("I-821", "protection_pending"),
        ("I-821D", "protection_pending"),
    ):
        for benefit in facts.active(facts.forms(form, decision="pending")):
            return _result(rule_id, benefit.filed_date, [benefit.uid])
    return None


def _stay_status(facts: _Facts) -> StatusResult:
    """Apply the stay rules to the latest admission on or before the day."""
    stays = _stays(facts)
    current = [s for s in stays if s.arrival.admission_date <= facts.day]
    if not current:
        return _without_admission(facts)
    stay = current[-1]
    flags = set(stay.flags) | set(stay.terms.flags)
    if any(s.end_kind == "departure_inferred" for s in current[:-1]):
        flags.add(r.FLAG_PRIOR_DEPARTURE_NOT_RECORDED)
    evidence = list(stay.terms.evidence)

    if stay.departure is not None and stay.departure.departure_date <= facts.day:
        flags.discard(r.FLAG_LAND_NO_EXIT_DATA)
        return _result(
            "departed",
            stay.departure.departure_date,
            [*evidence, stay.departure.uid],
            flags | _presence_after(facts, stay.departure.departure_date),
            overstay_days=_days_out_of_status(facts, stay),
        )
    terms = stay.terms
    if terms.until is None:
        return _result(terms.rule_id, stay.arrival.admission_date, evidence, flags)
    if facts.day <= terms.until:
        # The stay has not ended on this day, so how it later ended is not yet a fact.
        flags -= {r.FLAG_DEPARTURE_INFERRED, r.FLAG_DEPARTURE_NOT_RECORDED}
        return _result(
            terms.rule_id, stay.arrival.admission_date, evidence, flags, valid_until=terms.until
        )
    if stay.next_arrival is not None:
        return _result("departure_inferred", terms.until + ONE_DAY, evidence, flags)
    if terms.pending_extension is not None:
        flags.add(r.FLAG_EXTENSION_PENDING)
        return _result(
            "extension_pending_timely", terms.pending_extension.filed_date, evidence, flags
        )
    return _expired_stay(facts, stay, evidence, flags)


def _stays(facts: _Facts) -> list[Stay]:
    """Build the stays, reusing those built from the same record objects on an earlier day.

    The cache key is the identity of each input record, and each entry keeps its inputs
    alive, so an identity cannot be reused by another object while the cache exists.
    """
    inputs = [*facts.known, *facts.later]
    key = tuple(map(id, inputs))
    cached = facts.stays_cache.get(key)
    if cached is None:
        cached = (inputs, build_stays(records=inputs))
        facts.stays_cache[key] = cached
    return cached[1]


def _days_out_of_status(facts: _Facts, stay: Stay) -> int | None:
    """Count the days a departed person stayed past the authorised stay.

    Days while an application filed before the departure was pending are not counted:
    INA 212(a)(9)(B)(iii)(II) tolls them for a pending asylum application, and the same
    period-of-stay treatment is applied to adjustment, TPS and deferred action requests.
    """
    days = stay.overstay_days
    if days is None or stay.departure is None or stay.terms.until is None:
        return days
    departed = stay.departure.departure_date
    filings = [
        b.filed_date
        for b in facts.benefits
        if b.form in PROTECTIVE_FORMS and b.decision == "pending" and b.filed_date < departed
    ]
    if not filings:
        return days
    return min(days, days_after(last_authorised=stay.terms.until, until=min(filings) - ONE_DAY))


def _expired_stay(facts: _Facts, stay: Stay, evidence: list[str], flags: set[str]) -> StatusResult:
    """Tell a confirmed overstay (later proof of presence) from an unconfirmed one."""
    until = stay.terms.until
    assert until is not None
    overstay_days = days_after(last_authorised=until, until=facts.day)
    presence = _presence_records(facts, until)
    if presence:
        return _result(
            "stay_expired_presence",
            until + ONE_DAY,
            [*evidence, *presence],
            flags,
            overstay_days=overstay_days,
        )
    flags |= {r.FLAG_UNCONFIRMED, r.FLAG_DEPARTURE_NOT_RECORDED}
    return _result(
        "stay_expired_unconfirmed", until + ONE_DAY, evidence, flags, overstay_days=overstay_days
    )


def _presence_records(facts: _Facts, after: date) -> list[str]:
    """Return records dated after ``after`` that place the person in the country.

    A benefit filing, an encounter, arrest, detention or release, a conviction, or a court
    decision given in the person's presence (not in absentia).
    """
    uids: list[str] = []
    for record in facts.known:
        if isinstance(record, Benefit) and record.filed_date > after:
            uids.append(record.uid)
        elif isinstance(record, EnforcementEvent) and record.kind in PRESENCE_KINDS:
            if record.event_date > after:
                uids.append(record.uid)
        elif isinstance(record, CourtCase) and record.decision_date and not record.in_absentia:
            if record.decision_date > after:
                uids.append(record.uid)
        elif isinstance(record, Conviction) and record.conviction_date > after:
            uids.append(record.uid)
    return uids


def _presence_after(facts: _Facts, departed: date) -> set[str]:
    # A record of presence after a recorded departure with no new arrival points at a
    # wrong link or an entry without inspection, so it is flagged for a reviewer.
    return {"presence_after_departure"} if _presence_records(facts, departed) else set()


def _without_admission(facts: _Facts) -> StatusResult:
    departure = facts.departures[-1] if facts.departures else None
    if departure is not None:
        return _result(
            "departed", departure.departure_date, [departure.uid], ["arrival_not_recorded"]
        )
    return _result("no_status_evidence", None, [rec.uid for rec in facts.known])


_PRECEDENCE: tuple[Callable[[_Facts], StatusResult | None], ...] = (
    _citizen,
    _permanent_resident,
    _removed,
    _court,
    _protected,
    _pending_application,
    _stay_status,
)
