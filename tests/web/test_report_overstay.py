"""The overstay report page: tables, chart, CSV download, errors and its audit event."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from immigrationos.audit.models import AuditEvent
from status.report_cohort import cohort_store_write

pytestmark = pytest.mark.django_db

URL = "/reports/overstay/"


@pytest.fixture
def cohort_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the data folder at a staging store holding the hand-made FY2024 cohort."""
    cohort_store_write(tmp_path / "staging.duckdb").close()
    monkeypatch.setenv("IMMIGRATIONOS_HOME", str(tmp_path))
    return tmp_path


def test_report_page_tables_and_chart(role_client: Any, cohort_home: Path) -> None:
    response = role_client("analyst", purpose=None).get(URL, {"fy": "2024"})

    assert response.status_code == 200
    text = response.content.decode()
    assert "2023-10-01 to 2024-09-30" in text
    assert "as of 2026-12-04" in text
    assert text.count("<caption>") == 2
    assert '<th scope="row">All groups</th>' in text
    # Total 7 of 10 overstayed, 4 of 10 in the country (see the cohort's table).
    total_row = re.search(r'<th scope="row">All groups</th>(.*?)</tr>', text, re.S)
    assert total_row is not None
    cells = re.findall(r'<td class="num">([^<]*)</td>', total_row.group(1))
    assert cells == ["10", "3", "3", "3", "1", "4", "0", "0", "70.00%", "40.00%"]
    assert "1 land admission is left out" in text
    assert '<th scope="row">IND</th>' in text
    assert "<svg" in text
    assert 'role="img"' in text
    assert text.count('class="chart-total"') == 1 + 6
    # Canada's 100% is the longest bar (360 units), so the total's 70% is 252 units long.
    assert 'class="chart-total" x="330" y="250" width="252.0"' in text
    assert "<script" not in text.split("<main", 1)[1]


def test_report_page_csv_download(role_client: Any, cohort_home: Path) -> None:
    client = role_client("auditor", purpose=None)
    page = client.get(URL, {"fy": "2024"}).content.decode()
    assert "format=csv" in page

    response = client.get(URL, {"fy": "2024", "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="overstay-fy2024.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    total = next(row for row in rows if row["row"] == "All groups")
    assert total["expected_departures"] == "10"
    assert total["total_overstay_rate"] == "70.0000%"


def test_report_page_audited(role_client: Any, cohort_home: Path) -> None:
    role_client("officer", purpose=None).get(URL, {"fy": "2024"})

    event = AuditEvent.objects.filter(action="overstay_report_view").get()
    assert event.outcome == "ok"
    assert event.details["fy"] == 2024


def test_report_page_rejects_bad_year(role_client: Any, cohort_home: Path) -> None:
    response = role_client("analyst", purpose=None).get(URL, {"fy": "twenty"})

    assert response.status_code == 400
    assert "is not a fiscal year" in response.content.decode()


def test_report_page_without_store(
    role_client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMMIGRATIONOS_HOME", str(tmp_path / "empty"))

    response = role_client("analyst", purpose=None).get(URL, {"fy": "2024"})

    assert response.status_code == 200
    assert "run the pipeline" in response.content.decode()
    assert "<svg" not in response.content.decode()


@pytest.mark.parametrize("role", ["partner", "privacy_officer"])
def test_report_page_denied_roles(role_client: Any, cohort_home: Path, role: str) -> None:
    response = role_client(role).get(URL, {"fy": "2024"})
    assert response.status_code in (302, 401, 403)
    assert b"<svg" not in response.content
