"""Incremental linkage: new records join existing persons, and every person id survives."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from linkage_records import record, records_stage, uid

from immigrationos import paths, staging
from immigrationos.cli import main
from immigrationos.evaluation import evaluate
from immigrationos.linkage.errors import LinkageInputError
from immigrationos.linkage.incremental import (
    FULL,
    INCREMENTAL,
    MERGE_VETO,
    _persons_kept_whole,
    link_mode_choose,
    link_run,
)
from immigrationos.linkage.settings import LinkageSettings
from immigrationos.pipeline import run_pipeline
from immigrationos.progress import NullProgress
from immigrationos.sources.ingest import ingest_directory
from immigrationos.synth.generator import generate

AS_OF = date(2026, 12, 4)

# X and Y stay apart in a first run (another spelling, DOB one digit off, no shared
# document). N carries X's passport with X's DOB and Y's A-number: an exact link to each.
TWO_PERSONS = [
    record("V-5001", given_name="Ana", family_name="Lopez", dob="1990-01-01", sex="F",
           nationality="ESP", passport_no="PE1000001", passport_country="ESP"),
    record("B-5001", given_name="Anna", family_name="Lopes", dob="1990-01-10", sex="F",
           nationality="ESP", a_number="A123456789"),
]  # fmt: skip
JOINING = record("A-5001", given_name="Ana", family_name="Lopez", dob="1990-01-01", sex="F",
                 nationality="ESP", passport_no="PE1000001", passport_country="ESP",
                 a_number="A123456789")  # fmt: skip


def _person_of(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT record_uid, person_id FROM person_records").fetchall())


def test_incremental_never_merges_existing_persons(con: duckdb.DuckDBPyConnection) -> None:
    records_stage(con, TWO_PERSONS)
    link_run(con=con, progress=NullProgress(), mode=FULL)
    first = _person_of(con)
    assert first[uid("V-5001")] != first[uid("B-5001")]

    records_stage(con, [JOINING])
    report = link_run(con=con, progress=NullProgress(), mode=INCREMENTAL)
    second = _person_of(con)

    assert report.records == 1
    assert second[uid("V-5001")] == first[uid("V-5001")]
    assert second[uid("B-5001")] == first[uid("B-5001")]
    assert second[uid("A-5001")] in (first[uid("V-5001")], first[uid("B-5001")])
    reasons = [reason for (reason,) in con.execute("SELECT reason FROM review_items").fetchall()]
    assert any(MERGE_VETO in reason for reason in reasons)
    modes = con.execute("SELECT mode FROM linkage_models ORDER BY created_at").fetchall()
    assert modes == [(FULL,), (INCREMENTAL,)]


def test_full_run_merges_what_incremental_reviews(con: duckdb.DuckDBPyConnection) -> None:
    records_stage(con, [*TWO_PERSONS, JOINING])

    link_run(con=con, progress=NullProgress(), mode=FULL)
    person_of = _person_of(con)

    assert len(set(person_of.values())) == 1


def test_incremental_without_model_rejected(con: duckdb.DuckDBPyConnection) -> None:
    records_stage(con, TWO_PERSONS)

    with pytest.raises(LinkageInputError, match="--full"):
        link_run(con=con, progress=NullProgress(), mode=INCREMENTAL)


def test_link_mode_choose_detects_changes(con: duckdb.DuckDBPyConnection) -> None:
    settings = LinkageSettings()
    records_stage(con, TWO_PERSONS)
    assert link_mode_choose(con=con, settings=settings)[0] == FULL

    link_run(con=con, progress=NullProgress(), mode=FULL)
    assert link_mode_choose(con=con, settings=settings)[0] == INCREMENTAL
    records_stage(con, [JOINING])
    assert link_mode_choose(con=con, settings=settings)[0] == INCREMENTAL

    stricter = LinkageSettings(link_threshold=0.999)
    assert link_mode_choose(con=con, settings=stricter)[0] == FULL
    smaller_blocks = LinkageSettings(max_block_size=100)
    mode, reason = link_mode_choose(con=con, settings=smaller_blocks)
    assert mode == FULL
    assert "linkage settings" in reason
    con.execute("UPDATE records SET row_hash = 'changed' WHERE record_uid = ?", [uid("V-5001")])
    mode, reason = link_mode_choose(con=con, settings=settings)
    assert mode == FULL
    assert "changed or removed" in reason


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[pa.Table, Path]]:
    out = tmp_path_factory.mktemp("incremental")
    generate(
        persons=1600, seed=5, out_dir=out, profile="default", as_of=AS_OF, progress=NullProgress()
    )
    con = staging.connect(out / "staging.duckdb")
    report = ingest_directory(con=con, extracts_dir=out / "extracts", progress=NullProgress())
    assert report.ok
    records = con.sql("SELECT * FROM records ORDER BY record_uid").to_arrow_table()
    con.close()
    yield records, out / "truth"


def _stage(con: duckdb.DuckDBPyConnection, records: pa.Table, condition: str) -> None:
    con.register("all_records", records)
    con.execute(f"INSERT INTO records SELECT * FROM all_records WHERE {condition}")
    con.unregister("all_records")


# Extract set 2 is about a fifth of the records, chosen by a hash of the record uid.
SET_1 = "hash(record_uid) % 5 <> 0"
SET_2 = "hash(record_uid) % 5 = 0"


@pytest.mark.slow
def test_incremental_matches_full_run(population: tuple[pa.Table, Path]) -> None:
    records, truth = population
    con = staging.connect(":memory:")
    _stage(con, records, SET_1)
    link_run(con=con, progress=NullProgress(), mode=FULL)
    first = _person_of(con)
    _stage(con, records, SET_2)
    started = time.perf_counter()
    report = link_run(con=con, progress=NullProgress())
    incremental_seconds = time.perf_counter() - started
    incremental = _person_of(con)
    incremental_scores = evaluate(con=con, truth_dir=truth)
    con.close()

    full_con = staging.connect(":memory:")
    _stage(full_con, records, "true")
    started = time.perf_counter()
    link_run(con=full_con, progress=NullProgress(), mode=FULL)
    full_seconds = time.perf_counter() - started
    full_scores = evaluate(con=full_con, truth_dir=truth)
    full_con.close()

    print(
        f"\nincremental {report.records} new records: {incremental_seconds:.1f} s; full run on "
        f"{records.num_rows} records: {full_seconds:.1f} s; F1 incremental "
        f"{incremental_scores['pairwise_f1']:.4f}, full {full_scores['pairwise_f1']:.4f}"
    )
    assert report.records == records.num_rows - len(first)
    assert all(incremental[uid_] == person_id for uid_, person_id in first.items())
    assert len(incremental) == records.num_rows
    assert incremental_scores["pairwise_precision"] >= 0.995
    assert incremental_scores["pairwise_f1"] >= full_scores["pairwise_f1"] - 0.01
    assert incremental_seconds < full_seconds


def test_incremental_writes_review_json(con: duckdb.DuckDBPyConnection) -> None:
    records_stage(con, TWO_PERSONS)
    link_run(con=con, progress=NullProgress(), mode=FULL)
    records_stage(con, [JOINING])
    link_run(con=con, progress=NullProgress(), mode=INCREMENTAL)

    rows = con.execute("SELECT person_ids, record_uids FROM review_items").fetchall()
    for person_ids, record_uids in rows:
        assert len(json.loads(person_ids)) == 2
        assert uid("A-5001") in json.loads(record_uids) or len(json.loads(record_uids)) == 2


def _extracts_head(source: Path, target: Path, share: float) -> None:
    """Copy every extract of ``source`` with only its first ``share`` of data rows."""
    target.mkdir()
    for path in sorted(source.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        header, body = rows[0], rows[1:]
        with (target / path.name).open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([header, *body[: int(len(body) * share)]])


@pytest.mark.slow
def test_pipeline_links_new_extracts_incrementally(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMMIGRATIONOS_HOME", str(tmp_path / "home"))
    generate(
        persons=300, seed=13, out_dir=tmp_path, profile="default", as_of=AS_OF,
        progress=NullProgress(),
    )  # fmt: skip
    _extracts_head(tmp_path / "extracts", tmp_path / "first", 0.8)

    first = run_pipeline(extracts_dir=tmp_path / "first", as_of=AS_OF, load_operational=False)
    assert first.ok, first.render()
    con = staging.connect(paths.staging_path(), read_only=True)
    first_ids = _person_of(con)
    con.close()
    second = run_pipeline(extracts_dir=tmp_path / "extracts", as_of=AS_OF, load_operational=False)
    assert second.ok, second.render()

    con = staging.connect(paths.staging_path(), read_only=True)
    modes = [mode for (mode,) in con.execute(
        "SELECT mode FROM linkage_models ORDER BY created_at").fetchall()]  # fmt: skip
    second_ids = _person_of(con)
    con.close()
    assert modes == [FULL, INCREMENTAL]
    assert any("incremental" in report for report in second.reports)
    assert len(second_ids) > len(first_ids)
    assert all(second_ids[uid_] == person_id for uid_, person_id in first_ids.items())


def test_split_of_existing_person_rejected() -> None:
    existing = {"r1": "P1", "r2": "P1", "r3": "P2"}

    _persons_kept_whole(clusters=[["r1", "r2", "n1"], ["r3"]], existing=existing)
    with pytest.raises(LinkageInputError, match="split person 'P1'"):
        _persons_kept_whole(clusters=[["r1", "n1"], ["r2"], ["r3"]], existing=existing)


@pytest.mark.django_db
def test_link_cli_incremental_needs_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IMMIGRATIONOS_HOME", str(tmp_path))
    con = staging.connect(paths.staging_path())
    records_stage(con, TWO_PERSONS)
    con.close()

    assert main(["link", "--incremental"]) == 2
    assert "run `immigrationos link --full`" in capsys.readouterr().err
    assert main(["link", "--full"]) == 0
    assert main(["link", "--incremental"]) == 0
    assert "incremental" in capsys.readouterr().out


def test_incremental_without_new_records_changes_nothing(
    con: duckdb.DuckDBPyConnection,
) -> None:
    records_stage(con, [*TWO_PERSONS, JOINING])
    link_run(con=con, progress=NullProgress(), mode=FULL)
    tables = ("person_records", "pairs", "review_items", "person_id_map")
    before = {table: con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
              for table in tables}  # fmt: skip

    report = link_run(con=con, progress=NullProgress())

    assert report.mode == INCREMENTAL
    assert report.records == 0
    for table in tables:
        assert con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall() == before[table]
