"""Draw a person's identity and write it onto records, with defects at configured rates."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from immigrationos.synth import names

# Nationalities drawn per lifecycle, each with a relative weight.
NATIONALITIES: dict[str, tuple[tuple[str, int], ...]] = {
    "visa_waiver": (
        ("DEU", 5),
        ("FRA", 5),
        ("GBR", 8),
        ("ESP", 4),
        ("PRT", 2),
        ("NOR", 2),
        ("DNK", 1),
        ("POL", 3),
        ("CZE", 2),
        ("AUT", 1),
        ("TWN", 2),
        ("AUS", 3),
        ("IRL", 2),
    ),
    "other": (
        ("BRA", 6),
        ("IND", 6),
        ("CHN", 6),
        ("COL", 4),
        ("PHL", 4),
        ("VNM", 3),
        ("EGY", 2),
        ("MAR", 2),
        ("JOR", 1),
        ("PAK", 3),
        ("RUS", 2),
        ("UKR", 2),
        ("HTI", 1),
        ("VEN", 2),
    ),
    "mexico": (("MEX", 1),),
    "canada": (("CAN", 1),),
    "students": (
        ("CHN", 8),
        ("IND", 8),
        ("VNM", 3),
        ("BRA", 2),
        ("DEU", 2),
        ("FRA", 2),
        ("COL", 1),
        ("EGY", 1),
        ("PAK", 1),
        ("UKR", 1),
        ("PHL", 1),
    ),
    "workers": (
        ("IND", 10),
        ("CHN", 4),
        ("PHL", 2),
        ("BRA", 1),
        ("GBR", 1),
        ("FRA", 1),
        ("MEX", 1),
        ("RUS", 1),
    ),
    "unauthorised": (
        ("MEX", 10),
        ("GTM", 6),
        ("HND", 5),
        ("SLV", 4),
        ("VEN", 3),
        ("HTI", 2),
        ("COL", 2),
        ("CHN", 1),
        ("IND", 1),
        ("BRA", 1),
    ),
    "asylum": (
        ("VEN", 4),
        ("HTI", 3),
        ("RUS", 2),
        ("UKR", 2),
        ("CHN", 2),
        ("EGY", 1),
        ("SYR", 2),
        ("HND", 2),
        ("GTM", 2),
        ("COL", 1),
    ),
    "tps": (("HTI", 4), ("SLV", 4), ("HND", 2), ("VEN", 4), ("UKR", 2)),
    "daca": (("MEX", 8), ("GTM", 1), ("HND", 1), ("SLV", 1), ("PHL", 1)),
    "any": (
        ("MEX", 8),
        ("IND", 5),
        ("CHN", 5),
        ("PHL", 4),
        ("VNM", 3),
        ("BRA", 2),
        ("COL", 2),
        ("HTI", 2),
        ("SLV", 2),
        ("EGY", 1),
        ("PAK", 2),
        ("RUS", 1),
        ("UKR", 1),
        ("DEU", 1),
        ("GBR", 1),
        ("CAN", 1),
        ("POL", 1),
        ("FRA", 1),
    ),
}
COMMON_NAME_RATE = 0.03
SECOND_PASSPORT_RATE = 0.03
# Passport numbers have seven digits and four slots per person (primary, second, renewed).
MAX_PERSONS = 10**7 // 4
SECOND_NATIONALITY = ("ESP", "PRT", "DEU", "GBR", "CAN", "FRA", "IRL", "POL")


@dataclass
class Person:
    """The true identity of one synthetic person and the defects that touched it."""

    index: int
    person_id: str
    locale: str
    sex: str
    given: str
    family: str
    paternal: str
    maternal: str
    dob: date
    nationality: str
    country_of_birth: str
    passport_no: str
    second_passport: tuple[str, str] | None = None
    renewed_passport_no: str = ""
    renewed_on: date | None = None
    a_number: str = ""
    fbi_number: str = ""
    defects: set[str] = field(default_factory=set)


@dataclass
class DefectCounter:
    """Opportunities and injected defects per kind, summed over the population."""

    opportunities: dict[str, int] = field(default_factory=dict)
    injected: dict[str, int] = field(default_factory=dict)

    def roll(self, *, kind: str, rate: float, rng: random.Random) -> bool:
        """Count one opportunity for ``kind`` and return whether the defect is injected."""
        self.opportunities[kind] = self.opportunities.get(kind, 0) + 1
        # Draw even at rate 0 so that opportunities are counted the same way in every profile.
        hit = rng.random() < rate
        if hit:
            self.injected[kind] = self.injected.get(kind, 0) + 1
        return hit


def weighted_choice(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    """Draw one key of ``table`` with probability proportional to its weight."""
    total = sum(weight for _, weight in table)
    point = rng.randrange(total)
    for key, weight in table:
        point -= weight
        if point < 0:
            return key
    return table[-1][0]


def random_date(rng: random.Random, start: date, end: date) -> date:
    """Draw a date uniformly between ``start`` and ``end`` inclusive."""
    return start + timedelta(days=rng.randrange(max((end - start).days, 0) + 1))


def draw_name(rng: random.Random, *, locale_code: str, sex: str) -> tuple[str, str, str]:
    """Return (given, paternal surname, maternal surname or "") for ``locale_code``."""
    locale = names.LOCALES[locale_code]
    pool = locale.male if sex == "M" else locale.female
    given = rng.choice(pool)
    if rng.random() < locale.double_given_share:
        second = rng.choice(pool)
        if second != given:
            given = f"{given} {second}"
    paternal = rng.choice(locale.surnames)
    maternal = ""
    if locale.compound_surname:
        maternal = rng.choice([name for name in locale.surnames if name != paternal])
    return given, paternal, maternal


def _unique_number(slot: int, *, offset: int, modulus: int, multiplier: int) -> int:
    # (slot * multiplier + offset) mod modulus is a bijection because multiplier and modulus
    # are coprime, so distinct slots below modulus give distinct numbers.
    return (slot * multiplier + offset) % modulus


def passport_number(*, index: int, slot: int, country: str, offset: int) -> str:
    """Return a unique passport number: two letters then seven digits.

    Numbers are unique while ``index`` is below ``MAX_PERSONS``.
    """
    number = _unique_number(index * 4 + slot, offset=offset, modulus=10**7, multiplier=7654321)
    return f"{country[0]}{chr(65 + (index + slot) % 26)}{number:07d}"


def a_number(*, index: int, offset: int) -> str:
    """Return a unique nine-digit A-number starting with 2."""
    return f"2{_unique_number(index, offset=offset, modulus=10**8, multiplier=48271):08d}"


def fbi_number(*, index: int, offset: int) -> str:
    """Return a unique FBI-like number: seven digits, two letters."""
    number = _unique_number(index, offset=offset, modulus=10**7, multiplier=1234577)
    return f"{number:07d}{chr(65 + index % 26)}{chr(65 + (index // 26) % 26)}"


@dataclass(frozen=True)
class IdentityTemplate:
    """Parts of an identity fixed before the person is drawn (household or twin)."""

    nationality: str = ""
    paternal: str = ""
    maternal: str = ""
    dob: date | None = None
    sex: str = ""
    given: str = ""


def person_draw(
    *,
    index: int,
    rng: random.Random,
    nationality_pool: str,
    dob_range: tuple[date, date],
    template: IdentityTemplate,
    offsets: tuple[int, int, int],
) -> Person:
    """Draw one person's true identity; ``template`` fields override the draws."""
    nationality = template.nationality or weighted_choice(rng, NATIONALITIES[nationality_pool])
    locale_code = names.NATIONALITY_LOCALE[nationality]
    sex = template.sex or rng.choice(("F", "M"))
    given, paternal, maternal = draw_name(rng, locale_code=locale_code, sex=sex)
    if template.paternal:
        paternal, maternal = template.paternal, template.maternal
        given = template.given or given
    elif rng.random() < COMMON_NAME_RATE and nationality in names.COMMON_NAMES:
        sex, given, family = rng.choice(names.COMMON_NAMES[nationality])
        paternal, _, maternal = family.partition(" ")
    dob = template.dob or random_date(rng, *dob_range)

    passport_offset, a_offset, fbi_offset = offsets
    person = Person(
        index=index,
        person_id=f"P{index + 1:07d}",
        locale=locale_code,
        sex=sex,
        given=given,
        family=f"{paternal} {maternal}".strip(),
        paternal=paternal,
        maternal=maternal,
        dob=dob,
        nationality=nationality,
        country_of_birth=nationality,
        passport_no=passport_number(
            index=index, slot=0, country=nationality, offset=passport_offset
        ),
        a_number=a_number(index=index, offset=a_offset),
        fbi_number=fbi_number(index=index, offset=fbi_offset),
    )

    if rng.random() < SECOND_PASSPORT_RATE:
        second = rng.choice([code for code in SECOND_NATIONALITY if code != nationality])
        number = passport_number(index=index, slot=1, country=second, offset=passport_offset)
        person.second_passport = (number, second)
    return person
