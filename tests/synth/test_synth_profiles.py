"""Defect-rate profiles: the hard profile raises every defect kind."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from immigrationos.progress import NullProgress
from immigrationos.synth.generator import generate
from immigrationos.synth.rates import PROFILES, profile_rates


@pytest.mark.parametrize("kind", [*PROFILES["default"].as_dict()])
def test_hard_profile_raises_rate(kind: str) -> None:
    default, hard = profile_rates(profile="default"), profile_rates(profile="hard")

    assert getattr(hard, kind) > getattr(default, kind)
    assert getattr(hard, kind) <= 1.0


def test_clean_profile_has_no_defects() -> None:
    clean = profile_rates(profile="clean")

    assert all(getattr(clean, kind) == 0.0 for kind in clean.defect_kinds)


def test_hard_population_injects_more(tmp_path: Path) -> None:
    injected = {}
    for profile in ("default", "hard"):
        summary = generate(
            persons=600,
            seed=3,
            out_dir=tmp_path / profile,
            profile=profile,
            as_of=date(2026, 12, 4),
            progress=NullProgress(),
        )
        injected[profile] = summary.defects_injected

    # Kinds with enough opportunities among 600 persons to show the higher rate.
    for kind in ("name_typo", "transliteration_variant", "name_swap", "missing_field",
                 "dob_day_month_swap", "passport_typo", "upper_case_name"):  # fmt: skip
        assert injected["hard"].get(kind, 0) > injected["default"].get(kind, 0), kind
