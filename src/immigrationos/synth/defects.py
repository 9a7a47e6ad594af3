"""Write a person's identity onto one source record, injecting defects at their rates."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import date

from immigrationos.synth import names
from immigrationos.synth.identity import DefectCounter, Person
from immigrationos.synth.rates import DefectRates

# Sources that carry each identity column, as in the source contracts.
PASSPORT_SOURCES = frozenset({"visas", "arrivals", "departures", "students", "benefits"})
# Arrivals also have an a_number column, but the generator leaves it empty: an I-94 is
# issued before most travellers get an A-number.
A_NUMBER_SOURCES = frozenset({"benefits", "court", "enforcement"})
# Court and conviction systems often keep only the first (paternal) of two surnames.
PATERNAL_ONLY_SOURCES = frozenset({"court", "criminal"})
# Passport-zone sources: arrivals and departures come from machine-read travel documents.
MRZ_SOURCES = frozenset({"arrivals", "departures"})
# Optional identity columns that a "missing field" defect may blank, per source.
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "visas": ("sex", "nationality", "country_of_birth", "passport_country"),
    "arrivals": ("sex", "nationality", "passport_country"),
    "departures": ("sex", "nationality", "dob", "passport_no"),
    "students": ("sex", "nationality", "passport_no"),
    "benefits": ("sex", "nationality", "country_of_birth", "passport_no", "a_number"),
    "court": ("sex", "nationality", "dob"),
    "criminal": ("sex", "nationality"),
    "enforcement": ("sex", "nationality", "dob", "fbi_number"),
}


@dataclass
class IdentityWriter:
    """Render identity columns for records, sharing one defect counter across persons."""

    rates: DefectRates
    counter: DefectCounter

    def roll(self, person: Person, kind: str, rng: random.Random) -> bool:
        hit = self.counter.roll(kind=kind, rate=getattr(self.rates, kind), rng=rng)
        if hit:
            person.defects.add(kind)
        return hit

    def columns(
        self,
        *,
        person: Person,
        source: str,
        on: date,
        rng: random.Random,
        a_number: bool = True,
        fbi_number: bool = False,
        passport: tuple[str, str] | None = None,
    ) -> dict[str, object]:
        """Return the identity columns of one ``source`` record dated ``on``.

        ``passport`` overrides the person's primary passport (number, country), for
        records made with a second passport.
        """
        given, family = self._names(person=person, source=source, rng=rng)
        row: dict[str, object] = {
            "given_name": given,
            "family_name": family,
            "dob": self._dob(person=person, on=on, rng=rng),
            "sex": person.sex,
            "nationality": person.nationality,
            "country_of_birth": person.country_of_birth,
        }
        if self.roll(person, "sex_changed", rng):
            row["sex"] = "F" if person.sex == "M" else "M"

        if source in PASSPORT_SOURCES:
            number, country = passport or (person.passport_no, person.nationality)
            if passport is None and person.renewed_on is not None and on >= person.renewed_on:
                number = person.renewed_passport_no
                # The renewal affects the person only once a record shows the new number.
                person.defects.add("renewed_passport")
            if self.roll(person, "passport_typo", rng):
                number = _mistype_digit(number, rng)
            row["passport_no"] = number
            row["passport_country"] = country
        if a_number and source in A_NUMBER_SOURCES and person.a_number:
            number = person.a_number
            if self.roll(person, "a_number_typo", rng):
                number = _mistype_digit(number, rng)
            row["a_number"] = f"A{number}" if source == "court" else number
        if fbi_number:
            row["fbi_number"] = person.fbi_number

        if self.roll(person, "missing_field", rng):
            candidates = [name for name in OPTIONAL_COLUMNS[source] if row.get(name)]
            if candidates:
                row[rng.choice(candidates)] = None
        return row

    def _names(self, *, person: Person, source: str, rng: random.Random) -> tuple[str, str]:
        given, family = person.given, person.family
        if (
            given in names.TRANSLITERATIONS or person.paternal in names.TRANSLITERATIONS
        ) and self.roll(person, "transliteration_variant", rng):
            if given in names.TRANSLITERATIONS:
                given = rng.choice(names.TRANSLITERATIONS[given])
            if person.paternal in names.TRANSLITERATIONS:
                variant = rng.choice(names.TRANSLITERATIONS[person.paternal])
                family = f"{variant} {person.maternal}".strip()
        if person.maternal:
            if source in PATERNAL_ONLY_SOURCES and self.roll(
                person, "partial_compound_surname", rng
            ):
                family = family.rsplit(" ", 1)[0]
            elif self.roll(person, "name_split_wrong_token", rng):
                paternal, _, maternal = family.rpartition(" ")
                given, family = f"{given} {paternal}", maternal
        if self.roll(person, "name_swap", rng):
            given, family = family, given
        if self.roll(person, "name_typo", rng):
            if rng.random() < 0.5:
                given = _one_edit(given, rng)
            else:
                family = _one_edit(family, rng)

        if source in MRZ_SOURCES:
            if names.has_diacritics(given + family):
                if self.roll(person, "diacritics_folded", rng):
                    given, family = names.fold(given), names.fold(family)
                elif self.roll(person, "diacritics_transcribed", rng):
                    given, family = names.transcribe(given), names.transcribe(family)
            if self.roll(person, "upper_case_name", rng):
                given, family = given.upper(), family.upper()
        return given, family

    def _dob(self, *, person: Person, on: date, rng: random.Random) -> date:
        dob = person.dob
        if dob.day > 12 or dob.day == dob.month:
            return dob
        swapped = dob.replace(month=dob.day, day=dob.month)
        # A swap that puts birth after the record's own date is a contradiction that ingest
        # rejects, not a plausible clerical error, so such records get no swap.
        if swapped > on:
            return dob
        if self.roll(person, "dob_day_month_swap", rng):
            return swapped
        return dob


def _one_edit(text: str, rng: random.Random) -> str:
    """Apply one substitution, deletion, insertion or adjacent transposition to ``text``."""
    letters = [position for position, char in enumerate(text) if char.isalpha()]
    if len(letters) < 3:
        return text + rng.choice(string.ascii_lowercase)
    position = rng.choice(letters[1:])
    kind = rng.randrange(4)
    if kind == 0:
        replacement = rng.choice(string.ascii_lowercase)
        if replacement == text[position].lower():
            replacement = "x" if replacement != "x" else "q"
        if text[position].isupper():
            replacement = replacement.upper()
        return text[:position] + replacement + text[position + 1 :]
    if kind == 1:
        return text[:position] + text[position + 1 :]
    if kind == 2:
        return text[:position] + rng.choice(string.ascii_lowercase) + text[position:]
    if text[position - 1] == text[position]:
        return text[:position] + text[position + 1 :]
    return text[: position - 1] + text[position] + text[position - 1] + text[position + 1 :]


def _mistype_digit(number: str, rng: random.Random) -> str:
    """Replace one digit of ``number`` with a different digit."""
    digits = [position for position, char in enumerate(number) if char.isdigit()]
    position = rng.choice(digits)
    replacement = rng.choice([d for d in string.digits if d != number[position]])
    return number[:position] + replacement + number[position + 1 :]
