"""Domain settings of the cases app, read from the environment each time they are used."""

from __future__ import annotations

import os
import shlex

from immigrationos.cases.errors import ConfigurationError
from immigrationos.workflow.due import DUE_WORKING_DAYS_DEFAULT
from immigrationos.workflow.transitions import OPEN_STATES

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


DUE_WORKING_DAYS_ENV = "IMMIGRATIONOS_CASE_DUE_WORKING_DAYS"


def case_due_working_days() -> dict[str, int]:
    """Return the working days each case state may last, defaults overridden per state.

    IMMIGRATIONOS_CASE_DUE_WORKING_DAYS contains ``state=days`` pairs separated by commas, for
    example ``vetting=10,assigned=15``; ``state=none`` removes that state's due date. Raises
    ConfigurationError naming the pair that is not valid.
    """
    days = dict(DUE_WORKING_DAYS_DEFAULT)
    raw = os.environ.get(DUE_WORKING_DAYS_ENV, "")
    for pair in (part.strip() for part in raw.split(",")):
        if not pair:
            continue
        state, _, value = (piece.strip() for piece in pair.partition("="))
        if state not in OPEN_STATES:
            raise ConfigurationError(
                f"invalid {DUE_WORKING_DAYS_ENV} pair {pair!r}: unknown state {state!r}; "
                f"use one of {', '.join(OPEN_STATES)}"
            )
        if value.lower() == "none":
            days.pop(state, None)
            continue
        if not value.isdigit() or int(value) < 1:
            raise ConfigurationError(
                f"invalid {DUE_WORKING_DAYS_ENV} pair {pair!r}: expected a positive number of "
                f"working days such as {state}=10, or {state}=none"
            )
        days[state] = int(value)
    return days


ATTACHMENT_MAX_BYTES_ENV = "IMMIGRATIONOS_ATTACHMENT_MAX_BYTES"
ATTACHMENT_MAX_BYTES_DEFAULT = 10 * 1024 * 1024
ATTACHMENT_SCAN_COMMAND_ENV = "IMMIGRATIONOS_ATTACHMENT_SCAN_COMMAND"


def attachment_max_bytes() -> int:
    """Return the largest case attachment accepted, in bytes (default 10 MiB).

    Raises ConfigurationError when IMMIGRATIONOS_ATTACHMENT_MAX_BYTES is not a positive
    integer.
    """
    raw = os.environ.get(ATTACHMENT_MAX_BYTES_ENV, "").strip()
    if not raw:
        return ATTACHMENT_MAX_BYTES_DEFAULT
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigurationError(
            f"invalid {ATTACHMENT_MAX_BYTES_ENV} {raw!r}: expected a positive number of bytes "
            f"such as {ATTACHMENT_MAX_BYTES_DEFAULT}; unset it to use the default"
        )
    return int(raw)


def attachment_scan_command() -> list[str] | None:
    """Return the virus scanner's argv template, or None when no scanner is configured.

    IMMIGRATIONOS_ATTACHMENT_SCAN_COMMAND is split like a shell command line (without a
    shell) and must contain ``{path}``, which is replaced by the file to scan. The scanner
    exits 0 for a clean file and 1 for an infected one. Raises ConfigurationError when the
    value cannot be split or has no ``{path}``.
    """
    raw = os.environ.get(ATTACHMENT_SCAN_COMMAND_ENV, "").strip()
    if not raw:
        return None
    try:
        argv = shlex.split(raw)
    except ValueError as exc:
        raise ConfigurationError(
            f"invalid {ATTACHMENT_SCAN_COMMAND_ENV} {raw!r}: {exc}; quote it as a shell "
            "command line"
        ) from exc
    if not any("{path}" in arg for arg in argv):
        raise ConfigurationError(
            f"invalid {ATTACHMENT_SCAN_COMMAND_ENV} {raw!r}: no {{path}} placeholder; write "
            "it where the file to scan goes, for example 'clamdscan --no-summary {path}'"
        )
    return argv
