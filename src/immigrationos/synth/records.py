"""Build one person's source records: visas, trips, applications, court, convictions."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from immigrationos.sources.ports import PORTS, port_codes
from immigrationos.synth.defects import IdentityWriter
from immigrationos.synth.identity import Person

AIR_PORTS = port_codes("air")
SEA_PORTS = port_codes("sea")
LAND_PORTS: dict[str, tuple[str, ...]] = {
    border: tuple(code for code, port in PORTS.items() if port.border == border)
    for border in ("MX", "CA")
}
AIRLINES = ("AA", "DL", "UA", "LH", "AF", "BA", "IB", "AM", "AC", "LA", "EK", "QR", "TK", "CX")
CRUISE_LINES = ("CCL", "RCL", "NCL")
AORS = ("NYC", "LOS", "MIA", "HOU", "CHI", "SEA", "ATL", "DAL", "SFR", "PHO")
# A late record is one the extract lacks because it is dated within this many days before
# the as-of date and reached the source after the data cut.
LATE_WINDOW_DAYS = 90
_ZONES = {code: ZoneInfo(port.tz) for code, port in PORTS.items()}


@dataclass
class Record:
    """One row of one source extract, before its record id is assigned."""

    source: str
    on: date
    row: dict[str, object]


@dataclass
class PersonRecords:
    """A person's records in the order drawn, and the candidates for a late record."""

    person: Person
    rng: random.Random
    identity: IdentityWriter
    as_of: date
    offset_free_share: float
    records: list[Record] = field(default_factory=list)
    late_candidates: list[int] = field(default_factory=list)

    def _add(
        self,
        source: str,
        on: date,
        row: dict[str, object],
        *,
        fbi_number: bool = False,
        passport: tuple[str, str] | None = None,
    ) -> Record:
        columns = self.identity.columns(
            person=self.person,
            source=source,
            on=on,
            rng=self.rng,
            fbi_number=fbi_number,
            passport=passport,
        )
        record = Record(source=source, on=on, row={**columns, **row})
        self.records.append(record)
        return record

    def _mark_late(self, on: date) -> None:
        if self.as_of - timedelta(days=LATE_WINDOW_DAYS) < on <= self.as_of:
            self.late_candidates.append(len(self.records) - 1)

    def timestamp(self, *, on: date, port: str) -> str:
        """Return an ISO 8601 local time on ``on`` at ``port``, usually with its UTC offset."""
        minute = self.rng.randrange(24 * 60)
        local = datetime(on.year, on.month, on.day, minute // 60, minute % 60)
        if self.rng.random() < self.offset_free_share:
            return local.isoformat()
        return local.replace(tzinfo=_ZONES[port]).isoformat()

    def visa(self, *, visa_class: str, issued: date, years: int, post: str) -> None:
        # A visa issued on 29 February expires on 28 February of a common year.
        anniversary = issued.replace(day=28) if (issued.month, issued.day) == (2, 29) else issued
        expiry = anniversary.replace(year=issued.year + years) - timedelta(days=1)
        self._add(
            "visas",
            issued,
            {"visa_class": visa_class, "issue_date": issued, "expiry_date": expiry, "post": post},
        )

    def arrival(
        self,
        *,
        on: date,
        admission_class: str,
        admit_until: date | None,
        mode: str,
        port: str,
        passport: tuple[str, str] | None = None,
    ) -> None:
        """Add an I-94 admission; ``admit_until`` None means duration of status (D/S)."""
        self._add(
            "arrivals",
            on,
            {
                "class_of_admission": admission_class,
                "admission_ts": self.timestamp(on=on, port=port),
                "port": port,
                "port_tz": PORTS[port].tz,
                "mode": mode,
                "admit_until": "D/S" if admit_until is None else admit_until,
            },
            passport=passport,
        )

    def departure(
        self, *, on: date, mode: str, port: str, evidence: str = "", location: str = ""
    ) -> bool:
        """Add a departure unless it is an unrecorded land exit; return whether it was added.

        ``location`` is the place a self-reported exit gives as the point of departure.
        """
        if mode == "land":
            if self.identity.roll(self.person, "unrecorded_land_exit", self.rng):
                return False
            evidence = evidence or "land_exit"
        elif not evidence:
            draw = self.rng.random()
            evidence = (
                "carrier_manifest"
                if draw < 0.8
                else "boarding_confirmation"
                if draw < 0.9
                else "biometric_confirmation"
            )
        carrier = ""
        if mode == "air":
            carrier = self.rng.choice(AIRLINES)
        elif mode == "sea":
            carrier = self.rng.choice(CRUISE_LINES)
        self._add(
            "departures",
            on,
            {
                "departure_ts": self.timestamp(on=on, port=port),
                "port": port,
                "port_tz": PORTS[port].tz,
                "carrier": carrier,
                "mode": mode,
                "evidence_kind": evidence,
                "reported_location": location,
            },
        )
        self._mark_late(on)
        return True

    def student(self, *, row: dict[str, object], on: date) -> None:
        self._add("students", on, row)

    def benefit(
        self,
        *,
        form: str,
        filed: date,
        decision: str = "pending",
        decided: date | None = None,
        new_class: str = "",
        valid_until: date | None = None,
        timely: bool | None = None,
        extra: dict[str, object] | None = None,
    ) -> None:
        """Add a benefit application; a decision after the as-of date stays pending.

        ``extra`` adds other benefits columns, for example an N-600's parent fields.
        """
        if decided is not None and decided > self.as_of:
            decision, decided, new_class, valid_until = "pending", None, "", None
        self._add(
            "benefits",
            filed,
            {
                "form": form,
                "filed_date": filed,
                "decision": decision,
                "decision_date": decided,
                "new_class": new_class,
                "valid_until": valid_until,
                "timely_filed": timely,
                **(extra or {}),
            },
        )
        if decision == "approved" and decided is not None and form in ("I-129", "I-539"):
            self._mark_late(decided)

    def court(self, *, nta: date, decision: str = "pending", **fields: object) -> None:
        self._add("court", nta, {"nta_date": nta, "decision": decision, **fields})

    def conviction(
        self, *, on: date, category: str, severity: str, violent: bool, tco: bool
    ) -> None:
        self._add(
            "criminal",
            on,
            {
                "offence_category": category,
                "severity": severity,
                "violent": violent,
                "tco_related": tco,
                "conviction_date": on,
            },
            fbi_number=True,
        )

    def enforcement(self, *, kind: str, on: date, aor: str, fbi: bool = False) -> None:
        self._add("enforcement", on, {"kind": kind, "event_date": on, "aor": aor}, fbi_number=fbi)

    def finish(self) -> list[Record]:
        """Drop one late record at the late-record rate and return the records."""
        if self.late_candidates and self.identity.roll(self.person, "late_record", self.rng):
            dropped = self.rng.choice(self.late_candidates)
            return [record for position, record in enumerate(self.records) if position != dropped]
        return self.records
