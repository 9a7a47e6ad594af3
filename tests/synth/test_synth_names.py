"""Name folding, transcription and one-edit typos."""

from __future__ import annotations

import random

import pytest
from rapidfuzz.distance import OSA

from immigrationos.synth import names
from immigrationos.synth.defects import _mistype_digit, _one_edit


@pytest.mark.parametrize(
    ("written", "folded", "transcribed"),
    [
        ("Jörg Strauß", "Jorg Strauss", "Joerg Strauss"),
        ("Søren Løvland", "Soren Lovland", "Soeren Loevland"),
        ("Paweł Michałowski", "Pawel Michalowski", "Pawel Michalowski"),
        ("Jiří Dvořák", "Jiri Dvorak", "Jiri Dvorak"),
        ("Åsa Åberg", "Asa Aberg", "Aasa Aaberg"),
        ("Nguyễn Văn Anh", "Nguyen Van Anh", "Nguyen Van Anh"),
        ("Echeverría", "Echeverria", "Echeverria"),
    ],
)
def test_fold_and_transcribe(written: str, folded: str, transcribed: str) -> None:
    assert names.fold(written) == folded
    assert names.transcribe(written) == transcribed
    assert names.fold(written).isascii()


@pytest.mark.parametrize("seed", range(40))
def test_one_edit_is_one_edit(seed: int) -> None:
    rng = random.Random(seed)
    name = rng.choice(("Echeverría", "Mohammed", "Zhang", "Anna", "Strauß"))

    typo = _one_edit(name, rng)

    # Optimal string alignment counts an adjacent transposition as one edit.
    assert OSA.distance(name, typo) == 1, (name, typo)


@pytest.mark.parametrize("seed", range(10))
def test_mistype_digit_changes_one_digit(seed: int) -> None:
    number = "276445521"

    typo = _mistype_digit(number, random.Random(seed))

    assert len(typo) == len(number)
    assert sum(1 for a, b in zip(number, typo, strict=True) if a != b) == 1


def test_every_nationality_has_locale() -> None:
    from immigrationos.synth.identity import NATIONALITIES

    drawn = {code for table in NATIONALITIES.values() for code, _ in table}
    assert drawn <= set(names.NATIONALITY_LOCALE)
    assert set(names.NATIONALITY_LOCALE.values()) <= set(names.LOCALES)


def test_transliterations_name_table_entries() -> None:
    given_and_surnames = {
        name
        for locale in names.LOCALES.values()
        for name in (*locale.male, *locale.female, *locale.surnames)
    }
    unused = sorted(set(names.TRANSLITERATIONS) - given_and_surnames)
    assert unused == []
