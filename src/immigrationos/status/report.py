"""The overstay report: how each admission's stay ended, counted like the DHS report.

The DHS Entry/Exit Overstay Report counts a fiscal-year cohort: nonimmigrant admissions by air
or sea whose authorised stay ended between 1 October of the year before and 30 September of
the fiscal year. Land admissions are left out, as DHS does, because land exits are rarely
recorded. Each admission is an expected departure and ends as one of the ``OUTCOMES``:

- ``in_time``: a departure is recorded by the day after the last day of the stay (the
  departure day is not a day of stay), or a later arrival by that day proves one.
- ``out_of_country``: a departure is recorded after the stay ended (or a removal took place),
  which DHS calls an out-of-country overstay.
- ``in_country_unconfirmed``: no departure is recorded and nothing after the stay ended shows
  the person present. Departure data has gaps, so this is a potential overstay only.
- ``in_country_confirmed``: no departure is recorded and a later record (an encounter, a
  filing, a conviction, a court decision in person) shows the person present.
- ``departure_inferred``: a later arrival after the stay ended proves a departure that was not
  recorded, so whether and how long the person overstayed is unknown.
- ``extension_pending``: a timely extension or change of status is still pending, which keeps
  the stay authorised.
- ``status_changed``: the person has since become a citizen or permanent resident or has
  another lawful status, so the admission no longer calls for a departure.
- ``not_ended`` and ``no_end_date``: the stay had not ended on the as-of date, or has no end
  date (duration of status without a student record). Neither can fall in a past cohort.

DHS's "suspected in-country overstay" figure corresponds to our unconfirmed plus confirmed
in-country overstays: DHS has no record of departure for them, and it does not tell those
seen later apart. The total overstay rate is out-of-country plus in-country overstays over
expected departures, and the in-country rate is in-country overstays over expected
departures. ``departure_inferred`` admissions count as expected departures but as neither
kind of overstay.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from immigrationos.csv_cells import row_neutralise
from immigrationos.status import rules as r
from immigrationos.status.dates import ONE_DAY

# NOTE: _Facts and _presence_records are private to the engine. They are used so that a
# confirmed in-country overstay means exactly what the engine's overstay rule means.
from immigrationos.status.engine import StatusResult, _Facts, _presence_records
from immigrationos.status.records import RecordView
from immigrationos.status.timeline import Stay, build_stays, records_known_on

OUTCOMES: Final = (
    "in_time",
    "out_of_country",
    "in_country_unconfirmed",
    "in_country_confirmed",
    "departure_inferred",
    "extension_pending",
    "status_changed",
    "not_ended",
    "no_end_date",
)
IN_COUNTRY_OUTCOMES: Final = frozenset({"in_country_unconfirmed", "in_country_confirmed"})
REPORTED_MODES: Final = frozenset({"air", "sea"})
# Statuses under which an admission that ran out no longer calls for a departure.
LAWFUL_STATUSES: Final = frozenset({r.CITIZEN, r.LAWFUL_PERMANENT_RESIDENT, r.IN_STATUS})

GROUPS: Final = ("visa_waiver", "other", "canada", "mexico", "students")
GROUP_LABELS: Final = {
    "visa_waiver": "Visa Waiver Program countries",
    "other": "Other countries, except Canada and Mexico",
    "canada": "Canada",
    "mexico": "Mexico",
    "students": "Students and exchange visitors (F, M, J)",
    "total": "All groups",
}
VISA_WAIVER_CLASSES: Final = frozenset({"WT", "WB"})
STUDENT_CLASS_LETTERS: Final = frozenset({"F", "M", "J"})
# Countries designated for the Visa Waiver Program during FY2024, as ISO 3166-1 alpha-3 codes
# (Israel designated from 26 September 2023, 88 FR 67063). NOTE: the list was compiled by
# hand. Check it against the list in 8 CFR 217.2(a) before relying on the group figures.
VISA_WAIVER_COUNTRIES: Final = frozenset(
    {
        "AND", "AUS", "AUT", "BEL", "BRN", "CHL", "HRV", "CZE", "DNK", "EST", "FIN", "FRA",
        "DEU", "GRC", "HUN", "ISL", "IRL", "ISR", "ITA", "JPN", "KOR", "LVA", "LIE", "LTU",
        "LUX", "MLT", "MCO", "NLD", "NZL", "NOR", "POL", "PRT", "SMR", "SGP", "SVK", "SVN",
        "ESP", "SWE", "CHE", "TWN", "GBR",
    }
)  # fmt: skip
# Qatar was designated from 24 September 2024 and admitted from 1 December 2024 (FY2025),
# 89 FR 78783.
QATAR_FROM_FY: Final = 2025


@dataclass(frozen=True)
class StayRow:
    """One admission of a person, its authorised stay end and how the stay ended."""

    seq: int
    arrival_uid: str
    admission_date: date
    class_of_admission: str
    mode: str
    stay_end: date | None
    stay_rule_id: str
    departure_uid: str | None
    departure_date: date | None
    outcome: str
    overstay_days: int | None
    flags: tuple[str, ...] = ()


def stay_rows(*, records: Sequence[RecordView], as_of: date, status: StatusResult) -> list[StayRow]:
    """Return one row per admission known on ``as_of``, with the outcome of its stay.

    ``status`` is the person's status on ``as_of`` from ``status_on`` over the same records.
    It decides whether an open stay that ran out became a lawful status or a removal.
    """
    known = records_known_on(records=records, day=as_of)
    stays = build_stays(records=known)
    rows = []
    for seq, stay in enumerate(stays, start=1):
        outcome = _outcome(stay, as_of=as_of, status=status, known=known)
        departure = stay.departure
        rows.append(
            StayRow(
                seq=seq,
                arrival_uid=stay.arrival.uid,
                admission_date=stay.arrival.admission_date,
                class_of_admission=stay.arrival.class_of_admission,
                mode=stay.arrival.mode,
                stay_end=stay.terms.until,
                stay_rule_id=stay.terms.rule_id,
                departure_uid=None if departure is None else departure.uid,
                departure_date=None if departure is None else departure.departure_date,
                outcome=outcome,
                overstay_days=stay.overstay_days,
                flags=tuple(sorted({*stay.flags, *stay.terms.flags})),
            )
        )
    return rows


def _outcome(stay: Stay, *, as_of: date, status: StatusResult, known: list[RecordView]) -> str:
    until = stay.terms.until
    if until is None:
        return "no_end_date"
    if stay.departure is not None:
        return "out_of_country" if stay.overstay_days else "in_time"
    if stay.next_arrival is not None:
        # The departure day is not a day of stay (see Stay.overstay_days), so a re-entry by
        # the day after the last day proves a departure in time.
        in_time = stay.next_arrival.admission_date <= until + ONE_DAY
        return "in_time" if in_time else "departure_inferred"
    if until >= as_of:
        return "not_ended"
    if stay.terms.pending_extension is not None:
        return "extension_pending"
    if status.rule_id == "removed" and status.since is not None:
        return "out_of_country" if status.since > until else "in_time"
    if status.status in LAWFUL_STATUSES:
        return "status_changed"
    if _presence_records(_Facts(known, as_of, (), {}), until):
        return "in_country_confirmed"
    return "in_country_unconfirmed"


def fiscal_year_window(fy: int) -> tuple[date, date]:
    """Return the first and last day of US fiscal year ``fy`` (1 October to 30 September)."""
    return date(fy - 1, 10, 1), date(fy, 9, 30)


def report_group(*, class_of_admission: str, country: str, fy: int) -> str:
    """Return the report group of an admission: students first, then by country.

    F, M and J admissions (students and exchange visitors and their dependants) form their
    own group whatever the country, as in the DHS report. Visa Waiver admissions (WT, WB) and
    citizens of Visa Waiver countries form the Visa Waiver group.
    """
    if class_of_admission[:1] in STUDENT_CLASS_LETTERS:
        return "students"
    if country == "CAN":
        return "canada"
    if country == "MEX":
        return "mexico"
    if class_of_admission in VISA_WAIVER_CLASSES or country in VISA_WAIVER_COUNTRIES:
        return "visa_waiver"
    if country == "QAT" and fy >= QATAR_FROM_FY:
        return "visa_waiver"
    return "other"


@dataclass(frozen=True)
class CohortAdmission:
    """An admission as the report reads it: its group inputs, stay end and outcome."""

    person_id: str
    arrival_uid: str
    class_of_admission: str
    mode: str
    country: str
    stay_end: date | None
    outcome: str


@dataclass
class OverstayCounts:
    """Counts of one row of the report: a group, a country or the total."""

    label: str
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))

    @property
    def expected_departures(self) -> int:
        return sum(self.outcomes.values())

    @property
    def out_of_country(self) -> int:
        return self.outcomes["out_of_country"]

    @property
    def in_country_unconfirmed(self) -> int:
        return self.outcomes["in_country_unconfirmed"]

    @property
    def in_country_confirmed(self) -> int:
        return self.outcomes["in_country_confirmed"]

    @property
    def in_country(self) -> int:
        """Return suspected in-country overstays as DHS counts them: unconfirmed + confirmed."""
        return self.in_country_unconfirmed + self.in_country_confirmed

    @property
    def lawfully_remaining(self) -> int:
        """Return admissions kept lawful by a pending extension or a change of status."""
        return self.outcomes["extension_pending"] + self.outcomes["status_changed"]

    @property
    def total_overstays(self) -> int:
        return self.out_of_country + self.in_country

    @property
    def total_rate(self) -> float:
        expected = self.expected_departures
        return self.total_overstays / expected if expected else 0.0

    @property
    def in_country_rate(self) -> float:
        expected = self.expected_departures
        return self.in_country / expected if expected else 0.0

    @property
    def total_rate_percent(self) -> str:
        return f"{self.total_rate:.2%}"

    @property
    def in_country_rate_percent(self) -> str:
        return f"{self.in_country_rate:.2%}"


@dataclass
class OverstayReport:
    """The report of one fiscal-year cohort, as derived on ``as_of``."""

    fy: int
    as_of: date
    groups: dict[str, OverstayCounts]
    total: OverstayCounts
    countries: list[OverstayCounts]
    land_excluded: int = 0

    @property
    def window(self) -> tuple[date, date]:
        return fiscal_year_window(self.fy)

    @property
    def settled(self) -> bool:
        """Return True when the as-of date is after the cohort's last stay end."""
        return self.as_of > self.window[1]


