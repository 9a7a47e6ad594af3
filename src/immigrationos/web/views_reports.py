"""Report pages: the overstay report of a fiscal-year cohort, as tables, a chart and CSV.

The report counts admissions, not persons, and shows no person data, so it needs no purpose
of use. It reads the staging store, where ``derive`` writes the stays it counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from immigrationos import paths, staging
from immigrationos.audit.models import Outcome
from immigrationos.audit.services import audit_record
from immigrationos.status.errors import StatusError
from immigrationos.status.report import OverstayCounts, OverstayReport, report_csv
from immigrationos.status.report_query import overstay_report_build

# Chart geometry in SVG user units: a label column, then bars scaled to the largest rate.
CHART_LABEL_WIDTH = 330
CHART_BAR_WIDTH = 360
CHART_ROW_HEIGHT = 44
CHART_TOP = 30


@dataclass(frozen=True)
class ChartRow:
    """One group's two bars (total and in-country rate), placed in SVG user units.

    The total bar starts at ``y`` and the in-country bar 18 units below it. Each bar is 16
    units high, with its percentage 6 units after its end.
    """

    label: str
    y: int
    total_width: float
    in_country_width: float
    total_percent: str
    in_country_percent: str
    label_y: int
    in_country_y: int
    total_text: tuple[float, int]
    in_country_text: tuple[float, int]


def overstay_report_read(*, fy: int) -> OverstayReport:
    """Build the overstay report of ``fy`` from the staging store, opened read-only.

    Raises StatusError when nothing has been derived and duckdb.IOException while another
    process has the staging store open for writing.
    """
    path = paths.staging_path()
    if not path.is_file():
        raise StatusError(
            f"no staging store at {str(path)!r}: run the pipeline (`immigrationos run`) first"
        )
    con = staging.connect(path, read_only=True)
    try:
        return overstay_report_build(con=con, fy=fy)
    except duckdb.CatalogException as exc:
        raise StatusError(
            "the staging store has no derived stays: run `immigrationos derive` (or `run`)"
        ) from exc
    finally:
        con.close()


def _default_fy(today: date) -> int:
    """Return the last fiscal year that ended before ``today`` (it ends on 30 September)."""
    return today.year if today.month >= 10 else today.year - 1


def _chart(rows: list[OverstayCounts]) -> list[ChartRow]:
    """Place two bars per row, scaled so that the largest total rate fills the bar width."""
    largest = max((counts.total_rate for counts in rows), default=0.0) or 1.0
    chart = []
    for index, counts in enumerate(rows):
        y = CHART_TOP + index * CHART_ROW_HEIGHT
        total_width = round(CHART_BAR_WIDTH * counts.total_rate / largest, 1)
        in_country_width = round(CHART_BAR_WIDTH * counts.in_country_rate / largest, 1)
        chart.append(
            ChartRow(
                label=counts.label,
                y=y,
                total_width=total_width,
                in_country_width=in_country_width,
                total_percent=counts.total_rate_percent,
                in_country_percent=counts.in_country_rate_percent,
                label_y=y + 16,
                in_country_y=y + 18,
                total_text=(CHART_LABEL_WIDTH + total_width + 6, y + 13),
                in_country_text=(CHART_LABEL_WIDTH + in_country_width + 6, y + 31),
            )
        )
    return chart


@require_GET
def overstay_report(request: HttpRequest) -> HttpResponse:
    """Render the report for ``?fy=`` (default: the last ended fiscal year), or its CSV."""
    raw_fy = request.GET.get("fy", "")
    fy = _default_fy(date.today())
    error = ""
    status_code = 200
    if raw_fy:
        try:
            fy = int(raw_fy)
        except ValueError:
            error = f"{raw_fy!r} is not a fiscal year; enter a year such as 2024."
            status_code = 400
    report: OverstayReport | None = None
    if not error:
        try:
            report = overstay_report_read(fy=fy)
        except StatusError as exc:
            error = str(exc)
        except duckdb.IOException:
            error = (
                "The staging store is in use by a pipeline run, so the report cannot be read "
                "now. Try again when the run has finished."
            )
    wants_csv = request.GET.get("format") == "csv"
    audit_record(
        request=request,
        action="overstay_report_csv" if wants_csv else "overstay_report_view",
        object_type="report",
        outcome=Outcome.FAILED if error else Outcome.OK,
        details={"fy": fy},
    )

    if wants_csv and report is not None:
        response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="overstay-fy{report.fy}.csv"'
        return response
    rows = [*report.groups.values(), report.total] if report else []
    context = {
        "fy": fy,
        "report": report,
        "rows": rows,
        "error": error,
        "chart": _chart(rows),
        "chart_height": CHART_TOP + len(rows) * CHART_ROW_HEIGHT + 10,
        "chart_width": CHART_LABEL_WIDTH + CHART_BAR_WIDTH + 90,
        "bar_x": CHART_LABEL_WIDTH,
        "legend_x": (CHART_LABEL_WIDTH + 18, CHART_LABEL_WIDTH + 170, CHART_LABEL_WIDTH + 188),
    }
    return render(request, "web/report_overstay.html", context, status=status_code)
