"""The person page's status history: rule, citation, evidence links and flags per period."""

from __future__ import annotations

import re
from typing import Any

import pytest

from immigrationos.cases.models import StatusPeriod

pytestmark = pytest.mark.django_db


def _history(text: str) -> str:
    match = re.search(r'<section aria-labelledby="status-history">(.*?)</section>', text, re.S)
    assert match is not None, "no status history section"
    return match.group(1)


def test_status_history_rows(officer_client: Any, loaded: Any) -> None:
    section = _history(officer_client.get("/persons/P1/").content.decode())
    rows = re.findall(r"<tr>\s*<td class=\"nowrap\">(.*?)</tr>", section, re.S)

    assert len(rows) == 2
    assert "2026-01-15" in rows[0]
    assert "2026-04-14" in rows[0]
    assert "2026-04-15" in rows[1]
    assert "open" in rows[1]
    assert "admitted_until" in rows[0]
    assert "8 CFR 214.1(a)(3)" in rows[1]
    # Evidence links point at the record's row on the same page.
    assert '<a href="#record-arrivals:A-0601">arrivals:A-0601</a>' in rows[0]
    assert "departure_not_recorded" in rows[1]
    assert "<caption>" in section


def test_status_history_marks_flags(officer_client: Any, loaded: Any) -> None:
    StatusPeriod.objects.filter(person_id="P1", seq=2).update(
        flags=["unconfirmed", "leap_day_adjusted", "departure_not_recorded"]
    )

    section = _history(officer_client.get("/persons/P1/").content.decode())

    marked = re.findall(r'<strong class="flag-attention">(.*?)</strong>', section, re.S)
    assert len(marked) == 2
    assert any("leap_day_adjusted" in flag for flag in marked)
    assert any("unconfirmed" in flag for flag in marked)
    assert not any("departure_not_recorded" in flag for flag in marked)


def test_status_history_empty(officer_client: Any, loaded: Any) -> None:
    StatusPeriod.objects.filter(person_id="P1").delete()

    section = _history(officer_client.get("/persons/P1/").content.decode())

    assert "No status periods derived." in section
    assert "<table" not in section
