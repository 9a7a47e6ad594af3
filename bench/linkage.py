"""Measure linkage quality, time and memory at several population sizes.

    python bench/linkage.py --persons 20000 100000 [--with-500k] [--profile hard]
    python bench/linkage.py --persons 20000 --thresholds 0.9 0.97 0.99 0.999

For each size, one child process generates a synthetic population, ingests it into a fresh
staging file and links it. It prints the records, the candidate pairs and the blocking
recall (true pairs among the candidate pairs). It prints the link step's wall and CPU
seconds and its peak resident memory (VmHWM, reset before linking through
/proc/self/clear_refs, Linux only). CPU seconds count user and system time of every thread
and depend less on other work running on the machine. Last come pairwise precision, recall,
F1 and wrongful merges against the generated truth. With ``--thresholds`` it links again at
each link threshold and prints the same figures per threshold. The last line printed is one
JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from pipeline import MeasuringProgress

AS_OF = date(2026, 12, 4)


def _blocking_recall(con: Any, truth_dir: Path) -> float:
    """Return the share of true record pairs that blocking makes candidate pairs."""
    import duckdb

    from immigrationos.linkage.blocking import candidate_pairs_build
    from immigrationos.linkage.features import feature_rows_build, features_table, records_fetch
    from immigrationos.linkage.model import INPUT_TABLE, PAIRS_TABLE, input_table_create
    from immigrationos.linkage.settings import LinkageSettings

    settings = LinkageSettings()
    features = features_table(feature_rows=feature_rows_build(rows=records_fetch(con=con)))
    work = duckdb.connect(":memory:")
    try:
        input_table_create(work=work, features=features, settings=settings)
        candidate_pairs_build(
            con=work,
            input_table=INPUT_TABLE,
            output_table=PAIRS_TABLE,
            max_block_size=settings.max_block_size,
        )
        truth_csv = str(truth_dir / "records.csv")
        found, total = work.execute(
            f"""
            WITH truth AS (
                SELECT source || ':' || record_id AS uid, person_id
                FROM read_csv('{truth_csv}', all_varchar = true)
            ),
            true_pairs AS (
                SELECT l.uid AS uid_l, r.uid AS uid_r
                FROM truth l JOIN truth r ON l.person_id = r.person_id AND l.uid < r.uid
            )
            SELECT count(p.join_key_l), count(*)
            FROM true_pairs t LEFT JOIN {PAIRS_TABLE} p
              ON p.join_key_l = t.uid_l AND p.join_key_r = t.uid_r
            """
        ).fetchall()[0]
    finally:
        work.close()
    return found / total if total else 1.0


def _link_measured(con: Any, truth_dir: Path, settings: Any) -> dict[str, Any]:
    from immigrationos.evaluation import evaluate
    from immigrationos.linkage.pipeline import link

    progress = MeasuringProgress()
    started, cpu_started = time.perf_counter(), time.process_time()
    report = link(con=con, progress=progress, settings=settings)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    figures = evaluate(con=con, truth_dir=truth_dir)
    return {
        "link_threshold": settings.link_threshold,
        "link_seconds": round(seconds, 1),
        "link_cpu_seconds": round(cpu_seconds, 1),
        "link_peak_mb": round(max(progress.peak_mb.values())),
        "step_seconds": {name: round(value, 1) for name, value in progress.timings.items()},
        "candidate_pairs": report.candidate_pairs,
        "persons_linked": report.persons,
        "review_items": report.review_items,
        "precision": round(figures["pairwise_precision"], 6),
        "recall": round(figures["pairwise_recall"], 6),
        "f1": round(figures["pairwise_f1"], 6),
        "wrongful_merges": figures["wrongful_merges"],
    }


def measure_one(
    persons: int,
    seed: int,
    profile: str,
    thresholds: list[float],
    name_frequency_adjustment: str,
    workdir: Path,
) -> dict[str, Any]:
    """Generate, ingest and link ``persons`` persons; return the figures of each link run."""
    os.environ["IMMIGRATIONOS_HOME"] = str(workdir / "home")
    from immigrationos import staging
    from immigrationos.linkage.settings import LinkageSettings
    from immigrationos.progress import NullProgress
    from immigrationos.sources.ingest import ingest_directory
    from immigrationos.synth.generator import generate

    started = time.perf_counter()
    generate(
        persons=persons,
        seed=seed,
        out_dir=workdir / "synth",
        profile=profile,
        as_of=AS_OF,
        progress=NullProgress(),
    )
    synth_seconds = time.perf_counter() - started
    con = staging.connect(workdir / "staging.duckdb")
    try:
        started = time.perf_counter()
        ingested = ingest_directory(
            con=con, extracts_dir=workdir / "synth" / "extracts", progress=NullProgress(),
            today=AS_OF,
        )  # fmt: skip
        if not ingested.ok:
            raise SystemExit(f"ingest failed for {persons} persons:\n{ingested.render()}")
        ingest_seconds = time.perf_counter() - started
        records = con.execute("SELECT count(*) FROM records").fetchall()[0][0]
        truth_dir = workdir / "synth" / "truth"
        default = replace(
            LinkageSettings.from_env(), name_frequency_adjustment=name_frequency_adjustment
        )
        runs = [_link_measured(con, truth_dir, default)]
        for threshold in thresholds:
            if threshold != default.link_threshold:
                settings = replace(default, link_threshold=threshold)
                runs.append(_link_measured(con, truth_dir, settings))
        blocking_recall = _blocking_recall(con, truth_dir)
    finally:
        con.close()
    return {
        "persons": persons,
        "profile": profile,
        "seed": seed,
        "name_frequency_adjustment": name_frequency_adjustment,
        "records": records,
        "synth_seconds": round(synth_seconds, 1),
        "ingest_seconds": round(ingest_seconds, 1),
        "blocking_recall": round(blocking_recall, 5),
        "runs": runs,
    }


def _child_run(args: argparse.Namespace, persons: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"bench-linkage-{persons}-") as workdir:
        command = [
            sys.executable, __file__, "--one", "--persons", str(persons),
            "--seed", str(args.seed), "--profile", args.profile, "--workdir", workdir,
            "--name-frequency-adjustment", args.name_frequency_adjustment,
            "--thresholds", *(str(value) for value in args.thresholds),
        ]  # fmt: skip
        output = subprocess.run(command, check=True, capture_output=True, text=True)
    figures: dict[str, Any] = json.loads(output.stdout.strip().splitlines()[-1])
    return figures


def _print_figures(figures: dict[str, Any]) -> None:
    print(
        f"{figures['persons']:>9,} persons ({figures['profile']}, name frequency "
        f"adjustment {figures['name_frequency_adjustment']}): "
        f"{figures['records']:,} records, blocking recall {figures['blocking_recall']:.4f}"
    )
    for run in figures["runs"]:
        print(
            f"    threshold {run['link_threshold']:<6g} candidate pairs "
            f"{run['candidate_pairs']:>10,}  link {run['link_seconds']:6.1f} s "
            f"(CPU {run['link_cpu_seconds']:6.1f} s)  "
            f"peak {run['link_peak_mb']:6,} MB  P {run['precision']:.5f}  "
            f"R {run['recall']:.5f}  F1 {run['f1']:.5f}  "
            f"wrongful merges {run['wrongful_merges']}  review items {run['review_items']:,}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--persons", type=int, nargs="+", default=[20_000, 100_000], help="population sizes"
    )
    parser.add_argument(
        "--with-500k", action="store_true", help="add a run of 500,000 persons (many minutes)"
    )
    parser.add_argument("--seed", type=int, default=1, help="synthetic population seed")
    parser.add_argument("--profile", default="default", choices=("default", "hard", "clean"))
    parser.add_argument(
        "--thresholds",
        type=float,
        nargs="*",
        default=[],
        help="further link thresholds (match probabilities) to link and evaluate at",
    )
    parser.add_argument(
        "--name-frequency-adjustment",
        default="down_only",
        choices=("down_only", "off", "full"),
        help="term-frequency adjustment of exact name agreement (LinkageSettings)",
    )
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one:
        figures = measure_one(
            args.persons[0],
            args.seed,
            args.profile,
            args.thresholds,
            args.name_frequency_adjustment,
            Path(args.workdir),
        )
        print(json.dumps(figures))
        return

    sizes = list(args.persons) + ([500_000] if args.with_500k else [])
    results = []
    for persons in sizes:
        figures = _child_run(args, persons)
        results.append(figures)
        _print_figures(figures)
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    print(json.dumps({"machine": machine, "results": results}))


if __name__ == "__main__":
    main()
