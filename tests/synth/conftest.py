from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from immigrationos.progress import NullProgress
from immigrationos.synth.generator import SynthSummary, generate

AS_OF = date(2026, 12, 4)
Generate = Callable[..., tuple[Path, SynthSummary]]


@pytest.fixture(scope="session")
def population(tmp_path_factory: pytest.TempPathFactory) -> Generate:
    """Generate a population once per argument set and return (folder, summary)."""
    cache: dict[tuple[int, int, str], tuple[Path, SynthSummary]] = {}

    def make(*, persons: int, seed: int = 7, profile: str = "default") -> tuple[Path, SynthSummary]:
        key = (persons, seed, profile)
        if key not in cache:
            out = tmp_path_factory.mktemp(f"synth-{persons}-{seed}-{profile}")
            summary = generate(
                persons=persons,
                seed=seed,
                out_dir=out,
                profile=profile,
                as_of=AS_OF,
                progress=NullProgress(),
            )
            cache[key] = (out, summary)
        return cache[key]

    return make