def overstay_report(
    *, admissions: Iterable[CohortAdmission], fy: int, as_of: date
) -> OverstayReport:
    """Count the admissions whose stay ended in fiscal year ``fy`` into the report tables.

    Only air and sea admissions count. Land admissions whose stay ended in the year are
    counted in ``land_excluded`` only.
    """
    first, last = fiscal_year_window(fy)
    groups = {group: OverstayCounts(GROUP_LABELS[group]) for group in GROUPS}
    total = OverstayCounts(GROUP_LABELS["total"])
    countries: dict[str, OverstayCounts] = {}
    land_excluded = 0
    for admission in admissions:
        if admission.stay_end is None or not first <= admission.stay_end <= last:
            continue
        if admission.mode not in REPORTED_MODES:
            land_excluded += 1
            continue
        group = report_group(
            class_of_admission=admission.class_of_admission, country=admission.country, fy=fy
        )
        country = countries.setdefault(admission.country, OverstayCounts(admission.country))
        for counts in (groups[group], total, country):
            counts.outcomes[admission.outcome] += 1
    ordered = sorted(countries.values(), key=lambda c: (-c.expected_departures, c.label))
    return OverstayReport(
        fy=fy,
        as_of=as_of,
        groups=groups,
        total=total,
        countries=ordered,
        land_excluded=land_excluded,
    )


