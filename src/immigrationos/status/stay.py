"""Stay rules: authorised stay, overstay (confirmed or not), departures and unlawful presence."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date

from immigrationos.status import rules as r
from immigrationos.status.dates import ONE_DAY, birthday, days_after
from immigrationos.status.facts import StatusResult, _Facts, _result
from immigrationos.status.presence import (
    ADULT_AGE,
    Bar,
    bar_after_departure,
    excluded_spans,
    unlawful_days,
)
from immigrationos.status.records import (
    Benefit,
    Conviction,
    CourtCase,
    Departure,
    EnforcementEvent,
    RecordView,
)
from immigrationos.status.timeline import Stay, build_stays

PRESENCE_KINDS = frozenset({"encounter", "arrest", "detention", "release"})
PROTECTIVE_FORMS = frozenset({"I-589", "I-485", "I-821", "I-821D"})
# Departures trusted less than this (self-reported ones) carry ``low_confidence_departure``.
LOW_DEPARTURE_CONFIDENCE = 0.7


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

    flags |= _retroactive_flags(facts, evidence)

    if stay.departure is not None and stay.departure.departure_date <= facts.day:
        departure = stay.departure
        flags.discard(r.FLAG_LAND_NO_EXIT_DATA)
        if departure.confidence < LOW_DEPARTURE_CONFIDENCE:
            flags.add(r.FLAG_LOW_CONFIDENCE_DEPARTURE)
        # Presence in the country after the departure and before any new arrival points at
        # a wrong departure record, a wrong link or an entry without inspection.
        before = stay.next_arrival.admission_date if stay.next_arrival else None
        presence = _presence_hindsight(facts, departure.departure_date, before)
        if presence:
            flags |= {r.FLAG_DISPUTED, "presence_after_departure"}
        return _result(
            "departed",
            departure.departure_date,
            [*evidence, departure.uid, *presence],
            flags,
            overstay_days=_days_out_of_status(facts, stay),
        )
    terms = stay.terms
    if terms.until is None:
        return _result(terms.rule_id, stay.arrival.admission_date, evidence, flags)
    if facts.day <= terms.until:
        # The stay has not ended on this day, so how it later ended is not yet a fact.
        flags -= {r.FLAG_DEPARTURE_INFERRED, r.FLAG_DEPARTURE_NOT_RECORDED}
        if terms.rule_id == "parole_valid":
            flags.add(r.FLAG_PAROLE)
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


def _retroactive_flags(facts: _Facts, evidence: Sequence[str]) -> set[str]:
    """Flag a stay that rests on an extension approved after ``facts.day`` (history only)."""
    for benefit in facts.benefits:
        decided = benefit.decision_date
        if decided is not None and decided > facts.day and benefit.uid in evidence:
            return {r.FLAG_RETROACTIVE_EXTENSION}
    return set()


def _with_unlawful_presence(facts: _Facts, result: StatusResult) -> StatusResult:
    """Add the unlawful presence of the latest stay and any re-entry bar still running.

    With several recorded dates of birth, the latest is used, which counts the fewest days
    (INA 212(a)(9)(B)(iii)(I) excludes days under 18).
    """
    stays = [s for s in _stays(facts) if s.arrival.admission_date <= facts.day]
    if not stays:
        return result
    dobs = facts.dobs()
    dob = max(dobs) if dobs else None
    excluded, adult_leap = excluded_spans(benefits=facts.benefits, dob=dob)

    days: int | None = None
    bar: Bar | None = None
    leap_adjusted = False
    for stay in stays:
        # ``days`` and ``leap_adjusted`` end up describing the latest stay.
        window = _unlawful_window(stay, facts.day)
        if window is None:
            days, leap_adjusted = None, False
            continue
        first, last = window
        days = unlawful_days(first=first, last=last, excluded=excluded)
        leap_adjusted = False
        if dob is not None and adult_leap:
            adult_from = birthday(dob=dob, age=ADULT_AGE)[0]
            leap_adjusted = first <= adult_from <= last
        departure = stay.departure
        if departure is not None and departure.departure_date <= facts.day:
            triggered = bar_after_departure(
                first=first, departed=departure.departure_date, days=days
            )
            if triggered is not None and triggered.until >= facts.day:
                bar = triggered

    flags = set(result.flags)
    if leap_adjusted or (bar is not None and bar.leap_day_adjusted):
        flags.add(r.FLAG_LEAP_DAY_ADJUSTED)
    return replace(
        result,
        flags=tuple(sorted(flags)),
        unlawful_presence_days=days,
        bar=None if bar is None else bar.kind,
        bar_until=None if bar is None else bar.until,
    )


def _unlawful_window(stay: Stay, day: date) -> tuple[date, date] | None:
    """Return the first and last day a stay can count as unlawful presence on ``day``.

    None means no count applies: the stay has no end date, a timely extension was pending,
    or a later arrival proves a departure on an unknown day. A window whose last day is
    before its first counts 0 days.
    """
    until = stay.terms.until
    if until is None or stay.terms.pending_extension is not None:
        return None
    departure = stay.departure
    if departure is not None and departure.departure_date <= day:
        return until + ONE_DAY, departure.departure_date - ONE_DAY
    if stay.next_arrival is not None and day > until:
        return None
    return until + ONE_DAY, day


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
    if not presence:
        # In a history, presence recorded after this day confirms the overstay from its
        # first day. So does a departure after the stay ended, because the person was
        # still in the country to leave.
        presence = _presence_hindsight(facts, until) or [
            rec.uid
            for rec in facts.hindsight
            if isinstance(rec, Departure) and rec.departure_date > until
        ]
        if presence:
            flags.add(r.FLAG_CONFIRMED_LATER)
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
    return _presence_in(facts.known, after)


def _presence_hindsight(facts: _Facts, after: date, before: date | None = None) -> list[str]:
    """Return the records known on the history's as-of date that show presence after ``after``.

    With ``before``, only records dated before it count.
    """
    uids = _presence_in(facts.hindsight, after)
    if before is None or not uids:
        return uids
    dates = {rec.uid: _presence_date(rec) for rec in facts.hindsight if rec.uid in uids}
    return [uid for uid in uids if dates[uid] < before]


def _presence_date(record: RecordView) -> date:
    if isinstance(record, CourtCase) and record.decision_date is not None:
        return record.decision_date
    return record.known_date


def _presence_in(records: Iterable[RecordView], after: date) -> list[str]:
    uids: list[str] = []
    for record in records:
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


def _without_admission(facts: _Facts) -> StatusResult:
    departure = facts.departures[-1] if facts.departures else None
    if departure is not None:
        return _result(
            "departed", departure.departure_date, [departure.uid], ["arrival_not_recorded"]
        )
    return _result("no_status_evidence", None, [rec.uid for rec in facts.known])
