"""Retrain the packaged model that scores inputs too small to train on.

Usage: ``python -m immigrationos.linkage.packaged STAGING_FILE`` writes ``model.json`` beside
this module, trained on the staged records of STAGING_FILE (a synthetic population).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

from immigrationos import staging
from immigrationos.linkage.features import feature_rows_build, features_table, records_fetch
from immigrationos.linkage.model import PACKAGED_MODEL, input_table_create, linker_build
from immigrationos.linkage.settings import LinkageSettings


def packaged_model_train(*, con: duckdb.DuckDBPyConnection, out_path: Path) -> int:
    """Train on the staged records of ``con`` and write the model to ``out_path``.

    Returns the number of records trained on.
    """
    settings = LinkageSettings()
    features = features_table(feature_rows=feature_rows_build(rows=records_fetch(con=con)))
    work = duckdb.connect(":memory:")
    try:
        input_table_create(work=work, features=features, settings=settings)
        linker, _ = linker_build(con=work, settings=settings, records=max(
            features.num_rows, settings.min_records_to_train))  # fmt: skip
        model = linker.misc.save_model_to_json()
    finally:
        work.close()
    out_path.write_text(json.dumps(model, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return int(features.num_rows)


def main(argv: list[str]) -> int:
    """Run the command line; return the exit code."""
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    con = staging.connect(argv[0], read_only=True)
    out_path = Path(__file__).with_name(PACKAGED_MODEL)
    records = packaged_model_train(con=con, out_path=out_path)
    print(f"wrote {out_path} trained on {records:,} records")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
