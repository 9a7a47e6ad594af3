"""Overstay quotas and the FY2024 calibration table."""

from __future__ import annotations

import csv
import random
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from immigrationos.synth import calibration
from immigrationos.synth.generator import SynthSummary

Generate = Callable[..., tuple[Path, SynthSummary]]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_quotas_are_exact_per_group() -> None:
    # 1,000 Visa Waiver members: in-country round(1000 * 0.0043) = 4. 500 other: round(11.1)
    # = 11. 200 students: round(4.9) = 5. Total quota round(1700 * 0.0115) = round(19.55) =
    # 20, so 20 - 20 in-country leaves 0 out-of-country overstays.
    groups = {
        "visa_waiver": range(0, 1000),
        "other": range(1000, 1500),
        "students": range(1500, 1700),
    }
    outcomes = calibration.cohort_outcomes(groups=groups, rng=random.Random(3))

    counted = Counter(
        (group, outcomes[index]) for group, members in groups.items() for index in members
    )
    assert counted[("visa_waiver", "in_country")] == 4
    assert counted[("other", "in_country")] == 11
    assert counted[("students", "in_country")] == 5
    assert sum(count for (_, outcome), count in counted.items() if outcome != "timely") == 20


def test_out_of_country_fills_total() -> None:
    # 10,000 Visa Waiver members alone: in-country round(43.0) = 43, total round(115.0) =
    # 115, so 72 depart late.
    outcomes = calibration.cohort_outcomes(
        groups={"visa_waiver": range(10_000)}, rng=random.Random(1)
    )

    counted = Counter(outcomes.values())
    assert counted == {"in_country": 43, "out_of_country": 72, "timely": 9885}


def test_table_rates_and_gaps() -> None:
    # visa_waiver: 2 in-country of 400 = 0.5%, gap (0.005 - 0.0043) / 0.0043 = +16.3%.
    # total: 3 overstays of 500 = 0.6%, gap (0.006 - 0.0115) / 0.0115 = -47.8%.
    outcomes = [("visa_waiver", "in_country")] * 2 + [("visa_waiver", "timely")] * 398
    outcomes += [("canada", "out_of_country")] + [("canada", "timely")] * 99
    rows = {row.group: row for row in calibration.calibration_table(outcomes=outcomes)}

    assert rows["visa_waiver"].rate == pytest.approx(0.005)
    assert rows["visa_waiver"].relative_gap == pytest.approx(0.0007 / 0.0043)
    assert rows["visa_waiver"].within_tolerance is False
    assert rows["canada"].target is None
    assert rows["canada"].cells()[-1] == "n/a"
    assert rows["total"].expected_departures == 500
    assert rows["total"].overstays == 3
    assert rows["total"].rate == pytest.approx(0.006)


def test_calibration_within_ten_percent(population: Generate) -> None:
    folder, summary = population(persons=20_000, seed=11)
    rows = {row["group"]: row for row in _rows(folder / "truth" / "overstay_calibration.csv")}

    for group in ("visa_waiver", "other", "students", "total"):
        assert rows[group]["within_10pct"] == "yes", rows[group]
    assert "within_10pct" in summary.render()

    # Recount from persons.csv rather than trusting the table.
    persons = _rows(folder / "truth" / "persons.csv")
    cohort = [row for row in persons if row["overstay_fy"] == "FY2024"]
    sizes = Counter(row["overstay_group"] for row in cohort)
    in_country = Counter(
        row["overstay_group"] for row in cohort if row["overstay_outcome"] == "in_country"
    )
    for group, target in calibration.IN_COUNTRY_TARGETS.items():
        rate = in_country[group] / sizes[group]
        assert abs(rate - target) / target <= 0.10, (group, rate)
    overstays = sum(1 for row in cohort if row["overstay_outcome"] != "timely")
    assert abs(overstays / len(cohort) - calibration.TOTAL_RATE) / calibration.TOTAL_RATE <= 0.10


def test_cohort_truth_matches_extracts(population: Generate) -> None:
    folder, _ = population(persons=20_000, seed=11)
    persons = {row["person_id"]: row for row in _rows(folder / "truth" / "persons.csv")}
    owner = {row["record_id"]: row["person_id"] for row in _rows(folder / "truth" / "records.csv")}
    admissions: dict[str, list[tuple[date, date]]] = {}
    for row in _rows(folder / "extracts" / "arrivals.csv"):
        if row["admit_until"] == "D/S" or row["mode"] == "land":
            continue
        until = datetime.strptime(row["admit_until"], "%m/%d/%Y").date()
        admitted = date.fromisoformat(row["admission_ts"][:10])
        admissions.setdefault(owner[row["record_id"]], []).append((admitted, until))
    departures: dict[str, list[date]] = {}
    for row in _rows(folder / "extracts" / "departures.csv"):
        departures.setdefault(owner[row["record_id"]], []).append(
            date.fromisoformat(row["departure_ts"][:10])
        )

    checked = Counter()
    for person_id, person in persons.items():
        in_window = [
            (admitted, until)
            for admitted, until in admissions.get(person_id, [])
            if calibration.FY_START <= until <= calibration.FY_END
        ]
        if person["overstay_group"] == "":
            # Only planned cohort members have air or sea admissions ending in FY2024.
            assert in_window == [], person_id
            continue
        if person["overstay_group"] == "students":
            # Most students are admitted for duration of status, checked from programme dates.
            continue
        assert len(in_window) == 1, person_id
        admitted, until = in_window[0]
        left = [day for day in departures.get(person_id, []) if day >= admitted]
        outcome = person["overstay_outcome"]
        if outcome == "in_country":
            assert left == [], person_id
            assert person["true_status"] == "overstay"
            assert person["status_since"] == (until + timedelta(days=1)).isoformat()
        elif outcome == "out_of_country":
            assert min(left) > until, person_id
        else:
            assert min(left) <= until, person_id
        checked[outcome] += 1
    assert checked["in_country"] > 20
    assert checked["out_of_country"] > 5


def test_student_cohort_matches_programmes(population: Generate) -> None:
    folder, _ = population(persons=20_000, seed=11)
    persons = {row["person_id"]: row for row in _rows(folder / "truth" / "persons.csv")}
    owner = {row["record_id"]: row["person_id"] for row in _rows(folder / "truth" / "records.csv")}
    grace = {"F1": 60, "J1": 30, "M1": 30}
    authorised_end: dict[str, date] = {}
    for row in _rows(folder / "extracts" / "students.csv"):
        last = date.fromisoformat(row["opt_end"] or row["program_end"])
        authorised_end[owner[row["record_id"]]] = last + timedelta(days=grace[row["visa_class"]])
    departures: dict[str, list[date]] = {}
    for row in _rows(folder / "extracts" / "departures.csv"):
        departures.setdefault(owner[row["record_id"]], []).append(
            date.fromisoformat(row["departure_ts"][:10])
        )

    checked = Counter()
    for person_id, person in persons.items():
        if person["overstay_group"] != "students":
            continue
        end = authorised_end[person_id]
        assert calibration.FY_START <= end <= calibration.FY_END, person_id
        left = departures.get(person_id, [])
        outcome = person["overstay_outcome"]
        if outcome == "in_country":
            assert left == [], person_id
            assert person["true_status"] == "overstay"
        elif outcome == "out_of_country":
            assert min(left) > end, person_id
        else:
            assert max(left) <= end, person_id
        checked[outcome] += 1
    assert checked["in_country"] >= 9
