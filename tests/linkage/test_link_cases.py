"""Linkage of the hand-made failure cases: twins, diacritics, swapped and compound names."""

from __future__ import annotations

import json
import random
from datetime import date
from typing import Any

import duckdb
import pytest
from linkage_records import record, records_stage, uid

from immigrationos import staging
from immigrationos.linkage.normalise import fold_tokens, strip_particles
from immigrationos.linkage.pipeline import link
from immigrationos.progress import NullProgress


def _partition(con: duckdb.DuckDBPyConnection) -> set[frozenset[str]]:
    rows = con.execute("SELECT list(record_uid) FROM person_records GROUP BY person_id").fetchall()
    return {frozenset(uids) for (uids,) in rows}


def _person_of(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT record_uid, person_id FROM person_records").fetchall())


def _groups(*groups: tuple[str, ...]) -> set[frozenset[str]]:
    return {frozenset(uid(record_id) for record_id in group) for group in groups}


TWINS = [
    record("A-0201", given_name="Oskar", family_name="Brandvik", dob="1997-09-14", sex="M",
           nationality="NOR", passport_no="NX7712041", passport_country="NOR"),
    record("A-0202", given_name="Elias", family_name="Brandvik", dob="1997-09-14", sex="M",
           nationality="NOR", passport_no="NX7712058", passport_country="NOR"),
    record("V-0201", given_name="Oskar", family_name="Brandvik", dob="1997-09-14", sex="M",
           nationality="NOR", passport_no="NX7712041", passport_country="NOR"),
    record("V-0202", given_name="Elias", family_name="Brandvik", dob="1997-09-14", sex="M",
           nationality="NOR", passport_no="NX7712058", passport_country="NOR"),
    record("B-0203", family_name="Brandvik", dob="1997-09-14", sex="M", nationality="NOR"),
    record("D-0202", given_name="Elias", family_name="Brandvik", dob="1997-09-14",
           passport_no="NX7712058"),
]  # fmt: skip


def test_twins_split_and_thin_record_reviewed(con: duckdb.DuckDBPyConnection) -> None:
    records_stage(con, TWINS)

    link(con=con, progress=NullProgress())

    # Same surname, DOB, sex and nationality, but different given names and passports:
    # two persons, and B-0203 (no given name, no document) joins neither.
    assert _partition(con) == _groups(
        ("A-0201", "V-0201"), ("A-0202", "V-0202", "D-0202"), ("B-0203",)
    )
    person_of = _person_of(con)
    items = con.execute(
        "SELECT record_uids, person_ids FROM review_items WHERE kind = 'thin_record'"
    ).fetchall()
    assert len(items) == 1
    record_uids, person_ids = (json.loads(value) for value in items[0])
    assert record_uids[0] == uid("B-0203")
    assert set(person_ids) == {person_of[uid("A-0201")], person_of[uid("A-0202")]}


def test_twins_pair_never_linked(con: duckdb.DuckDBPyConnection) -> None:
    records_stage(con, TWINS)

    link(con=con, progress=NullProgress())

    outcomes = con.execute(
        "SELECT outcome FROM pairs WHERE record_uid_l = ? AND record_uid_r = ?",
        [uid("A-0201"), uid("A-0202")],
    ).fetchall()
    assert outcomes in ([], [("no_link",)], [("review",)])


CASE_04 = [
    record("A-0401", given_name="Lior", family_name="Ventana", dob="1990-07-01",
           nationality="ISR", passport_no="PI2030401"),
    record("V-0401", given_name="Lior", family_name="Ventana", dob="1990-07-01",
           nationality="ISR"),
    record("B-0401", given_name="Lior", family_name="Ventana", dob="1990-07-01"),
    record("B-0402", given_name="Lior", family_name="Ventanna", dob="1990-07-01",
           nationality="ISR"),
    record("A-0402", given_name="Leor", family_name="Ventana", dob="1990-01-07",
           nationality="ISR", passport_no="PI2030488"),
    record("V-0402", given_name="Lior", family_name="Ventana", dob="1990-01-07",
           nationality="ISR"),
    record("C-0401", given_name="L.", family_name="Ventana", dob="1990-07-01"),
    record("D-0401", given_name="Lior", family_name="Ventana", dob="1990-07-01",
           passport_no="PI2030401"),
]  # fmt: skip


def _run(rows: list[dict[str, object]]) -> tuple[dict[str, str], dict[tuple[str, str], float]]:
    con = staging.connect(":memory:")
    records_stage(con, rows)
    link(con=con, progress=NullProgress())
    pairs = {
        (left, right): probability
        for left, right, probability in con.execute(
            "SELECT record_uid_l, record_uid_r, match_probability FROM pairs"
        ).fetchall()
    }
    person_of = _person_of(con)
    con.close()
    return person_of, pairs


def test_identical_results_across_runs_and_row_orders() -> None:
    shuffled = list(CASE_04)
    random.Random(7).shuffle(shuffled)
    # Sources loaded in reverse order: every record of the last source first.
    by_source = sorted(shuffled, key=lambda row: str(row["source"]), reverse=True)

    first = _run(CASE_04)
    runs = [first, _run(CASE_04), _run(by_source)]

    for person_of, pairs in runs[1:]:
        assert person_of == first[0]
        assert pairs.keys() == first[1].keys()
        for key, probability in pairs.items():
            assert probability == pytest.approx(first[1][key], abs=1e-9)
    # The day/month-swapped arrival carries another passport: never merged automatically.
    assert first[0][uid("A-0402")] != first[0][uid("A-0401")]


@pytest.mark.parametrize(
    ("visa", "arrival"),
    [
        (("Renée", "Dvořáková"), ("RENEE", "DVORAKOVA")),
        (("Renée", "Dvořáková"), ("Renee", "Dvorákova")),
        (("Jörg", "Strauß"), ("JOERG", "STRAUSS")),
        (("Jörg", "Strauß"), ("JORG", "STRAUSS")),
        (("Małgorzata", "Łapińska"), ("MALGORZATA", "LAPINSKA")),
        (("Søren", "Ærø"), ("SOREN", "AEROE")),
        (("Søren", "Ærø"), ("SOREN", "AERO")),
    ],
)
def test_diacritic_forms_fold_to_one_exact_form(
    visa: tuple[str, str], arrival: tuple[str, str]
) -> None:
    # The name comparison's exact level compares these folded forms for equality.
    assert fold_tokens(visa[0]) == fold_tokens(arrival[0])
    assert strip_particles(fold_tokens(visa[1])) == strip_particles(fold_tokens(arrival[1]))


def test_diacritic_records_link_and_keep_spelling(con: duckdb.DuckDBPyConnection) -> None:
    rows = [
        record("V-0601", given_name="Renée", family_name="Dvořáková", dob="1979-06-03",
               passport_no="PC0661204"),
        record("A-0601", given_name="RENEE", family_name="DVORAKOVA", dob="1979-06-03",
               passport_no="PC0661204"),
        record("B-0601", given_name="Renee", family_name="Dvorákova", dob="1979-06-03"),
        record("V-0602", given_name="Jörg", family_name="Strauß", dob="1984-10-19",
               passport_no="PD3390021"),
        record("A-0602", given_name="JOERG", family_name="STRAUSS", dob="1984-10-19",
               passport_no="PD3390021"),
        record("V-0603", given_name="Małgorzata", family_name="Łapińska", dob="1975-01-30",
               passport_no="PE7700312"),
        record("A-0603", given_name="MALGORZATA", family_name="LAPINSKA", dob="1975-01-30",
               passport_no="PE7700312"),
        record("V-0604", given_name="Søren", family_name="Ærø", dob="1992-04-08",
               passport_no="PF1200456"),
        record("A-0604", given_name="SOREN", family_name="AEROE", dob="1992-04-08",
               passport_no="PF1200456"),
    ]  # fmt: skip
    records_stage(con, rows)

    link(con=con, progress=NullProgress())

    assert _partition(con) == _groups(
        ("V-0601", "A-0601", "B-0601"), ("V-0602", "A-0602"), ("V-0603", "A-0603"),
        ("V-0604", "A-0604"),
    )  # fmt: skip
    # Folding is for comparison only: the staged spelling is untouched.
    names = con.execute(
        "SELECT given_name, family_name FROM records WHERE record_id = 'V-0601'"
    ).fetchall()
    assert names == [("Renée", "Dvořáková")]


def test_swapped_names_linked_but_not_other_dob(con: duckdb.DuckDBPyConnection) -> None:
    rows = [
        record("A-0801", given_name="Chidera", family_name="Anyanwueze", dob="1985-10-07",
               nationality="NGA", passport_no="PA0918273"),
        record("V-0801", given_name="Anyanwueze", family_name="Chidera", dob="1985-10-07",
               nationality="NGA"),
        record("O-0801", given_name="Anyanwueze", family_name="Chidera", dob="1979-03-15",
               nationality="NGA"),
    ]  # fmt: skip
    records_stage(con, rows)

    link(con=con, progress=NullProgress())

    assert _partition(con) == _groups(("A-0801", "V-0801"), ("O-0801",))


def test_compound_surname_subset_linked(con: duckdb.DuckDBPyConnection) -> None:
    rows = [
        record("A-0901", given_name="María José", family_name="Echeverría Salcedo",
               dob="1990-04-25", passport_no="PG44017720"),
        record("O-0901", given_name="Maria Jose", family_name="Echeverria", dob="1990-04-25"),
        record("B-0901", given_name="María José Echeverría", family_name="Salcedo",
               dob="1990-04-25"),
        record("A-0902", given_name="María José", family_name="Echeverría Paz",
               dob="1983-07-19", passport_no="PG90551034"),
    ]  # fmt: skip
    records_stage(con, rows)

    link(con=con, progress=NullProgress())

    # O-0901 keeps only the paternal surname, B-0901 split the full name at the wrong
    # token; A-0902 shares the first surname but not the DOB or passport.
    assert _partition(con) == _groups(("A-0901", "O-0901", "B-0901"), ("A-0902",))


def test_transposed_dob_with_other_passport_not_linked(con: duckdb.DuckDBPyConnection) -> None:
    rows = [
        record("V-1001", given_name="Tariq", family_name="Benmoussa", dob="1987-11-06",
               passport_no="PT5581230"),
        record("A-1001", given_name="Tariq", family_name="Benmoussa", dob="1987-11-06",
               passport_no="PT5581230"),
        record("A-1002", given_name="Tariq", family_name="Benmoussa", dob="1987-06-11",
               passport_no="PT5581299"),
    ]  # fmt: skip
    records_stage(con, rows)

    link(con=con, progress=NullProgress())

    assert _partition(con) == _groups(("V-1001", "A-1001"), ("A-1002",))


# Each kind of failure case in several variants: (records, expected partition).
TWIN_VARIANTS = {
    "no documents, different given names": [
        record("V-2101", given_name="Amara", family_name="Okafor", dob="2001-03-09", sex="F",
               nationality="NGA"),
        record("B-2101", given_name="Amara", family_name="Okafor", dob="2001-03-09", sex="F",
               nationality="NGA"),
        record("V-2102", given_name="Chioma", family_name="Okafor", dob="2001-03-09", sex="F",
               nationality="NGA"),
        record("B-2102", given_name="Chioma", family_name="Okafor", dob="2001-03-09", sex="F",
               nationality="NGA"),
    ],
    "different sex, passports of one country": [
        record("A-2201", given_name="Nils", family_name="Berg", dob="1993-06-21", sex="M",
               nationality="SWE", passport_no="SE1100221", passport_country="SWE"),
        record("V-2201", given_name="Nils", family_name="Berg", dob="1993-06-21", sex="M",
               nationality="SWE", passport_no="SE1100221", passport_country="SWE"),
        record("A-2202", given_name="Nora", family_name="Berg", dob="1993-06-21", sex="F",
               nationality="SWE", passport_no="SE1100239", passport_country="SWE"),
        record("V-2202", given_name="Nora", family_name="Berg", dob="1993-06-21", sex="F",
               nationality="SWE", passport_no="SE1100239", passport_country="SWE"),
    ],
    "different A-numbers": [
        record("B-2301", given_name="Ravi", family_name="Sharma", dob="1988-01-30", sex="M",
               nationality="IND", a_number="204518833"),
        record("O-2301", given_name="Ravi", family_name="Sharma", dob="1988-01-30",
               a_number="A204518833"),
        record("B-2302", given_name="Rohan", family_name="Sharma", dob="1988-01-30", sex="M",
               nationality="IND", a_number="204519902"),
        record("O-2302", given_name="Rohan", family_name="Sharma", dob="1988-01-30",
               a_number="A204519902"),
    ],
}  # fmt: skip


@pytest.mark.parametrize("variant", sorted(TWIN_VARIANTS))
def test_twin_variants_stay_apart(con: duckdb.DuckDBPyConnection, variant: str) -> None:
    rows = TWIN_VARIANTS[variant]
    first, second = rows[0]["record_id"], rows[2]["record_id"]
    # A thin record of the same family (family name and DOB only) joins neither twin.
    thin = record("E-2999", family_name=rows[0]["family_name"], dob=rows[0]["dob"])
    records_stage(con, [*rows, thin])

    link(con=con, progress=NullProgress())

    expected = _groups((first, rows[1]["record_id"]), (second, rows[3]["record_id"]), ("E-2999",))
    assert _partition(con) == expected
    person_of = _person_of(con)
    items = con.execute("SELECT person_ids FROM review_items WHERE kind = 'thin_record'").fetchall()
    assert len(items) == 1
    assert set(json.loads(items[0][0])) == {person_of[uid(first)], person_of[uid(second)]}


SWAP_VARIANTS = [
    (
        record("A-2401", given_name="Jörg", family_name="Strauß", dob="1984-10-09",
               nationality="DEU", passport_no="PD3390021", passport_country="DEU"),
        record("V-2401", given_name="STRAUSS", family_name="JOERG", dob="1984-10-09",
               nationality="DEU"),
    ),
    (
        record("A-2402", given_name="Thi Lan", family_name="Nguyen", dob="1995-02-07",
               nationality="VNM", passport_no="VN2267311", passport_country="VNM"),
        record("V-2402", given_name="Nguyen", family_name="Thi Lan", dob="1995-02-07",
               nationality="VNM"),
    ),
    (
        record("A-2403", given_name="Wanjiru", family_name="Otieno", dob="1991-12-03",
               nationality="KEN", passport_no="KE5550001", passport_country="KEN"),
        record("B-2403", given_name="Otieno", family_name="Wanjiru", dob="1991-12-03",
               nationality="KEN", a_number="207700145"),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("passport_record", "swapped"), SWAP_VARIANTS)
def test_swapped_name_variants(
    con: duckdb.DuckDBPyConnection, passport_record: dict[str, Any], swapped: dict[str, Any]
) -> None:
    # The same swapped name with another DOB is another person (a court order must not
    # attach), and with day and month transposed it is at most a review. Neither court
    # record carries a document number.
    court = {**swapped, "source": "court", "passport_no": None, "a_number": None}
    other_dob = {**court, "record_id": "O-2490", "dob": date(1979, 3, 15)}
    dob = swapped["dob"]
    transposed = {**court, "record_id": "O-2491", "dob": dob.replace(day=dob.month, month=dob.day)}
    records_stage(con, [passport_record, swapped, other_dob, transposed])

    link(con=con, progress=NullProgress())

    person_of = _person_of(con)
    ids = [uid(row["record_id"]) for row in (passport_record, swapped)]
    assert person_of[ids[0]] == person_of[ids[1]]
    assert person_of[uid("O-2490")] != person_of[ids[0]]
    assert person_of[uid("O-2491")] != person_of[ids[0]]


COMPOUND_VARIANTS = [
    # (full name record, paternal surname only, split at the wrong token, namesake).
    (
        record("A-2501", given_name="Gabriel", family_name="García Márquez", dob="1977-03-06",
               passport_no="CO7700306", passport_country="COL"),
        record("O-2501", given_name="Gabriel", family_name="Garcia", dob="1977-03-06"),
        record("B-2501", given_name="Gabriel García", family_name="Márquez", dob="1977-03-06"),
        record("A-2502", given_name="Gabriel", family_name="García Lorca", dob="1981-09-12",
               passport_no="CO8100912", passport_country="COL"),
    ),
    (
        record("A-2511", given_name="Ana Lucía", family_name="Pérez de la Rosa",
               dob="1992-12-01", passport_no="MX4410021", passport_country="MEX"),
        record("O-2511", given_name="Ana Lucia", family_name="Perez", dob="1992-12-01"),
        record("B-2511", given_name="Ana Lucía Pérez", family_name="de la Rosa",
               dob="1992-12-01"),
        record("A-2512", given_name="Ana Lucía", family_name="Pérez Gómez", dob="1992-12-01",
               passport_no="MX5590374", passport_country="MEX"),
    ),
]  # fmt: skip


@pytest.mark.parametrize("rows", COMPOUND_VARIANTS)
def test_compound_surname_variants(
    con: duckdb.DuckDBPyConnection, rows: tuple[dict[str, Any], ...]
) -> None:
    records_stage(con, rows)

    link(con=con, progress=NullProgress())

    full, paternal, split, namesake = (row["record_id"] for row in rows)
    # The second variant's namesake shares given name, first surname and DOB: only the
    # different second surname and passport tell them apart.
    assert _partition(con) == _groups((full, paternal, split), (namesake,))


@pytest.mark.parametrize(
    ("left_dob", "right_dob"),
    [("1990-05-08", "1990-08-05"), ("1975-01-12", "1975-12-01"), ("2002-03-04", "2002-04-03")],
)
def test_transposed_dob_pair_reviewed(
    con: duckdb.DuckDBPyConnection, left_dob: str, right_dob: str
) -> None:
    rows = [
        record("V-2601", given_name="Ilka", family_name="Saarinen", dob=left_dob, sex="F",
               nationality="FIN"),
        record("B-2601", given_name="Ilka", family_name="Saarinen", dob=right_dob, sex="F",
               nationality="FIN"),
    ]  # fmt: skip
    records_stage(con, rows)

    link(con=con, progress=NullProgress())

    # Day and month transposed with nothing else shared: a reviewer decides.
    outcomes = con.execute("SELECT outcome FROM pairs").fetchall()
    assert outcomes == [("review",)]
    assert _partition(con) == _groups(("V-2601",), ("B-2601",))


def test_two_digit_year_records(con: duckdb.DuckDBPyConnection) -> None:
    rows = [
        # C-1101's "09-03-64" resolved to 1964 by ingest; it links to the arrival.
        record("A-1101", given_name="Rashid", family_name="Oyelaran", dob="1964-03-09",
               nationality="NGA", passport_no="NG6403091", passport_country="NGA"),
        record("C-1101", given_name="Rashid", family_name="Oyelaran", dob="1964-03-09",
               nationality="NGA"),
        # B-1103's "15-08-20" fits 1920 and 2020: ingest stores no DOB and flags it.
        record("A-1103", given_name="Lumi", family_name="Aaltonen", dob="2020-08-15",
               nationality="FIN", passport_no="FI2008151", passport_country="FIN"),
        record("B-1103", given_name="Lumi", family_name="Aaltonen", dob=None,
               nationality="FIN", dob_quality="unresolved_century"),
    ]  # fmt: skip
    records_stage(con, rows)

    link(con=con, progress=NullProgress())

    person_of = _person_of(con)
    assert person_of[uid("C-1101")] == person_of[uid("A-1101")]
    # Without a DOB or a document the record is thin: review, never an automatic merge.
    assert person_of[uid("B-1103")] != person_of[uid("A-1103")]
    items = con.execute("SELECT record_uids FROM review_items WHERE kind = 'thin_record'")
    assert [json.loads(value)[0] for (value,) in items.fetchall()] == [uid("B-1103")]
