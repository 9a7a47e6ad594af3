"""Measure the batch pipeline: time and peak memory per stage, for one or more population sizes.

    python bench/pipeline.py --persons 20000 100000

Each size runs in its own process with its own data folder, so figures do not mix. Peak memory
per stage is the process's peak resident set size (VmHWM) during that stage; the peak is reset
between stages through /proc/self/clear_refs (Linux). The last line printed is one JSON object
with every figure.
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
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

AS_OF = date(2026, 12, 4)


def _peak_rss_mb() -> float:
    with Path("/proc/self/status").open() as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak_rss() -> None:
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


class _Handle:
    def advance(self, n: int = 1) -> None:
        pass

    def set_total(self, total: int) -> None:
        pass


@dataclass
class MeasuringProgress:
    """Record each stage's wall time and peak resident memory."""

    timings: dict[str, float] = field(default_factory=dict)
    peak_mb: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[_Handle]:
        _reset_peak_rss()
        started = time.perf_counter()
        try:
            yield _Handle()
        finally:
            self.timings[name] = time.perf_counter() - started
            self.peak_mb[name] = _peak_rss_mb()


def measure_one(persons: int, seed: int, workdir: Path) -> dict[str, object]:
    """Generate ``persons`` persons, run the pipeline and return figures for each stage."""
    os.environ["IMMIGRATIONOS_HOME"] = str(workdir / "home")
    os.environ.pop("DATABASE_URL", None)
    from immigrationos.pipeline import run_pipeline
    from immigrationos.synth.generator import generate

    progress = MeasuringProgress()
    generate(
        persons=persons,
        seed=seed,
        out_dir=workdir / "synth",
        profile="default",
        as_of=AS_OF,
        progress=progress,
    )
    result = run_pipeline(
        extracts_dir=workdir / "synth" / "extracts", as_of=AS_OF, progress=progress
    )
    if not result.ok:
        raise SystemExit(f"pipeline failed for {persons} persons: {result.error}")
    return {
        "persons": persons,
        "synth_seconds": round(progress.timings["synth"], 2),
        "stage_seconds": {name: round(value, 2) for name, value in result.stages.items()},
        "pipeline_seconds": round(sum(result.stages.values()), 1),
        "step_seconds": {
            name: round(value, 2) for name, value in progress.timings.items() if name != "synth"
        },
        "step_peak_mb": {
            name: round(value) for name, value in progress.peak_mb.items() if name != "synth"
        },
        "peak_mb": round(max(progress.peak_mb.values())),
        "counts": result.counts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one:
        figures = measure_one(args.persons[0], args.seed, Path(args.workdir))
        print(json.dumps(figures))
        return

    results = []
    for persons in args.persons:
        with tempfile.TemporaryDirectory(prefix=f"bench-pipeline-{persons}-") as workdir:
            command = [
                sys.executable,
                __file__,
                "--one",
                "--persons",
                str(persons),
                "--seed",
                str(args.seed),
                "--workdir",
                workdir,
            ]
            output = subprocess.run(command, check=True, capture_output=True, text=True)
            figures = json.loads(output.stdout.strip().splitlines()[-1])
        results.append(figures)
        print(
            f"{persons:>9,} persons: pipeline {figures['pipeline_seconds']:.1f} s, "
            f"peak {figures['peak_mb']:,} MB (synth {figures['synth_seconds']:.1f} s)"
        )
        for stage, seconds in figures["stage_seconds"].items():
            print(f"    {stage:<12} {seconds:8.1f} s")
        for step, seconds in figures["step_seconds"].items():
            peak = figures["step_peak_mb"][step]
            print(f"      step {step:<14} {seconds:8.1f} s  peak {peak:6,} MB")
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    print(json.dumps({"machine": machine, "results": results}))


if __name__ == "__main__":
    main()
