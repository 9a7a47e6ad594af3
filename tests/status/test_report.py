"""The overstay report: stay outcomes, FY boundaries, groups, rates, CSV and the command."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import duckdb
import pytest
from report_cohort import AS_OF, cohort_store_write
from status_builders import arrival, benefit, departure, enforcement, student

from immigrationos import cli
from immigrationos.status.engine import status_on
from immigrationos.status.records import RecordView
from immigrationos.status.report import (
    CohortAdmission,
    fiscal_year_window,
    overstay_report,
    report_csv,
    report_group,
    stay_rows,
)
from immigrationos.status.report_query import overstay_report_build


@pytest.fixture
def cohort(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return cohort_store_write(tmp_path / "staging.duckdb")


def _outcomes(records: list[RecordView]) -> list[str]:
    result = status_on(records=records, as_of=AS_OF)
    return [row.outcome for row in stay_rows(records=records, as_of=AS_OF, status=result)]


def test_fiscal_year_window_bounds() -> None:
    assert fiscal_year_window(2024) == (date(2023, 10, 1), date(2024, 9, 30))


@pytest.mark.parametrize(
    ("cls", "country", "group"),
    [
        ("WT", "GBR", "visa_waiver"),
        ("B2", "GBR", "visa_waiver"),
        ("WB", "BRA", "visa_waiver"),
        ("B2", "IND", "other"),
        ("B2", "CAN", "canada"),
        ("B1", "MEX", "mexico"),
        ("F1", "DEU", "students"),
        ("J1", "CAN", "students"),
        ("M1", "MEX", "students"),
        ("B2", "QAT", "other"),
    ],
)
def test_report_group_table(cls: str, country: str, group: str) -> None:
    assert report_group(class_of_admission=cls, country=country, fy=2024) == group


def test_report_group_qatar_from_fy2025() -> None:
    assert report_group(class_of_admission="B2", country="QAT", fy=2025) == "visa_waiver"


@pytest.mark.parametrize(
    ("records", "outcome"),
    [
        ([arrival("A", "2024-01-01", "2024-06-30"), departure("D", "2024-06-30")], "in_time"),
        ([arrival("A", "2024-01-01", "2024-06-30"), departure("D", "2024-07-02")],
         "out_of_country"),
        ([arrival("A", "2024-01-01", "2024-06-30")], "in_country_unconfirmed"),
        ([arrival("A", "2024-01-01", "2024-06-30"), enforcement("E", "arrest", "2024-08-01")],
         "in_country_confirmed"),
        ([arrival("A", "2024-01-01", "2024-06-30"), benefit("B", "I-539", "2024-06-01")],
         "extension_pending"),
        ([arrival("A", "2024-01-01", "2024-06-30"),
          benefit("B", "I-485", "2024-08-01", "approved", "2025-01-10")], "status_changed"),
        ([arrival("A", "2024-01-01", "2024-06-30"), enforcement("E", "removal", "2024-09-01")],
         "out_of_country"),
        ([arrival("A", "2026-10-01", "2027-03-31")], "not_ended"),
        ([arrival("A", "2024-01-01", "D/S", cls="F1")], "no_end_date"),
    ],
)  # fmt: skip
def test_stay_outcome_table(records: list[RecordView], outcome: str) -> None:
    assert _outcomes(records) == [outcome]


def test_reentry_after_stay_end_is_inferred() -> None:
    records = [
        arrival("A1", "2024-01-01", "2024-06-30"),
        arrival("A2", "2024-09-01", "2025-02-28"),
        departure("D2", "2025-02-01"),
    ]
    assert _outcomes(records) == ["departure_inferred", "in_time"]


@pytest.mark.parametrize(
    ("reentry", "outcome"),
    [
        ("2024-06-30", "in_time"),
        # Left on 2024-07-01 at the latest: the departure day is not a day of stay.
        ("2024-07-01", "in_time"),
        ("2024-07-02", "departure_inferred"),
    ],
)
def test_reentry_day_decides_outcome(reentry: str, outcome: str) -> None:
    records = [
        arrival("A1", "2024-01-01", "2024-06-30"),
        arrival("A2", reentry, "2024-12-29"),
        departure("D2", "2024-12-01"),
    ]
    assert _outcomes(records) == [outcome, "in_time"]


def test_student_stay_ends_after_grace() -> None:
    records = [
        arrival("A", "2022-08-20", "D/S", cls="F1"),
        student("S", "F1", "2022-08-25", "2024-06-30"),
    ]
    result = status_on(records=records, as_of=AS_OF)
    rows = stay_rows(records=records, as_of=AS_OF, status=result)
    # 8 CFR 214.2(f)(5)(i): programme end 2024-06-30 plus 60 days is 2024-08-29.
    assert rows[0].stay_end == date(2024, 8, 29)
    assert rows[0].stay_rule_id == "duration_of_status_f"


def test_report_groups_worked_by_hand(cohort: duckdb.DuckDBPyConnection) -> None:
    report = overstay_report_build(con=cohort, fy=2024)

    expected = {
        # group: (expected, in time, out of country, unconfirmed, confirmed)
        "visa_waiver": (3, 1, 1, 1, 0),
        "other": (2, 1, 0, 0, 1),
        "canada": (1, 0, 1, 0, 0),
        "mexico": (1, 0, 0, 1, 0),
        "students": (3, 1, 1, 1, 0),
    }
    for group, (total, in_time, out, unconfirmed, confirmed) in expected.items():
        counts = report.groups[group]
        assert counts.expected_departures == total, group
        assert counts.outcomes["in_time"] == in_time, group
        assert counts.out_of_country == out, group
        assert counts.in_country_unconfirmed == unconfirmed, group
        assert counts.in_country_confirmed == confirmed, group
    assert report.as_of == AS_OF
    assert report.settled


def test_report_total_rates_worked_by_hand(cohort: duckdb.DuckDBPyConnection) -> None:
    report = overstay_report_build(con=cohort, fy=2024)

    assert report.total.expected_departures == 10
    assert report.total.total_overstays == 7
    assert report.total.in_country == 4
    assert report.total.total_rate == pytest.approx(0.7)
    assert report.total.in_country_rate == pytest.approx(0.4)
    assert report.groups["visa_waiver"].total_rate == pytest.approx(2 / 3)
    assert report.land_excluded == 1


def test_report_countries_worked_by_hand(cohort: duckdb.DuckDBPyConnection) -> None:
    report = overstay_report_build(con=cohort, fy=2024)
    countries = {counts.label: counts for counts in report.countries}

    # O2 (BRA) and V4 (JPN) ended outside FY2024; C2 (CAN) came by land.
    assert set(countries) == {"GBR", "DEU", "FRA", "IND", "CHN", "CAN", "MEX", "VNM"}
    assert countries["IND"].expected_departures == 2
    assert countries["IND"].in_country == 2
    assert countries["DEU"].expected_departures == 2
    assert countries["CAN"].expected_departures == 1
    assert report.countries[0].label in {"DEU", "IND"}


@pytest.mark.parametrize(
    ("stay_end", "counted"),
    [
        (date(2023, 9, 30), False),
        (date(2023, 10, 1), True),
        (date(2024, 9, 30), True),
        (date(2024, 10, 1), False),
    ],
)
def test_fiscal_year_boundary_dates(stay_end: date, counted: bool) -> None:
    admission = CohortAdmission("P", "arrivals:A", "B2", "air", "IND", stay_end, "in_time")
    report = overstay_report(admissions=[admission], fy=2024, as_of=AS_OF)
    assert report.total.expected_departures == (1 if counted else 0)


def test_unsettled_report_flagged() -> None:
    report = overstay_report(admissions=[], fy=2024, as_of=date(2024, 9, 30))
    assert not report.settled
    assert report.total.total_rate == 0.0


def test_report_csv_rows_and_neutralised() -> None:
    admissions = [
        CohortAdmission("P1", "arrivals:A1", "B2", "air", "=HYPERLINK(1)", date(2024, 1, 1),
                        "in_country_unconfirmed"),
        CohortAdmission("P2", "arrivals:A2", "B2", "air", "IND", date(2024, 1, 1), "in_time"),
    ]  # fmt: skip
    report = overstay_report(admissions=admissions, fy=2024, as_of=AS_OF)

    rows = list(csv.DictReader(io.StringIO(report_csv(report))))

    assert [row["row"] for row in rows[:6]] == [
        "Visa Waiver Program countries",
        "Other countries, except Canada and Mexico",
        "Canada",
        "Mexico",
        "Students and exchange visitors (F, M, J)",
        "All groups",
    ]
    other = rows[1]
    assert other["expected_departures"] == "2"
    assert other["suspected_in_country_overstays"] == "1"
    assert other["total_overstay_rate"] == "50.0000%"
    countries = {row["row"]: row for row in rows if row["table"] == "country"}
    assert "'=HYPERLINK(1)" in countries


def test_report_command_text_json_csv(
    cohort: duckdb.DuckDBPyConnection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cohort.close()
    monkeypatch.setenv("IMMIGRATIONOS_HOME", str(tmp_path))

    assert cli.main(["report", "overstay", "--fy", "2024"]) == 0
    text = capsys.readouterr().out
    assert "2023-10-01 to 2024-09-30" in text
    assert "as of 2026-12-04" in text
    assert "land admissions left out: 1" in text

    assert cli.main(["report", "overstay", "--fy", "2024", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["total"]["expected_departures"] == 10
    assert figures["total"]["total_overstay_rate"] == pytest.approx(0.7)
    assert figures["groups"]["students"]["outcomes"]["in_country_unconfirmed"] == 1

    target = tmp_path / "report.csv"
    assert cli.main(["report", "overstay", "--fy", "2024", "--csv", str(target)]) == 0
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    total = next(row for row in rows if row["row"] == "All groups")
    assert total["total_overstays"] == "7"
    assert total["in_country_overstay_rate"] == "40.0000%"


def test_report_command_without_derive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IMMIGRATIONOS_HOME", str(tmp_path))
    from immigrationos import paths, staging

    staging.connect(paths.staging_path()).close()

    assert cli.main(["report", "overstay", "--fy", "2024"]) == 2
    assert "run `immigrationos derive`" in capsys.readouterr().err
