"""Common names, vetoes through chains, thin records and stable person ids."""

from __future__ import annotations

import json
from datetime import date, timedelta

import duckdb
import pytest
from linkage_records import record, records_stage, uid

from immigrationos.linkage.clustering import Edge, clusters_build
from immigrationos.linkage.errors import LinkageSettingsError
from immigrationos.linkage.ids import derived_person_id, person_ids_assign
from immigrationos.linkage.pipeline import link
from immigrationos.linkage.settings import LinkageSettings
from immigrationos.progress import NullProgress


def _pair(con: duckdb.DuckDBPyConnection, left: str, right: str) -> tuple[float, str]:
    rows = con.execute(
        "SELECT match_weight, outcome FROM pairs WHERE record_uid_l = ? AND record_uid_r = ?",
        sorted([uid(left), uid(right)]),
    ).fetchall()
    assert len(rows) == 1
    weight, outcome = rows[0]
    return float(weight), str(outcome)


def test_common_name_weaker_than_rare_name(con: duckdb.DuckDBPyConnection) -> None:
    # 40 background "Ana Lemos" with 40 different DOBs and passports make the name common.
    background = [
        record(f"V-05{index:02d}", given_name="Ana", family_name="Lemos", sex="F",
               nationality="BRA", dob=date(1960, 1, 1) + timedelta(days=97 * index),
               passport_no=f"BR{index:07d}", passport_country="BRA")
        for index in range(10, 50)
    ]  # fmt: skip
    pairs = [
        record("B-0501", given_name="Ana", family_name="Lemos", sex="F", nationality="BRA"),
        record("C-0501", given_name="Ana", family_name="Lemos", sex="F", nationality="BRA"),
        record("B-0502", given_name="Zorya", family_name="Quillfeather", sex="F",
               nationality="BRA"),
        record("C-0502", given_name="Zorya", family_name="Quillfeather", sex="F",
               nationality="BRA"),
    ]  # fmt: skip
    records_stage(con, background + pairs)

    link(con=con, progress=NullProgress())

    common_weight, common_outcome = _pair(con, "B-0501", "C-0501")
    rare_weight, _ = _pair(con, "B-0502", "C-0502")
    # Identical evidence except the name's frequency: the common name counts for less.
    assert common_weight < rare_weight
    assert common_outcome != "link"
    person_of = dict(con.execute("SELECT record_uid, person_id FROM person_records").fetchall())
    assert person_of[uid("B-0501")] != person_of[uid("C-0501")]


CHAIN = [
    # A and C hold different passports of one country and differ in sex; B has neither
    # passport nor sex, so A-B and B-C each look like one person.
    record("A-3001", given_name="Tomas", family_name="Ekwueme", dob="1980-02-11",
           nationality="GHA", sex="M", passport_no="GH1000001", passport_country="GHA"),
    record("V-3001", given_name="Tomas", family_name="Ekwueme", dob="1980-02-11",
           nationality="GHA"),
    record("B-3001", given_name="Tomas", family_name="Ekwueme", dob="1980-02-11",
           nationality="GHA", sex="F", passport_no="GH2000002", passport_country="GHA"),
]  # fmt: skip


def test_veto_holds_through_chain(con: duckdb.DuckDBPyConnection) -> None:
    records_stage(con, CHAIN)

    report = link(con=con, progress=NullProgress())

    person_of = dict(con.execute("SELECT record_uid, person_id FROM person_records").fetchall())
    assert person_of[uid("A-3001")] != person_of[uid("B-3001")]
    assert report.clusters_split_by_veto == 1
    items = con.execute(
        "SELECT record_uids, reason FROM review_items WHERE kind = 'veto'"
    ).fetchall()
    assert len(items) == 1
    assert "different passports of the same country and different sex" in items[0][1]


CHAIN_VARIANTS = {
    # A and C share an A-number and an FBI number with B, which has no DOB, so tier-1
    # rules link A-B and B-C; A and C contradict each other.
    "dates of birth more than two years apart": [
        record("B-3201", given_name="Idris", family_name="Kamara", dob="1980-02-11",
               a_number="201100331"),
        record("E-3201", given_name="Idris", family_name="Kamara", a_number="201100331",
               fbi_number="FB77120"),
        record("C-3201", given_name="Idris", family_name="Kamara", dob="1986-07-30",
               fbi_number="FB77120"),
    ],
    "different given names with the same family name and date of birth": [
        record("B-3301", given_name="Oskar", family_name="Brandvik", dob="1997-09-14",
               a_number="209900141"),
        record("E-3301", family_name="Brandvik", dob="1997-09-14", a_number="209900141",
               fbi_number="FB99141"),
        record("C-3301", given_name="Elias", family_name="Brandvik", dob="1997-09-14",
               fbi_number="FB99141"),
    ],
    "different passports of the same country and different sex": [
        record("A-3401", given_name="Kim", family_name="Lindqvist", dob="1990-10-10", sex="M",
               passport_no="SE9000001", passport_country="SWE", a_number="203300101"),
        record("B-3401", given_name="Kim", family_name="Lindqvist", dob="1990-10-10",
               a_number="203300101", fbi_number="FB33101"),
        record("C-3401", given_name="Kim", family_name="Lindqvist", dob="1990-10-10", sex="F",
               passport_no="SE9000777", passport_country="SWE", fbi_number="FB33101"),
    ],
}  # fmt: skip


