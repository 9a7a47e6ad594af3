"""Person and case pages: protection wording, code labels, evidence anchors, timeline fields."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cases.staging_builders import RUN_ID, base_staging, record, staging_write
from immigrationos.cases.models import Office, Person
from immigrationos.web.templatetags.web_labels import code_label, coded, record_anchor

pytestmark = pytest.mark.django_db

NEVER = "This person is never prioritised."
WHILE = "This person is not prioritised while this protection holds."


@pytest.mark.parametrize(
    ("protection", "wording"),
    [
        ("citizen", NEVER),
        ("lawful_permanent_resident", NEVER),
        ("asylum_pending", WHILE),
        ("identity_under_review", WHILE),
        ("pending_application", WHILE),
        ("tps", WHILE),
        ("deferred_action", WHILE),
        ("minor", WHILE),
    ],
)
def test_protection_wording_by_kind(
    officer_client: Any, loaded: Any, protection: str, wording: str
) -> None:
    Person.objects.filter(person_id="P3").update(protected=True, protection=protection)
    text = officer_client.get("/persons/P3/").content.decode()
    assert wording in text
    other = WHILE if wording == NEVER else NEVER
    assert other not in text
    assert f'title="{protection}"' in text or f">{protection}<" in text  # the code is kept


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("lawful_permanent_resident", "lawful permanent resident"),
        ("potential_overstay_unconfirmed", "potential overstay, unconfirmed"),
        ("tps", "temporary protected status (TPS)"),
        ("ds_without_student_record", "D/S without student record"),
        ("overstay", "overstay"),
        ("", ""),
    ],
)
def test_code_label(code: str, label: str) -> None:
    assert code_label(code) == label


def test_coded_keeps_code_visible() -> None:
    html = str(coded("lawful_permanent_resident"))
    assert 'title="lawful_permanent_resident"' in html
    assert '<small class="code">lawful_permanent_resident</small>' in html
    assert "lawful permanent resident <small" in html
    assert str(coded("<b>")) == '<span class="coded">&lt;b&gt;</span>'  # escaped


@pytest.mark.parametrize(
    ("record_uid", "anchor"),
    [
        ("visas:V-0601", "record-visas:V-0601"),
        ("arrivals:A 1", "record-arrivals:A_20_1"),
        ("arrivals:A_1", "record-arrivals:A_5f_1"),  # "_" is escaped, so no collision
        ("x:a/b", "record-x:a_2f_b"),
    ],
)
def test_record_anchor(record_uid: str, anchor: str) -> None:
    assert record_anchor(record_uid) == anchor


def test_status_and_reason_evidence_link_rows(role_client: Any, loaded: Any) -> None:
    text = role_client("officer", office="LOS").get("/persons/P2/").content.decode()
    # The reason cites A-0602 and E-0602, both P2's records, so each links to its row.
    for record_uid in ("arrivals:A-0602", "enforcement:E-0602"):
        assert f'id="record-{record_uid}"' in text
        assert f'href="#record-{record_uid}"' in text


def test_evidence_of_other_person_links_there(officer_client: Any, loaded: Any) -> None:
    # V-0603 belongs to P5, so P1's page links it to P5's row, not to a row P1 lacks. An id
    # linked to nobody stays plain text.
    Person.objects.filter(person_id="P1").update(status_evidence=["visas:V-0603", "x:gone"])
    text = officer_client.get("/persons/P1/").content.decode()
    assert 'href="/persons/P5/#record-visas:V-0603"' in text
    assert 'href="#record-visas:V-0603"' not in text
    assert "x:gone" in text
    assert "#record-x:gone" not in text


@pytest.fixture
def loaded_travel(db: None, tmp_path: Path) -> Any:
    """Load the base store plus an arrival admitted for D/S and a departure, both for P1.

    Their attrs list six other fields first, so a "first six fields" view would hide
    admit_until, mode and evidence_kind.
    """
    from immigrationos.cases.services import operational_store_load
    from immigrationos.progress import NullProgress

    tables = base_staging()
    arrival = record(
        "arrivals:A-0699",
        given="Renee",
        family="Dvorakova",
        dob=date(1979, 6, 3),
        event=date(2026, 3, 1),
        record_id="A-0699",
        i94_number="12345678901",
        class_of_admission="F1",
        admission_ts="2026-03-01T08:00:00-05:00",
        port="BOS",
        port_tz="America/New_York",
        mode="air",
        admit_until="D/S",
    )
    departure = record(
        "departures:D-0699",
        given="Renee",
        family="Dvorakova",
        dob=date(1979, 6, 3),
        event=date(2026, 3, 20),
        record_id="D-0699",
        event_id="DX1",
        departure_ts="2026-03-20T10:00:00-05:00",
        port="BOS",
        port_tz="America/New_York",
        carrier="XX",
        mode="sea",
        evidence_kind="carrier_manifest",
    )
    tables["records"] += [arrival, departure]
    tables["person_records"] += [
        {"record_uid": uid, "person_id": "P1", "match_probability": 0.99, "link_rule": "splink"}
        for uid in ("arrivals:A-0699", "departures:D-0699")
    ]
    con = staging_write(tmp_path / "staging.duckdb", tables)
    try:
        return operational_store_load(con=con, run_id=RUN_ID, progress=NullProgress())
    finally:
        con.close()


def test_timeline_shows_travel_fields(role_client: Any, loaded_travel: Any) -> None:
    # The later arrival moves P1's case to the Boston office.
    detail = role_client("officer", office="BOS").get("/persons/P1/").context["detail"]
    details = {entry.label: entry.details for entry in detail.timeline if entry.kind == "record"}
    arrival = details["arrivals A-0699"]
    departure = details["departures D-0699"]
    assert "admit until D/S (duration of status)" in arrival
    assert "mode air" in arrival
    assert "class of admission F1" in arrival
    assert "evidence kind carrier_manifest" in departure
    assert "mode sea" in departure
    assert "record id" not in arrival  # already in the line's label


def test_weakest_link_label_and_pending_count(officer_client: Any, loaded: Any) -> None:
    # P4 is named by review item R1 of the base store; P1 by none.
    p4 = officer_client.get("/persons/P4/").content.decode()
    p1 = officer_client.get("/persons/P1/").content.decode()
    assert "Weakest link inside this identity" in p4
    assert "pending review items: 1" in p4
    assert "Weakest record link" not in p4
    assert "pending review items" not in p1


def test_case_list_office_name_and_code(role_client: Any, loaded: Any) -> None:
    name = Office.objects.get(code="LOS").name
    response = role_client("analyst", office=None).get("/cases/")
    text = response.content.decode()
    assert f"<td>{name} (LOS)</td>" in text
    assert f'<option value="LOS">{name} (LOS)</option>' in text


def test_unlawful_presence_and_bar_shown(role_client: Any, db: None, tmp_path: Path) -> None:
    from immigrationos.cases.services import operational_store_load
    from immigrationos.progress import NullProgress

    tables = base_staging()
    for row in tables["person_status"]:
        if row["person_id"] == "P1":
            row["unlawful_presence_days"] = 412
            row["reentry_bar"] = "10_year"
            row["reentry_bar_until"] = date(2035, 3, 1)
    con = staging_write(tmp_path / "staging.duckdb", tables)
    try:
        operational_store_load(con=con, run_id=RUN_ID, progress=NullProgress())
    finally:
        con.close()

    person = Person.objects.get(person_id="P1")
    text = role_client("officer").get("/persons/P1/").content.decode()

    assert person.unlawful_presence_days == 412
    assert person.reentry_bar_until == date(2035, 3, 1)
    assert "412 days" in text
    assert "10-year bar, until 2035-03-01" in text
