"""Status accuracy against the generated truth, and the cause of every disagreement.

A person's derived status is read from the predicted person that contains most of their records.
When it differs from the true status, the first cause that applies names the disagreement:

- ``record_not_staged``: one of the person's records is not in the staging store.
- ``linkage_merge``: the predicted person also contains another true person's records.
- ``linkage_split``: the person's records sit in more than one predicted person.
- ``unrecorded_land_exit``, ``late_record``, ``missing_field``: the generator gave the
  person this data defect (a land exit with no record, a record not yet in the extracts, an
  empty field).
- ``truth_keeps_expired_approval``: an approved extension or change of status (such as a
  student's H-1B) ran out before the as-of date with no departure recorded, while the truth
  still has the person in status. The rules read the stay as ended. The generator now
  records a departure when such an approval runs out, so this cause should stay at zero.
- ``unexplained``: none of these, so the rules and the truth disagree.

The overstay report is compared per admission. Each true cohort member is matched with the
derived cohort admissions of their records, and an admission only one side counts is
explained by the causes above, or by ``visa_waiver_day_count`` or ``student_terminated``.
These two name differences in how the truth and the rules count a stay: INA 217(a)(1)
counts the admission day as the first of a Visa Waiver stay's 90 days, and a terminated
student's stay ends on the termination date (8 CFR 214.2(f)(5)(iv)). The generator follows
both rules now, so these causes should stay at zero; they remain to catch a regression.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import duckdb

from immigrationos.status.errors import StatusError
from immigrationos.status.report import IN_COUNTRY_OUTCOMES, fiscal_year_window
from immigrationos.status.report_query import overstay_report_build
from immigrationos.synth import calibration

DEFECT_CAUSES = ("unrecorded_land_exit", "late_record", "missing_field")
# The truth's cohort outcome for each derived outcome that it can be compared with.
TRUTH_OUTCOME = {
    "in_time": "timely",
    "out_of_country": "out_of_country",
    "in_country_unconfirmed": "in_country",
    "in_country_confirmed": "in_country",
}


class Linkage:
    """The record-to-person assignment of the truth and of the staged run."""

    def __init__(
        self,
        *,
        true_of: Mapping[str, str],
        predicted_of: Mapping[str, str],
        main_person: Mapping[str, str],
    ) -> None:
        self.true_of = true_of
        self.predicted_of = predicted_of
        self.main_person = main_person
        self.records_of: dict[str, list[str]] = defaultdict(list)
        for uid, person_id in true_of.items():
            self.records_of[person_id].append(uid)
        self.true_persons_of: dict[str, set[str]] = defaultdict(set)
        for uid, predicted in predicted_of.items():
            if uid in true_of:
                self.true_persons_of[predicted].add(true_of[uid])

    def causes(self, person: Mapping[str, str]) -> list[str]:
        """Return every linkage cause and data defect that applies to a true person."""
        person_id = person["person_id"]
        uids = self.records_of.get(person_id, [])
        predicted = {self.predicted_of[uid] for uid in uids if uid in self.predicted_of}
        main = self.main_person.get(person_id)
        found = []
        if any(uid not in self.predicted_of for uid in uids):
            found.append("record_not_staged")
        if main is not None and self.true_persons_of.get(main, set()) - {person_id}:
            found.append("linkage_merge")
        if len(predicted) > 1:
            found.append("linkage_split")
        defects = set((person.get("defects") or "").split(";"))
        found += [cause for cause in DEFECT_CAUSES if cause in defects]
        return found


def status_accuracy_detail(
    *,
    predicted_status: Mapping[str, str],
    persons: Mapping[str, Mapping[str, str]],
    linkage: Linkage,
    accepted: Mapping[str, frozenset[str]],
    expired_approvals: frozenset[str] = frozenset(),
) -> dict[str, dict[str, Any]]:
    """Return per true status: persons, correct, accuracy, and disagreements by cause.

    ``disagreements`` maps each cause to a count, and ``derived_as`` maps each wrong derived
    status to a count, so a reader sees both why and into what the persons were misread.
    ``expired_approvals`` contains the predicted persons whose approved stay has ended, for the
    ``truth_keeps_expired_approval`` cause. ``accuracy_explained`` counts a disagreement
    with a cause other than ``unexplained`` as correct: the share the rules get right on
    the records they were given.
    """
    detail: dict[str, dict[str, Any]] = {}
    for person_id, person in persons.items():
        status = person.get("status") or person.get("true_status") or "unknown"
        entry = detail.setdefault(
            status,
            {"persons": 0, "correct": 0, "disagreements": Counter(), "derived_as": Counter()},
        )
        entry["persons"] += 1
        predicted = predicted_status.get(linkage.main_person.get(person_id, ""))
        if predicted in accepted.get(status, frozenset({status})):
            entry["correct"] += 1
            continue
        causes = linkage.causes(person)
        if linkage.main_person.get(person_id) in expired_approvals:
            causes.append("truth_keeps_expired_approval")
        entry["disagreements"][_first(causes)] += 1
        entry["derived_as"][predicted or "not_derived"] += 1
    for entry in detail.values():
        entry["accuracy"] = entry["correct"] / entry["persons"]
        unexplained = entry["disagreements"].get("unexplained", 0)
        entry["accuracy_explained"] = 1 - unexplained / entry["persons"]
        entry["disagreements"] = dict(entry["disagreements"].most_common())
        entry["derived_as"] = dict(entry["derived_as"].most_common())
    return dict(sorted(detail.items()))


def overstay_comparison(
    *,
    con: duckdb.DuckDBPyConnection,
    persons: Mapping[str, Mapping[str, str]],
    linkage: Linkage,
    fy: int = 2024,
) -> dict[str, Any] | None:
    """Compare the derived overstay report of ``fy`` with the rates of the true cohort.

    Returns None when no status has been derived or the truth has no cohort. Otherwise
    returns, per group, the true and derived expected departures and rates, and the
    admissions the two sides count differently, by cause.
    """
    try:
        report = overstay_report_build(con=con, fy=fy)
    except (StatusError, duckdb.CatalogException):
        return None
    truth_cohort = {
        person_id: person
        for person_id, person in persons.items()
        if person.get("overstay_group") and person.get("overstay_fy") == f"FY{fy}"
    }
    if not truth_cohort:
        return None

    truth_rows = calibration.calibration_table(
        outcomes=[(p["overstay_group"], p["overstay_outcome"]) for p in truth_cohort.values()]
    )
    groups: dict[str, Any] = {}
    for row in truth_rows:
        derived = report.total if row.group == "total" else report.groups[row.group]
        groups[row.group] = {
            "true_expected_departures": row.expected_departures,
            "derived_expected_departures": derived.expected_departures,
            "true_total_rate": row.overstays / row.expected_departures
            if row.expected_departures
            else 0.0,
            "derived_total_rate": derived.total_rate,
            "true_in_country_rate": row.in_country_overstays / row.expected_departures
            if row.expected_departures
            else 0.0,
            "derived_in_country_rate": derived.in_country_rate,
        }
    return {
        "fy": fy,
        "as_of": report.as_of.isoformat(),
        "groups": groups,
        "differences": _admission_differences(con, truth_cohort, persons, linkage, fy),
    }


_COHORT_STAYS_SQL = """
SELECT arrival_uid, outcome, stay_rule_id, stay_end, flags
FROM status_stays
WHERE stay_end BETWEEN ? AND ? AND mode IN ('air', 'sea')
ORDER BY person_id, seq
"""


def _admission_differences(
    con: duckdb.DuckDBPyConnection,
    truth_cohort: Mapping[str, Mapping[str, str]],
    persons: Mapping[str, Mapping[str, str]],
    linkage: Linkage,
    fy: int,
) -> dict[str, dict[str, int]]:
    """Count admissions the truth and the derived report treat differently, by cause.

    Stays that ended on the day before the year began are read too: a Visa Waiver stay
    there is one the generator ends a day later, inside the year.
    """
    first, last = fiscal_year_window(fy)
    day_before = first - timedelta(days=1)
    derived: dict[str, list[tuple[str, str, date, list[str]]]] = defaultdict(list)
    ended_day_before: set[str] = set()
    rows = con.execute(_COHORT_STAYS_SQL, [day_before, last]).fetchall()
    for uid, outcome, rule_id, stay_end, flags in rows:
        owner = linkage.true_of.get(uid)
        if owner is None:
            continue
        if stay_end == day_before:
            if rule_id == "visa_waiver_90_days":
                ended_day_before.add(owner)
            continue
        derived[owner].append((outcome, rule_id, stay_end, json.loads(flags)))

    differences: dict[str, Counter[str]] = defaultdict(Counter)
    for person_id, person in truth_cohort.items():
        causes = linkage.causes(person)
        admissions = derived.get(person_id, [])
        if not admissions:
            if person_id in ended_day_before:
                causes.insert(0, "visa_waiver_day_count")
            differences["true_cohort_not_derived"][_first(causes)] += 1
            continue
        # The cohort admission is the one whose outcome agrees with the truth, if any.
        expected = person["overstay_outcome"]
        matched = next((a for a in admissions if TRUTH_OUTCOME.get(a[0]) == expected), None)
        if matched is None:
            matched = admissions[0]
            kind = f"{expected}_derived_as_{_family(matched[0])}"
            differences[kind][_first(causes)] += 1
        admissions.remove(matched)
    for person_id, admissions in derived.items():
        for _outcome, rule_id, stay_end, flags in admissions:
            causes = linkage.causes(persons.get(person_id, {"person_id": person_id}))
            if "terminated_no_grace" in flags:
                causes.insert(0, "student_terminated")
            if rule_id == "extension_approved":
                causes.insert(0, "truth_keeps_expired_approval")
            if rule_id == "visa_waiver_90_days" and stay_end == last:
                causes.insert(0, "visa_waiver_day_count")
            differences["derived_not_in_true_cohort"][_first(causes)] += 1
    return {kind: dict(counts.most_common()) for kind, counts in sorted(differences.items())}


def _family(outcome: str) -> str:
    return "in_country" if outcome in IN_COUNTRY_OUTCOMES else outcome


def _first(causes: list[str]) -> str:
    return causes[0] if causes else "unexplained"


def render_status_detail(
    detail: Mapping[str, Mapping[str, Any]], overstay: Mapping[str, Any] | None
) -> list[str]:
    """Return text lines: accuracy per true status with its disagreements, then the report."""
    lines = [
        "status accuracy per true status: accuracy, correct / persons, accuracy with the "
        "explained disagreements counted as correct"
    ]
    for status, entry in detail.items():
        lines.append(
            f"  {status:<32} {entry['accuracy']:.3f}  {entry['correct']:>7,} / "
            f"{entry['persons']:<7,} explained {entry['accuracy_explained']:.3f}"
        )
        if entry["disagreements"]:
            causes = ", ".join(
                f"{cause} {count}" for cause, count in entry["disagreements"].items()
            )
            derived = ", ".join(f"{name} {count}" for name, count in entry["derived_as"].items())
            lines.append(f"    causes: {causes}")
            lines.append(f"    derived as: {derived}")
    if overstay is None:
        lines.append("overstay report vs truth  not available: no derived stays or no cohort")
        return lines
    lines.append(
        f"overstay report FY{overstay['fy']} vs truth (as of {overstay['as_of']}): "
        "expected departures and rates, true / derived"
    )
    for group, row in overstay["groups"].items():
        lines.append(
            f"  {group:<12} expected {row['true_expected_departures']:>7,} / "
            f"{row['derived_expected_departures']:<7,} total rate "
            f"{row['true_total_rate']:.4%} / {row['derived_total_rate']:.4%}  in-country "
            f"{row['true_in_country_rate']:.4%} / {row['derived_in_country_rate']:.4%}"
        )
    for kind, causes in overstay["differences"].items():
        text = ", ".join(f"{cause} {count}" for cause, count in causes.items())
        lines.append(f"  {kind}: {text}")
    return lines


_EXPIRED_APPROVALS_SQL = """
SELECT DISTINCT s.person_id
FROM status_stays AS s JOIN person_status AS p USING (person_id)
WHERE s.stay_rule_id = 'extension_approved' AND s.stay_end < p.as_of
  AND s.outcome IN ('in_country_unconfirmed', 'in_country_confirmed')
"""


def expired_approvals_read(*, con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """Return the predicted persons whose approved stay ended with no departure recorded."""
    try:
        rows = con.execute(_EXPIRED_APPROVALS_SQL).fetchall()
    except duckdb.CatalogException:
        return frozenset()
    return frozenset(person_id for (person_id,) in rows)
