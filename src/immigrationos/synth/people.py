"""Draw one planned person: identity, lifecycle records, true status and priority."""

from __future__ import annotations

import random
from datetime import date, timedelta

from immigrationos.synth import calibration, names
from immigrationos.synth.defects import IdentityWriter
from immigrationos.synth.identity import (
    NATIONALITIES,
    IdentityTemplate,
    Person,
    draw_name,
    passport_number,
    person_draw,
    random_date,
    weighted_choice,
)
from immigrationos.synth.lifecycles import (
    LIFECYCLES,
    PROTECTED_CONVICTION_RATE,
    Conviction,
    Life,
    Truth,
    convictions,
)
from immigrationos.synth.population import PlannedPerson
from immigrationos.synth.records import PersonRecords, Record
from immigrationos.synth.relatives import RelativePool

NATIONALITY_POOL = {
    "visitor_visa_waiver": "visa_waiver",
    "visitor_other": "other",
    "visitor_mexico": "mexico",
    "visitor_canada": "canada",
    "pending_extension": "other",
    "student": "students",
    "worker": "workers",
    "entrant_without_inspection": "unauthorised",
    "asylum": "asylum",
    "tps": "tps",
    "daca": "daca",
    "permanent_resident": "any",
    "citizen": "any",
    "convicted": "unauthorised",
    "removal": "other",
}
# Birth years per lifecycle, chosen so that each lifecycle's first record falls at a
# plausible age (students at 15 or older, convictions and encounters at 16 or older). DACA
# requires birth after 1981-06-15 and residence since 2007-06-15 (DHS memorandum of
# 2012-06-15), so its range is 1982 to 2006.
BIRTH_YEARS = {
    "student": (1990, 2003),
    "worker": (1972, 2000),
    "daca": (1982, 2006),
    "visitor_visa_waiver": (1945, 2006),
    "entrant_without_inspection": (1960, 2000),
    "convicted": (1960, 1998),
    "removal": (1960, 2000),
    "permanent_resident": (1950, 1990),
    "citizen": (1950, 1984),
}
DEFAULT_BIRTH_YEARS = (1955, 2002)
# Household children are born before their household's trip, which starts in 2021 or later.
CHILD_BIRTH_YEARS = (2008, 2020)

# Order of precedence: the first that applies names the person's priority category.
PRIORITY_CATEGORIES = (
    "national_security",
    "violent_felony",
    "tco",
    "felony",
    "final_order",
    "overstay",
    "none",
)
STATUS_PROTECTION = {
    "citizen": "citizen",
    "lawful_permanent_resident": "lawful_permanent_resident",
    "pending_application": "pending_application",
}
OUT_OF_COUNTRY = frozenset({"departed", "removed", "self_departed"})

PERSON_COLUMNS = (
    "person_id",
    "true_status",
    "status_since",
    "priority_category",
    "protected",
    "protection",
    "lifecycle",
    "defects",
    "overstay_group",
    "overstay_fy",
    "overstay_outcome",
    "household_id",
    "twin_group",
    "given_name",
    "family_name",
    "dob",
    "sex",
    "nationality",
)


def _years(years: tuple[int, int]) -> tuple[date, date]:
    return date(years[0], 1, 1), date(years[1], 12, 31)


def _template(
    *, planned: PlannedPerson, seed: int, rng: random.Random
) -> tuple[IdentityTemplate, random.Random]:
    """Return the identity parts a household or twin pair shares, and the shared stream."""
    pool = NATIONALITY_POOL[planned.lifecycle]
    if planned.household_head is not None:
        shared = random.Random(f"{seed}:household:{planned.household_head}")
        nationality = weighted_choice(shared, NATIONALITIES[pool])
        _, paternal, maternal = draw_name(
            shared, locale_code=names.NATIONALITY_LOCALE[nationality], sex="M"
        )
        # The head and the partner are of opposite sexes; children are drawn freely.
        head_sex = shared.choice(("F", "M"))
        position = planned.household_position
        if position == 0:
            sex = head_sex
        elif position == 1:
            sex = "M" if head_sex == "F" else "F"
        else:
            sex = rng.choice(("F", "M"))
        dob = random_date(rng, *_years(CHILD_BIRTH_YEARS)) if position >= 2 else None
        template = IdentityTemplate(
            nationality=nationality, paternal=paternal, maternal=maternal, dob=dob, sex=sex
        )
        return template, shared
    if planned.twin_group is not None:
        shared = random.Random(f"{seed}:twins:{planned.twin_group}")
        nationality = weighted_choice(shared, NATIONALITIES[pool])
        _, paternal, maternal = draw_name(
            shared, locale_code=names.NATIONALITY_LOCALE[nationality], sex="M"
        )
        years = BIRTH_YEARS.get(planned.lifecycle, DEFAULT_BIRTH_YEARS)
        dob = random_date(shared, *_years(years))
        sexes = (shared.choice(("F", "M")), shared.choice(("F", "M")))
        locale = names.NATIONALITY_LOCALE[nationality]
        first_given = draw_name(shared, locale_code=locale, sex=sexes[0])[0]
        second_given = first_given
        # Twins never share a given name. Ten draws leave a repeat only in a tiny table.
        for _ in range(10):
            if second_given != first_given:
                break
            second_given = draw_name(shared, locale_code=locale, sex=sexes[1])[0]
        second = planned.index != planned.twin_group
        template = IdentityTemplate(
            nationality=nationality,
            paternal=paternal,
            maternal=maternal,
            dob=dob,
            sex=sexes[second],
            given=second_given if second else first_given,
        )
        return template, rng
    return IdentityTemplate(), rng


