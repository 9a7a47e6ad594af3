"""The records known on one day, split by kind, and the status result the rules return."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from immigrationos.status import rules as r
from immigrationos.status.citizenship import (
    CHILD_IMMIGRANT_CLASSES,
    CITIZENSHIP_CLAIM_FORM,
)
from immigrationos.status.records import (
    Arrival,
    Benefit,
    Conviction,
    CourtCase,
    Departure,
    EnforcementEvent,
    RecordView,
    same_day_before,
)
from immigrationos.status.timeline import Stay

_StaysCache = dict[tuple[int, ...], tuple[list[RecordView], list[Stay]]]
# An approved I-131 with one of these classes is parole into the country (humanitarian
# parole or parole in place), not an advance parole travel document.
PAROLE_GRANT_CLASSES = frozenset({"PAROLE", "PIP"})


@dataclass(frozen=True)
class StatusResult:
    """A person's status on one date, with the rule, its citation and the evidence.

    ``overstay_days`` counts the days after the authorised stay. For a potential or
    confirmed overstay the count runs up to and including the as-of date, and for a
    departure up to the day before it. It is None where no count applies or it is unknown.
    ``valid_until`` is the last day of the current authorised stay or protection, if known.

    ``unlawful_presence_days`` counts the days of unlawful presence in the latest stay under
    INA 212(a)(9)(B), up to the departure or the as-of date. Days under 18 and days while an
    asylum, adjustment, TPS or deferred action request was pending do not count.
    ``bar`` is ``3_year`` or ``10_year`` when a departure triggered a re-entry bar that is
    still running, and ``bar_until`` is its last barred day.
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
    unlawful_presence_days: int | None = None
    bar: str | None = None
    bar_until: date | None = None


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
    """The records known on one day, split by kind, with helpers the rules share.

    ``hindsight`` is every record known on the as-of date of a history, which may show
    presence after ``day``. For a status on one date it is ``known`` itself.
    """

    def __init__(
        self,
        known: Sequence[RecordView],
        day: date,
        later: Sequence[Arrival],
        stays_cache: _StaysCache,
        hindsight: Sequence[RecordView] | None = None,
    ) -> None:
        self.day = day
        self.stays_cache = stays_cache
        self.known = known
        self.later = later
        self.hindsight = known if hindsight is None else hindsight
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

    def dobs(self) -> set[date]:
        """Return the dates of birth on the person's arrivals, benefits and convictions."""
        found: set[date] = set()
        for rec in self.known:
            if isinstance(rec, Arrival | Benefit | Conviction) and rec.dob is not None:
                found.add(rec.dob)
        return found

    def permanent_resident(self) -> tuple[date, str] | None:
        """Return when and by which record the person became a permanent resident, if shown."""
        for benefit in self.forms("I-485", decision="approved"):
            return benefit.decision_date or benefit.filed_date, benefit.uid
        for arrival in self.arrivals:
            if arrival.class_of_admission in CHILD_IMMIGRANT_CLASSES:
                return arrival.admission_date, arrival.uid
        return None

    def arrived_after(self, day: date) -> bool:
        return any(a.admission_date > day for a in self.arrivals)

    def returned_after(self, departure: Departure) -> bool:
        """Return whether an arrival follows ``departure``: a later date, or later the same
        day by the timestamps."""
        return any(
            a.admission_date > departure.departure_date or same_day_before(departure, a)
            for a in self.arrivals
        )

    def departure_since(self, day: date) -> Departure | None:
        """Return the first departure on or after ``day`` not followed by an arrival."""
        for departure in self.departures:
            if departure.departure_date >= day and not self.returned_after(departure):
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
        if self.forms("N-400", CITIZENSHIP_CLAIM_FORM, decision="pending"):
            flags.add(r.FLAG_CITIZENSHIP_CLAIM_PENDING)
        if self.valid(self.parole_grants()):
            flags.add(r.FLAG_PAROLE)
        return flags

    def parole_grants(self) -> list[Benefit]:
        return [
            b
            for b in self.forms("I-131", decision="approved")
            if b.new_class in PAROLE_GRANT_CLASSES
        ]

    def active(self, benefits: Sequence[Benefit]) -> list[Benefit]:
        # Leaving the country without advance parole abandons a pending I-589
        # (8 CFR 208.8(a)). NOTE: the same is assumed for I-485, I-821 and I-821D.
        return [b for b in benefits if self.departure_since(b.filed_date) is None]

    def valid(self, benefits: Sequence[Benefit]) -> list[Benefit]:
        return [b for b in benefits if b.valid_until is None or self.day <= b.valid_until]