@pytest.mark.parametrize("reason", sorted(CHAIN_VARIANTS))
def test_veto_chain_variants(con: duckdb.DuckDBPyConnection, reason: str) -> None:
    rows = CHAIN_VARIANTS[reason]
    records_stage(con, rows)

    link(con=con, progress=NullProgress())

    person_of = dict(con.execute("SELECT record_uid, person_id FROM person_records").fetchall())
    first, middle, last = (uid(row["record_id"]) for row in rows)
    assert person_of[first] != person_of[last]
    assert person_of[middle] in (person_of[first], person_of[last])
    items = con.execute("SELECT reason FROM review_items WHERE kind = 'veto'").fetchall()
    reasons = [value for (value,) in items]
    assert len(reasons) == 1
    assert reason in reasons[0]


def test_clusters_build_rejects_edge_across_veto() -> None:
    features = {name: {"group": group} for name, group in (("a", 1), ("b", 0), ("c", 2))}

    def veto(left: dict[str, int], right: dict[str, int]) -> str | None:
        groups = {left["group"], right["group"]}
        return "contradiction" if groups == {1, 2} else None

    edges = [Edge("a", "b", 0.999, "splink"), Edge("b", "c", 0.995, "splink")]

    result = clusters_build(uids=features, edges=edges, features=features, veto=veto)  # type: ignore[arg-type]

    # a-b is stronger and joins first; b-c would put c beside a, so it is rejected.
    assert result.clusters == [["a", "b"], ["c"]]
    assert [rejected.edge for rejected in result.rejected] == [edges[1]]
    assert result.rejected[0].contradicting == ("a", "c")


def test_thin_record_stays_alone(con: duckdb.DuckDBPyConnection) -> None:
    rows = [
        record("A-3101", given_name="Ines", family_name="Moraru", dob="1975-05-05",
               sex="F", nationality="MDA", passport_no="MD0001234", passport_country="MDA"),
        record("V-3101", given_name="Ines", family_name="Moraru", dob="1975-05-05",
               sex="F", nationality="MDA", passport_no="MD0001234", passport_country="MDA"),
        # Only a family name and the DOB: never enough for an automatic merge.
        record("B-3101", family_name="Moraru", dob="1975-05-05", sex="F", nationality="MDA"),
    ]  # fmt: skip
    records_stage(con, rows)

    link(con=con, progress=NullProgress())

    person_of = dict(con.execute("SELECT record_uid, person_id FROM person_records").fetchall())
    assert person_of[uid("A-3101")] == person_of[uid("V-3101")]
    assert person_of[uid("B-3101")] != person_of[uid("A-3101")]
    items = con.execute("SELECT person_ids FROM review_items WHERE kind = 'thin_record'").fetchall()
    assert [json.loads(value) for (value,) in items] == [[person_of[uid("A-3101")]]]


def test_ids_stable_when_records_added(con: duckdb.DuckDBPyConnection) -> None:
    records_stage(con, CHAIN[:2])
    link(con=con, progress=NullProgress())
    first = dict(con.execute("SELECT record_uid, person_id FROM person_records").fetchall())

    records_stage(
        con,
        [
            # A departure of the first person (same passport and DOB) and a new person.
            record("D-3001", given_name="Tomas", family_name="Ekwueme", dob="1980-02-11",
                   passport_no="GH1000001", passport_country="GHA"),
            record("A-3002", given_name="Wanjiru", family_name="Otieno", dob="1991-12-30",
                   passport_no="KE5550001", passport_country="KEN"),
        ],
    )  # fmt: skip
    link(con=con, progress=NullProgress())
    second = dict(con.execute("SELECT record_uid, person_id FROM person_records").fetchall())

    assert second[uid("A-3001")] == first[uid("A-3001")]
    assert second[uid("V-3001")] == first[uid("V-3001")]
    assert second[uid("D-3001")] == first[uid("A-3001")]
    assert second[uid("A-3002")] == derived_person_id(uid("A-3002"))
    mapped = dict(con.execute("SELECT record_uid, person_id FROM person_id_map").fetchall())
    assert mapped == second


def test_person_ids_assign_on_split() -> None:
    previous = {"r1": "P1", "r2": "P1", "r3": "P1", "r4": "P2"}
    # A split leaves r3 apart: the larger part keeps P1, r3 gets a derived id; r4 joins
    # a new record and keeps P2.
    clusters = [["r3"], ["r1", "r2"], ["r4", "r5"]]

    assert person_ids_assign(clusters=clusters, previous=previous) == [
        derived_person_id("r3"),
        "P1",
        "P2",
    ]


def test_person_ids_assign_majority_then_smaller_id() -> None:
    previous = {"r1": "P9", "r2": "P3", "r3": "P9", "r4": "P3"}

    assert person_ids_assign(clusters=[["r1", "r2", "r3"]], previous=previous) == ["P9"]
    assert person_ids_assign(clusters=[["r1", "r2"]], previous=previous) == ["P3"]


def test_settings_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMMIGRATIONOS_LINK_THRESHOLD", "0.97")
    monkeypatch.setenv("IMMIGRATIONOS_REVIEW_THRESHOLD", "0.4")

    settings = LinkageSettings.from_env()

    assert settings.link_threshold == 0.97
    assert settings.review_threshold == 0.4


@pytest.mark.parametrize(
    ("link_value", "review_value", "message"),
    [
        ("high", "0.4", "'high' is not a number"),
        ("0.5", "0.9", "must not exceed"),
        ("1.5", "0.4", "strictly between 0 and 1"),
    ],
)
def test_settings_from_env_rejects(
    monkeypatch: pytest.MonkeyPatch, link_value: str, review_value: str, message: str
) -> None:
    monkeypatch.setenv("IMMIGRATIONOS_LINK_THRESHOLD", link_value)
    monkeypatch.setenv("IMMIGRATIONOS_REVIEW_THRESHOLD", review_value)

    with pytest.raises(LinkageSettingsError, match=message):
        LinkageSettings.from_env()