def _identity_draw(
    *, planned: PlannedPerson, seed: int, offsets: tuple[int, int, int], rng: random.Random
) -> tuple[Person, random.Random]:
    """Draw the person's true identity; return it with the household's shared stream."""
    template, shared = _template(planned=planned, seed=seed, rng=rng)
    years = BIRTH_YEARS.get(planned.lifecycle, DEFAULT_BIRTH_YEARS)
    person = person_draw(
        index=planned.index,
        rng=rng,
        nationality_pool=NATIONALITY_POOL[planned.lifecycle],
        dob_range=_years(years),
        template=template,
        offsets=offsets,
    )
    return person, shared


def person_identity(*, planned: PlannedPerson, seed: int, offsets: tuple[int, int, int]) -> Person:
    """Replay the true identity that ``person_build`` draws first, without drawing records."""
    rng = random.Random(f"{seed}:person:{planned.index}")
    return _identity_draw(planned=planned, seed=seed, offsets=offsets, rng=rng)[0]


def person_build(
    *,
    planned: PlannedPerson,
    seed: int,
    as_of: date,
    identity: IdentityWriter,
    offsets: tuple[int, int, int],
    relatives: RelativePool,
) -> tuple[Person, Truth, list[Record]]:
    """Draw one person from the person's own stream; return identity, truth and records."""
    rng = random.Random(f"{seed}:person:{planned.index}")
    person, shared = _identity_draw(planned=planned, seed=seed, offsets=offsets, rng=rng)
    renewed = identity.counter.roll(
        kind="renewed_passport", rate=identity.rates.renewed_passport, rng=rng
    )
    if renewed:
        person.renewed_passport_no = passport_number(
            index=planned.index, slot=2, country=person.nationality, offset=offsets[0]
        )
        person.renewed_on = random_date(
            rng, as_of - timedelta(days=6 * 365), as_of - timedelta(days=30)
        )

    out = PersonRecords(
        person=person,
        rng=rng,
        identity=identity,
        as_of=as_of,
        offset_free_share=identity.rates.timestamp_without_offset,
    )
    truth = Truth(lifecycle=planned.lifecycle)
    life = Life(
        person=person,
        plan=planned,
        rng=rng,
        out=out,
        as_of=as_of,
        truth=truth,
        shared_rng=shared,
        relatives=relatives,
        relation_rng=random.Random(f"{seed}:relation:{planned.index}"),
    )
    LIFECYCLES[planned.lifecycle](life)
    if planned.lifecycle in ("permanent_resident", "citizen") and (
        rng.random() < PROTECTED_CONVICTION_RATE
    ):
        convictions(life, count=1, start=as_of - timedelta(days=8 * 365))
    return person, truth, out.finish()


def priority_category(*, truth: Truth) -> str:
    """Return the truth's priority category; protected or absent persons get ``none``."""
    if _protection(truth) or truth.status in OUT_OF_COUNTRY:
        return "none"
    applies = {
        "national_security": any(
            item.category == "national_security" for item in truth.convictions
        ),
        "violent_felony": any(
            item.violent and item.severity == "felony" for item in truth.convictions
        ),
        "tco": any(item.tco for item in truth.convictions),
        "felony": any(item.severity == "felony" for item in truth.convictions),
        "final_order": truth.status == "final_order",
        "overstay": truth.status == "overstay",
    }
    for category in PRIORITY_CATEGORIES:
        if applies.get(category, False):
            return category
    return "none"


def _protection(truth: Truth) -> str:
    protection = truth.protection or STATUS_PROTECTION.get(truth.status, "")
    # A permanent resident convicted of an aggravated-felony-like offence is removable
    # (INA 237(a)(2)(A)(iii)), so the default policy does not protect them, and neither does
    # the truth. Citizens stay protected whatever their record.
    if protection == "lawful_permanent_resident" and any(
        _qualifying(item) for item in truth.convictions
    ):
        return ""
    return protection


def _qualifying(conviction: Conviction) -> bool:
    if conviction.category == "national_security":
        return True
    if conviction.severity != "felony":
        return False
    return conviction.violent or conviction.category == "drug_trafficking"


def person_row(*, person: Person, planned: PlannedPerson, truth: Truth) -> list[str]:
    """Return the person's line of truth/persons.csv in ``PERSON_COLUMNS`` order."""
    protection = _protection(truth)
    household = "" if planned.household_head is None else f"H{planned.household_head + 1:07d}"
    twins = "" if planned.twin_group is None else f"T{planned.twin_group + 1:07d}"
    return [
        person.person_id,
        truth.status,
        "" if truth.since is None else truth.since.isoformat(),
        priority_category(truth=truth),
        "true" if protection else "false",
        protection,
        truth.lifecycle,
        ";".join(sorted(person.defects)),
        truth.cohort_group,
        calibration.FY_LABEL if truth.cohort_group else "",
        truth.cohort_outcome,
        household,
        twins,
        person.given,
        person.family,
        person.dob.isoformat(),
        person.sex,
        person.nationality,
    ]