REPORT_COLUMNS: Final = (
    "table",
    "row",
    "expected_departures",
    "in_time",
    "out_of_country_overstays",
    "in_country_unconfirmed",
    "in_country_confirmed",
    "suspected_in_country_overstays",
    "departure_inferred",
    "extension_pending",
    "status_changed",
    "total_overstays",
    "total_overstay_rate",
    "in_country_overstay_rate",
)


def report_rows(report: OverstayReport) -> list[tuple[str, ...]]:
    """Return the report as text cells in ``REPORT_COLUMNS`` order: groups, total, countries.

    Rates are percentages with four decimals, such as ``1.1500%``.
    """
    tables = [("group", counts) for counts in report.groups.values()]
    tables.append(("group", report.total))
    tables += [("country", counts) for counts in report.countries]
    return [
        (
            table,
            counts.label,
            str(counts.expected_departures),
            str(counts.outcomes["in_time"]),
            str(counts.out_of_country),
            str(counts.in_country_unconfirmed),
            str(counts.in_country_confirmed),
            str(counts.in_country),
            str(counts.outcomes["departure_inferred"]),
            str(counts.outcomes["extension_pending"]),
            str(counts.outcomes["status_changed"]),
            str(counts.total_overstays),
            f"{counts.total_rate:.4%}",
            f"{counts.in_country_rate:.4%}",
        )
        for table, counts in tables
    ]


