"""Row-order stability of a trained run: any order of the staged rows, the same result."""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa
import pytest

from immigrationos import staging
from immigrationos.linkage.incremental import FULL, link_run
from immigrationos.linkage.settings import LinkageSettings
from immigrationos.progress import NullProgress
from immigrationos.sources.ingest import ingest_directory
from immigrationos.synth.generator import generate

AS_OF = date(2026, 12, 4)


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> pa.Table:
    out = tmp_path_factory.mktemp("stability")
    # About 5,900 records: above the size from which the model is EM-trained.
    generate(
        persons=1500, seed=9, out_dir=out, profile="default", as_of=AS_OF, progress=NullProgress()
    )
    con = staging.connect(out / "staging.duckdb")
    assert ingest_directory(con=con, extracts_dir=out / "extracts", progress=NullProgress()).ok
    table = con.sql("SELECT * FROM records").to_arrow_table()
    con.close()
    assert table.num_rows >= LinkageSettings().min_records_to_train
    return table


def _run(records: pa.Table, order: str) -> dict[str, Any]:
    con = staging.connect(":memory:")
    con.register("staged", records)
    con.execute(f"INSERT INTO records SELECT * FROM staged ORDER BY {order}")
    con.unregister("staged")
    report = link_run(con=con, progress=NullProgress(), mode=FULL)
    result = {
        "trained": report.trained,
        "person_of": dict(
            con.execute("SELECT record_uid, person_id FROM person_records").fetchall()
        ),
        "pairs": {
            (left, right): (probability, outcome)
            for left, right, probability, outcome in con.execute(
                "SELECT record_uid_l, record_uid_r, match_probability, outcome FROM pairs"
            ).fetchall()
        },
        "review_ids": sorted(
            review_id
            for (review_id,) in con.execute("SELECT review_id FROM review_items").fetchall()
        ),
    }
    con.close()
    return result


@pytest.mark.slow
def test_trained_run_same_in_any_row_order(records: pa.Table) -> None:
    # Sorted by uid, in a hashed (shuffled) order, and by source last to first.
    runs = [_run(records, order) for order in
            ("record_uid", "hash(record_uid || 'seed 3')", "source DESC, line DESC")]  # fmt: skip

    first = runs[0]
    assert first["trained"]
    for other in runs[1:]:
        assert other["person_of"] == first["person_of"]
        assert other["pairs"].keys() == first["pairs"].keys()
        for key, (probability, outcome) in other["pairs"].items():
            assert probability == pytest.approx(first["pairs"][key][0], abs=1e-9), key
            assert outcome == first["pairs"][key][1], key
        assert other["review_ids"] == first["review_ids"]
