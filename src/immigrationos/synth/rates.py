"""Defect rates per profile.

Each rate is the probability that one opportunity for the defect gets it. An opportunity is
a record for the name, DOB and document defects, and only a record whose name has
diacritics for ``diacritics_folded`` and ``diacritics_transcribed``. It is a person for
``renewed_passport``, a person with a departure or extension approval in the last 90 days
for ``late_record``, and a land departure for ``unrecorded_land_exit``. The generator counts
opportunities and injected defects per kind, so the summary shows the realised rate beside
the configured one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from immigrationos.synth.errors import InvalidArgumentError


@dataclass(frozen=True)
class DefectRates:
    """Probability of each defect kind per opportunity, and the timestamp format mix."""

    name_typo: float = 0.03
    transliteration_variant: float = 0.15
    name_swap: float = 0.02
    partial_compound_surname: float = 0.30
    name_split_wrong_token: float = 0.03
    dob_day_month_swap: float = 0.02
    missing_field: float = 0.03
    renewed_passport: float = 0.04
    passport_typo: float = 0.01
    a_number_typo: float = 0.01
    # Land exits are rarely recorded at all, so the base rate is high even in the default
    # profile: most people who leave by land leave no departure record.
    unrecorded_land_exit: float = 0.85
    late_record: float = 0.02
    # Arrivals and departures are read from passports, which print names without diacritics,
    # so folding is common there rather than a rare error.
    diacritics_folded: float = 0.50
    diacritics_transcribed: float = 0.20
    upper_case_name: float = 0.30
    # Changing sex contradicts other records, which linkage may treat as a veto, so it is
    # kept rare and is zero unless a profile sets it.
    sex_changed: float = 0.0
    # Not a defect: the share of timestamps written in local port time without an offset.
    timestamp_without_offset: float = 0.15

    def as_dict(self) -> dict[str, float]:
        """Return the rates by kind, in field order."""
        return asdict(self)

    @property
    def defect_kinds(self) -> tuple[str, ...]:
        """Return the defect kinds, without the timestamp format share."""
        return tuple(name for name in self.as_dict() if name != "timestamp_without_offset")


_DEFAULT = DefectRates()

PROFILES: dict[str, DefectRates] = {
    "default": _DEFAULT,
    "hard": replace(
        _DEFAULT,
        name_typo=0.08,
        transliteration_variant=0.35,
        name_swap=0.05,
        partial_compound_surname=0.60,
        name_split_wrong_token=0.08,
        dob_day_month_swap=0.05,
        missing_field=0.08,
        renewed_passport=0.10,
        passport_typo=0.03,
        a_number_typo=0.03,
        unrecorded_land_exit=0.97,
        late_record=0.05,
        diacritics_folded=0.70,
        diacritics_transcribed=0.25,
        upper_case_name=0.60,
        sex_changed=0.002,
        timestamp_without_offset=0.30,
    ),
    "clean": DefectRates(
        **dict.fromkeys(_DEFAULT.defect_kinds, 0.0),
        timestamp_without_offset=_DEFAULT.timestamp_without_offset,
    ),
}


def profile_rates(*, profile: str) -> DefectRates:
    """Return the defect rates of ``profile``; raise InvalidArgumentError if it is unknown."""
    try:
        return PROFILES[profile]
    except KeyError:
        raise InvalidArgumentError(
            f"unknown profile {profile!r}: expected one of {', '.join(sorted(PROFILES))}"
        ) from None