def report_csv(report: OverstayReport) -> str:
    """Return the report as CSV text, cells neutralised against spreadsheet formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    for row in report_rows(report):
        writer.writerow(row_neutralise(row))
    return buffer.getvalue()


def report_json(report: OverstayReport) -> dict[str, object]:
    """Return the report as a JSON-ready dict: window, as-of date, groups, total, countries."""
    first, last = report.window

    def counts_json(counts: OverstayCounts) -> dict[str, object]:
        return {
            "label": counts.label,
            "expected_departures": counts.expected_departures,
            "outcomes": dict(counts.outcomes),
            "suspected_in_country_overstays": counts.in_country,
            "total_overstays": counts.total_overstays,
            "total_overstay_rate": counts.total_rate,
            "in_country_overstay_rate": counts.in_country_rate,
        }

    return {
        "fy": report.fy,
        "cohort_first_stay_end": first.isoformat(),
        "cohort_last_stay_end": last.isoformat(),
        "as_of": report.as_of.isoformat(),
        "settled": report.settled,
        "land_excluded": report.land_excluded,
        "groups": {group: counts_json(counts) for group, counts in report.groups.items()},
        "total": counts_json(report.total),
        "countries": [counts_json(counts) for counts in report.countries],
    }


def report_text(report: OverstayReport) -> str:
    """Return the report as aligned text: the heading, the group table and the country table."""
    first, last = report.window
    lines = [
        f"overstay report FY{report.fy}: air and sea admissions whose authorised stay ended "
        f"{first.isoformat()} to {last.isoformat()}, statuses as of {report.as_of.isoformat()}",
    ]
    if not report.settled:
        lines.append(
            "  note: the as-of date is not after the end of the fiscal year, so stays that "
            "had not ended yet are missing and the rates are not final"
        )
    header = (
        "expected", "in time", "out-of-country", "in-country unconf.", "in-country conf.",
        "suspected in-country", "inferred", "total rate", "in-country rate",
    )  # fmt: skip
    rows = report_rows(report)
    table = [("", *header)] + [
        (row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[12], row[13])
        for row in rows
    ]
    widths = [max(len(line[column]) for line in table) for column in range(len(table[0]))]
    for index, line in enumerate(table):
        if index == len(GROUPS) + 2:
            lines.append("  by country of citizenship")
        cells = [line[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True)]
        lines.append("  " + "  ".join(cells))
    lines.append(
        f"  land admissions left out: {report.land_excluded:,}. Suspected in-country overstays "
        "(the DHS figure) are unconfirmed plus confirmed."
    )
    return "\n".join(lines)
