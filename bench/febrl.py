"""Measure ImmigrationOS's linkage and a standard splink model on FEBRL 4 and FEBRL 3.

    python bench/febrl.py [--runs 3] [--dataset febrl4 febrl3]

Each run of each model links the data set in a fresh process, so wall time and peak resident
memory (VmHWM, Linux) belong to that model alone. "link s" is one linkage: features,
blocking, training, scoring and, for ImmigrationOS, decisions and clustering at the fixed
threshold. "wall s" adds the threshold search and, for ImmigrationOS, the second decision
pass with every rule; neither includes imports or loading the data set. The table gives
medians over the runs; the last line printed is one JSON object with every run's figures.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def _peak_rss_mb() -> float:
    with Path("/proc/self/status").open() as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measure_one(dataset: str, model: str) -> dict[str, Any]:
    """Link ``dataset`` with ``model`` ("ours" or "splink") in this process; return figures."""
    from immigrationos.linkage.benchmarks.baseline import baseline_evaluate
    from immigrationos.linkage.benchmarks.data import febrl_load
    from immigrationos.linkage.benchmarks.ours import ours_evaluate
    from immigrationos.linkage.settings import LinkageSettings

    settings = LinkageSettings()
    data = febrl_load(name=dataset)
    started = time.perf_counter()
    if model == "ours":
        figures = ours_evaluate(dataset=data, settings=settings)
    else:
        figures = baseline_evaluate(
            dataset=data, seed=settings.seed, fixed_threshold=settings.link_threshold
        )
    figures["wall_seconds"] = time.perf_counter() - started
    figures["peak_mb"] = _peak_rss_mb()
    return figures


def _run_child(dataset: str, model: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, __file__, "--child", dataset, model],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def _median(runs: list[dict[str, Any]], *path: str) -> float:
    values = []
    for run in runs:
        value: Any = run
        for key in path:
            value = value[key]
        values.append(float(value))
    return statistics.median(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per model and data set")
    parser.add_argument(
        "--dataset", nargs="+", default=["febrl4", "febrl3"], choices=("febrl4", "febrl3")
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_one(*args.child)))
        return 0

    print(f"{platform.node()}, {platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()}, {args.runs} runs per model")  # fmt: skip
    header = (
        f"{'data set':<8} {'model':<40} {'threshold':>9} {'precision':>9} {'recall':>9} "
        f"{'F1':>9} {'pairs':>7} {'link s':>7} {'wall s':>7} {'peak MB':>8}"
    )
    print(header)
    everything: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for dataset in args.dataset:
        runs = {model: [_run_child(dataset, model) for _ in range(args.runs)]
                for model in ("ours", "splink")}  # fmt: skip
        everything[dataset] = runs
        rows = [
            ("ImmigrationOS, best threshold", runs["ours"], ()),
            ("ImmigrationOS, fixed threshold", runs["ours"], ("at_fixed_threshold",)),
            ("ImmigrationOS, every rule, fixed threshold", runs["ours"], ("strict",)),
            ("splink standard, best threshold", runs["splink"], ()),
            ("splink standard, fixed threshold", runs["splink"], ("at_fixed_threshold",)),
        ]
        for label, model_runs, path in rows:
            print(
                f"{dataset:<8} {label:<40} {_median(model_runs, *path, 'threshold'):>9g} "
                f"{_median(model_runs, *path, 'pairwise_precision'):>9.4f} "
                f"{_median(model_runs, *path, 'pairwise_recall'):>9.4f} "
                f"{_median(model_runs, *path, 'pairwise_f1'):>9.4f} "
                f"{_median(model_runs, 'candidate_pairs'):>7,.0f} "
                f"{_median(model_runs, 'seconds'):>7.1f} "
                f"{_median(model_runs, 'wall_seconds'):>7.1f} "
                f"{_median(model_runs, 'peak_mb'):>8,.0f}"
            )
    print(json.dumps(everything, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
