"""Domain settings of the cases app, read from the environment each time they are used."""

from __future__ import annotations

import os

from immigrationos.cases.errors import ConfigurationError

CASE_OPEN_MAX_TIER_DEFAULT = 3


def case_open_max_tier() -> int:
    """Return the highest tier number that opens a case (tier 1 is the highest priority).

    Raises ConfigurationError when IMMIGRATIONOS_CASE_OPEN_MAX_TIER is not a positive integer.
    """
    raw = os.environ.get("IMMIGRATIONOS_CASE_OPEN_MAX_TIER")
    if raw is None or raw.strip() == "":
        return CASE_OPEN_MAX_TIER_DEFAULT
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigurationError(
            f"invalid IMMIGRATIONOS_CASE_OPEN_MAX_TIER {raw!r}: expected a positive integer "
            f"such as {CASE_OPEN_MAX_TIER_DEFAULT}; unset it to use the default"
        ) from exc
    if value < 1:
        raise ConfigurationError(
            f"invalid IMMIGRATIONOS_CASE_OPEN_MAX_TIER {raw!r}: expected a positive integer "
            f"such as {CASE_OPEN_MAX_TIER_DEFAULT}"
        )
    return value
