"""Measure status derivation: persons per second, seconds and peak memory of ``derive_all``.

    python bench/status.py --persons 1000000 --workers 2

The record sets come from the synthetic generator. A base population (20,000 persons by
default) is generated and ingested, and each record is assigned to its true person. The
persons are then copied with new ids until there are ``--persons`` of them. Every copy
keeps the records, dates and defects of its original, so the mix of lifecycles is the
generator's. ``--store DIR`` keeps the built store for another run.

The timed step is the whole ``derive`` stage: the query of every person's records, parsing,
the rules engine, and writing status, history and stays to DuckDB. CPU seconds add the main
process and its workers, so they show the work done whatever else runs on the machine.

Peak memory is the peak resident set size (VmHWM) of the main process during the derive
stage, reset through /proc/self/clear_refs (Linux). The worker figure is an upper bound:
the largest peak of any child process so far, which counts the pages a child shared with
this process between fork and exec. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

# The pipeline benchmark sits next to this script, so it imports as a top-level module.
from pipeline import AS_OF, _peak_rss_mb, _reset_peak_rss


def _workers_peak_rss_mb() -> float:
    # ru_maxrss of the children is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """Return the user and system CPU time of this process and its finished workers."""
    total = 0.0
    for scope in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(scope)
        total += usage.ru_utime + usage.ru_stime
    return total


def staging_build(*, persons: int, base: int, seed: int, workdir: Path) -> Path:
    """Generate ``base`` persons, ingest them and copy them up to ``persons``; return the store."""
    from immigrationos import staging
    from immigrationos.progress import NullProgress
    from immigrationos.sources.ingest import ingest_directory
    from immigrationos.synth.generator import generate

    generate(
        persons=min(base, persons),
        seed=seed,
        out_dir=workdir / "synth",
        profile="default",
        as_of=AS_OF,
        progress=NullProgress(),
    )
    path = workdir / "staging.duckdb"
    con = staging.connect(path)
    report = ingest_directory(
        con=con, extracts_dir=workdir / "synth" / "extracts", progress=NullProgress()
    )
    if not report.ok:
        raise SystemExit(f"ingest of the base population failed:\n{report.render()}")

    truth = str(workdir / "synth" / "truth" / "records.csv")
    con.execute(
        "CREATE TEMP TABLE truth AS SELECT source || ':' || record_id AS record_uid, person_id, "
        "dense_rank() OVER (ORDER BY person_id) - 1 AS person_rank "
        "FROM read_csv(?, all_varchar = true)",
        [truth],
    )
    base_persons = con.execute("SELECT max(person_rank) + 1 FROM truth").fetchall()[0][0]
    copies = -(-persons // base_persons)
    # Copy 0 keeps the original ids; copy k appends "~k" to every record and person id.
    con.execute("CREATE TEMP TABLE copies AS SELECT range AS copy FROM range(?)", [copies])
    con.execute(
        "CREATE TEMP TABLE kept AS SELECT t.record_uid, t.person_id, c.copy FROM truth AS t, "
        "copies AS c WHERE c.copy * ? + t.person_rank < ?",
        [base_persons, persons],
    )
    suffix = "CASE WHEN k.copy = 0 THEN '' ELSE '~' || k.copy END"
    con.execute(
        "CREATE TEMP TABLE all_records AS SELECT r.* REPLACE "
        f"(r.record_uid || {suffix} AS record_uid, r.record_id || {suffix} AS record_id) "
        "FROM records AS r JOIN kept AS k USING (record_uid)"
    )
    con.execute("DELETE FROM records")
    con.execute("INSERT INTO records SELECT * FROM all_records")
    con.execute("DELETE FROM person_records")
    con.execute(
        f"INSERT INTO person_records SELECT k.record_uid || {suffix}, k.person_id || {suffix}, "
        "1.0, 'truth' FROM kept AS k"
    )
    con.execute("CHECKPOINT")
    con.close()
    return path


def measure(*, path: Path, workers: int) -> dict[str, object]:
    """Run ``derive_all`` once on the store at ``path`` and return its figures."""
    from immigrationos import staging
    from immigrationos.progress import NullProgress
    from immigrationos.status.derive import derive_all

    con = staging.connect(path)
    _reset_peak_rss()
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    report = derive_all(con=con, as_of=AS_OF, progress=NullProgress(), workers=workers)
    seconds = time.perf_counter() - started
    cpu_seconds = _cpu_seconds() - cpu_before
    con.close()
    return {
        "workers": workers,
        "persons": report.persons,
        "records": report.records,
        "periods": report.periods,
        "stays": report.stays,
        "seconds": round(seconds, 1),
        "persons_per_second": round(report.persons / seconds),
        "cpu_seconds": round(cpu_seconds, 1),
        "persons_per_cpu_second": round(report.persons / cpu_seconds),
        "peak_mb_main": round(_peak_rss_mb()),
        "peak_mb_worker_upper_bound": round(_workers_peak_rss_mb()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000, help="persons to derive")
    parser.add_argument(
        "--base", type=int, default=20_000, help="generated persons that are copied"
    )
    parser.add_argument("--seed", type=int, default=1, help="generator seed")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[2], help="worker counts to measure, in turn"
    )
    parser.add_argument(
        "--store",
        help="folder for the staging store, kept afterwards and reused when it already "
        "contains one (default: a temporary folder)",
    )
    args = parser.parse_args()

    results = []
    with tempfile.TemporaryDirectory(prefix="bench-status-") as scratch:
        workdir = Path(args.store or scratch)
        path = workdir / "staging.duckdb"
        started = time.perf_counter()
        if not path.is_file():
            workdir.mkdir(parents=True, exist_ok=True)
            path = staging_build(
                persons=args.persons, base=args.base, seed=args.seed, workdir=workdir
            )
        build_seconds = time.perf_counter() - started
        print(f"staging store at {path} ready in {build_seconds:.1f} s")
        for workers in args.workers:
            figures = measure(path=path, workers=workers)
            results.append(figures)
            print(
                f"{figures['persons']:,} persons, {figures['records']:,} records, "
                f"{workers} worker(s): {figures['seconds']} s, "
                f"{figures['persons_per_second']:,} persons/s, "
                f"{figures['cpu_seconds']} CPU s, peak "
                f"{figures['peak_mb_main']:,} MB main, at most "
                f"{figures['peak_mb_worker_upper_bound']:,} MB per worker",
                flush=True,
            )
    machine = {
        "cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    print(json.dumps({"machine": machine, "build_seconds": round(build_seconds, 1),
                      "results": results}))  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
