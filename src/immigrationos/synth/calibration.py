"""Overstay calibration against the DHS Entry/Exit Overstay Report for fiscal year 2024.

The FY2024 cohort is air and sea admissions whose authorised stay ended between 2023-10-01
and 2024-09-30. The total overstay rate is out-of-country plus suspected in-country
overstays over expected departures, and DHS reports 1.15% for FY2024. DHS reports suspected
in-country rates of 0.43% for Visa Waiver countries, 2.22% for other countries excluding
Canada and Mexico, and 2.45% for students and exchange visitors (F, M and J). The generator
assigns overstays by exact quotas per group, so any population with enough cohort
admissions reproduces these rates.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

FY_LABEL = "FY2024"
FY_START = date(2023, 10, 1)
FY_END = date(2024, 9, 30)

GROUPS = ("visa_waiver", "other", "students", "canada", "mexico")

TOTAL_RATE = 0.0115
IN_COUNTRY_TARGETS: dict[str, float] = {
    "visa_waiver": 0.0043,
    "other": 0.0222,
    "students": 0.0245,
}
# NOTE: the in-country rates for Canada and Mexico and the split of out-of-country overstays
# across groups are chosen here, not taken from the DHS report. Only the four rates above
# and the total are calibrated.
IN_COUNTRY_OTHER: dict[str, float] = {"canada": 0.0050, "mexico": 0.0090}
OUT_OF_COUNTRY_WEIGHTS: dict[str, float] = {
    "visa_waiver": 0.0015,
    "other": 0.0050,
    "students": 0.0080,
    "canada": 0.0020,
    "mexico": 0.0040,
}

OUTCOMES = ("timely", "out_of_country", "in_country")
RELATIVE_TOLERANCE = 0.10

TABLE_COLUMNS = (
    "group",
    "measure",
    "expected_departures",
    "overstays",
    "in_country_overstays",
    "rate",
    "fy2024_target",
    "relative_gap",
    "within_10pct",
)


def cohort_outcomes(*, groups: Mapping[str, Sequence[int]], rng: random.Random) -> dict[int, str]:
    """Assign each cohort member an outcome by exact quotas per group.

    ``groups`` maps a group to the person indexes with a cohort admission in it. In-country
    quotas are the rounded targets. Out-of-country quotas fill the gap to the total rate in
    proportion to ``OUT_OF_COUNTRY_WEIGHTS``, so the total holds for any group mix.
    """
    sizes = {group: len(groups.get(group, ())) for group in GROUPS}
    in_quota = {
        group: round(sizes[group] * {**IN_COUNTRY_TARGETS, **IN_COUNTRY_OTHER}[group])
        for group in GROUPS
    }
    total_quota = round(sum(sizes.values()) * TOTAL_RATE)
    out_quota = _spread(
        total=max(total_quota - sum(in_quota.values()), 0),
        weights={group: sizes[group] * OUT_OF_COUNTRY_WEIGHTS[group] for group in GROUPS},
    )

    outcomes: dict[int, str] = {}
    for group in GROUPS:
        members = sorted(groups.get(group, ()))
        rng.shuffle(members)
        for position, index in enumerate(members):
            if position < in_quota[group]:
                outcomes[index] = "in_country"
            elif position < in_quota[group] + out_quota[group]:
                outcomes[index] = "out_of_country"
            else:
                outcomes[index] = "timely"
    return outcomes


def _spread(*, total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    weight_sum = sum(weights.values())
    if weight_sum == 0 or total == 0:
        return dict.fromkeys(weights, 0)
    exact = {group: total * weight / weight_sum for group, weight in weights.items()}
    counts = {group: int(value) for group, value in exact.items()}
    by_remainder = sorted(weights, key=lambda group: (counts[group] - exact[group], group))
    for group in by_remainder[: total - sum(counts.values())]:
        counts[group] += 1
    return counts


@dataclass(frozen=True)
class CalibrationRow:
    """One line of the calibration table: a group's counts, its rate and the target."""

    group: str
    measure: str
    expected_departures: int
    overstays: int
    in_country_overstays: int
    target: float | None

    @property
    def rate(self) -> float:
        """Return the measured rate: in-country for groups, total for the whole cohort."""
        if self.expected_departures == 0:
            return 0.0
        count = self.overstays if self.measure == "total" else self.in_country_overstays
        return count / self.expected_departures

    @property
    def relative_gap(self) -> float | None:
        if self.target is None:
            return None
        return (self.rate - self.target) / self.target

    @property
    def within_tolerance(self) -> bool | None:
        gap = self.relative_gap
        return None if gap is None else abs(gap) <= RELATIVE_TOLERANCE

    def cells(self) -> tuple[str, ...]:
        """Return the row as text cells in ``TABLE_COLUMNS`` order."""
        gap = self.relative_gap
        within = {None: "n/a", True: "yes", False: "no"}[self.within_tolerance]
        return (
            self.group,
            self.measure,
            str(self.expected_departures),
            str(self.overstays),
            str(self.in_country_overstays),
            f"{self.rate:.4%}",
            "" if self.target is None else f"{self.target:.2%}",
            "" if gap is None else f"{gap:+.1%}",
            within,
        )


def calibration_table(*, outcomes: Iterable[tuple[str, str]]) -> list[CalibrationRow]:
    """Count (group, outcome) pairs of cohort admissions into rows per group and a total."""
    counts = {group: dict.fromkeys(OUTCOMES, 0) for group in GROUPS}
    for group, outcome in outcomes:
        counts[group][outcome] += 1

    rows = []
    for group in GROUPS:
        row = counts[group]
        rows.append(
            CalibrationRow(
                group=group,
                measure="in_country",
                expected_departures=sum(row.values()),
                overstays=row["out_of_country"] + row["in_country"],
                in_country_overstays=row["in_country"],
                target=IN_COUNTRY_TARGETS.get(group),
            )
        )
    rows.append(
        CalibrationRow(
            group="total",
            measure="total",
            expected_departures=sum(row.expected_departures for row in rows),
            overstays=sum(row.overstays for row in rows),
            in_country_overstays=sum(row.in_country_overstays for row in rows),
            target=TOTAL_RATE,
        )
    )
    return rows


def calibration_csv(*, rows: Sequence[CalibrationRow]) -> str:
    """Return the table as CSV text with a header row and ``\\n`` line endings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TABLE_COLUMNS)
    writer.writerows(row.cells() for row in rows)
    return buffer.getvalue()
