"""Status on a date and status history, from a person's linked records.

``status_on`` reads only the records known on the as-of date. ``status_history`` looks back
from the as-of date with everything known then: a later arrival proves that an earlier stay
ended, later presence confirms an overstay from its first day, and a later approval of an
extension covers the days it was pending.
The precedence of statuses is documented in ``immigrationos.status.rules``. This module
contains the citizenship and protection rules and applies every rule in that order. The
stay rules are in ``status.stay`` and the removal rules in ``status.removal``.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from immigrationos.status import rules as r
from immigrationos.status.citizenship import (
    CITIZENSHIP_CLAIM_FORM,
    Derivation,
    citizenship_derive,
)
from immigrationos.status.dates import ONE_DAY
from immigrationos.status.facts import StatusResult, _Facts, _result, _StaysCache
from immigrationos.status.records import (
    Arrival,
    Benefit,
    CourtCase,
    RecordView,
    StudentRecord,
    VisaIssuance,
)
from immigrationos.status.removal import APPEAL_PERIOD, _court, _removed
from immigrationos.status.stay import (
    _presence_records,
    _stay_status,
    _stays,
    _with_unlawful_presence,
)
from immigrationos.status.timeline import EXTENSION_FORMS, records_known_on

# _Facts and _presence_records are listed because status.report imports them from here.
__all__ = [
    "StatusPeriod",
    "StatusResult",
    "_Facts",
    "_presence_records",
    "status_history",
    "status_on",
]


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
    approvals = {
        rec.uid: rec
        for rec in known
        if isinstance(rec, Benefit) and rec.form in EXTENSION_FORMS and rec.decision == "approved"
    }
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
        on_day = _with_later_approvals(records_known_on(records=known, day=day), approvals)
        result = _status_at(on_day, day, later, stays_cache, hindsight=known, counts=False)
        if result.valid_until is not None and result.valid_until < as_of:
            heapq.heappush(pending, result.valid_until + ONE_DAY)
        _extend(periods, day, result)
    return periods


def _with_later_approvals(
    records: list[RecordView], approvals: dict[str, Benefit]
) -> list[RecordView]:
    """Replace each extension pending on a day with its later approval, if there is one.

    An approved extension or change of status counts from the end of the previous stay
    (8 CFR 214.1(c)(4)), so in hindsight the days it was pending were authorised.
    """
    if not approvals:
        return records
    return [
        approvals.get(rec.uid, rec)
        if isinstance(rec, Benefit) and rec.decision == "pending"
        else rec
        for rec in records
    ]


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


def _status_at(
    known: Sequence[RecordView],
    day: date,
    later: Sequence[Arrival],
    stays_cache: _StaysCache,
    *,
    hindsight: Sequence[RecordView] | None = None,
    counts: bool = True,
) -> StatusResult:
    """Apply the rules on ``day``. With ``counts`` False, skip the unlawful-presence counts.

    A history needs no day counts, only the ``leap_day_adjusted`` flag they can raise, so
    they are computed there only when a 29 February is involved.
    """
    facts = _Facts(known, day, later, stays_cache, hindsight)
    protection = facts.protection_flags()
    result = _first_rule(facts)
    extra = protection | _review_flags(facts, result)
    if extra:
        # Protections below the winning status stay visible to the priority policy.
        result = replace(result, flags=tuple(sorted({*result.flags, *extra})))
    if not counts and not _leap_day_involved(facts):
        return result
    return _with_unlawful_presence(facts, result)


def _leap_day_involved(facts: _Facts) -> bool:
    """Tell whether a date that the leap-day rule moves can reach the unlawful-presence counts.

    That is a date of birth, a departure or a first unlawful day on 29 February.
    """
    if any(d.departure_date.month == 2 and d.departure_date.day == 29 for d in facts.departures):
        return True
    if any(dob.month == 2 and dob.day == 29 for dob in facts.dobs()):
        return True
    for stay in _stays(facts):
        first = None if stay.terms.until is None else stay.terms.until + ONE_DAY
        if first is not None and first.month == 2 and first.day == 29:
            return True
    return False


def _first_rule(facts: _Facts) -> StatusResult:
    for rule in _PRECEDENCE:
        result = rule(facts)
        if result is not None:
            return result
    raise AssertionError("the stay rule always returns a result")


def _citizen(facts: _Facts) -> StatusResult | None:
    if not facts.benefits:
        return None
    for benefit in facts.forms("N-400", decision="approved"):
        return _result("naturalised", benefit.decision_date or benefit.filed_date, [benefit.uid])
    for benefit in facts.forms(CITIZENSHIP_CLAIM_FORM, decision="approved"):
        return _result(
            "citizenship_certified", benefit.decision_date or benefit.filed_date, [benefit.uid]
        )
    derivation = _derivation(facts)
    if derivation is not None and derivation.outcome == "citizen":
        return _result("derived_citizenship", derivation.since, derivation.evidence)
    return None


def _derivation(facts: _Facts) -> Derivation | None:
    """Apply INA 320 to the latest N-600 that was not denied or withdrawn."""
    claims = [
        b
        for b in facts.benefits
        if b.form == CITIZENSHIP_CLAIM_FORM and b.decision in {"pending", "approved"}
    ]
    if not claims:
        return None
    claim = max(claims, key=lambda b: (b.filed_date, b.uid))
    return citizenship_derive(
        claim=claim, permanent_resident=facts.permanent_resident(), dobs=facts.dobs()
    )


def _review_flags(facts: _Facts, result: StatusResult) -> set[str]:
    """Return the review flags of a citizenship claim that the rules could not decide."""
    if result.status == r.CITIZEN or not facts.benefits:
        return set()
    derivation = _derivation(facts)
    if derivation is None or derivation.outcome != "review":
        return set()
    return set(derivation.flags)


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
    for benefit in facts.valid(facts.parole_grants()):
        return _result(
            "parole_valid", benefit.decision_date, [benefit.uid], valid_until=benefit.valid_until
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


_PRECEDENCE: tuple[Callable[[_Facts], StatusResult | None], ...] = (
    _citizen,
    _permanent_resident,
    _removed,
    _court,
    _protected,
    _pending_application,
    _stay_status,
)
