"""Validate and normalise one data row of an extract against its source contract.

Each field is checked by its column's validator; then the checks that need several fields
run: timestamps are placed in the port's time zone, the event date is taken as a local date,
and a two-digit birth year gets its century from the event date. Every problem of a row is
collected, not only the first.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from immigrationos.sources.config import SourceConfig, date_format_display
from immigrationos.sources.contracts import IDENTITY_COLUMNS, SourceContract
from immigrationos.sources.errors import FieldInvalid
from immigrationos.sources.fields import (
    YEAR_MIN,
    TwoDigitYearDate,
    Validator,
    mojibake_repair,
    mojibake_suspected,
    validator_build,
    zone_get,
)
from immigrationos.sources.ports import PORTS

MAX_AGE_AT_EVENT = 110

# Columns that record something that has already happened, so they cannot be later than the
# run date. The contract's event date column is checked as well. Expiry, programme end and
# deadline columns are left out because they may lie in the future.
PAST_EVENT_COLUMNS = (
    "filed_date",
    "decision_date",
    "appeal_decision_date",
    "conviction_date",
    "nta_date",
    "issue_date",
    "termination_date",
)
# (later column, earlier column): a benefit is decided, and its new status runs, only after
# the application is filed.
DATE_ORDER_RULES = (("decision_date", "filed_date"), ("valid_until", "filed_date"))


@dataclass(frozen=True)
class Problem:
    """One broken rule in a row; ``keeps_record`` marks a DOB that names no real day."""

    column: str | None
    value: str | None
    reason: str
    keeps_record: bool = False


@dataclass(frozen=True)
class Flag:
    """A data-quality warning on a loaded record."""

    field: str
    flag: str
    detail: str


@dataclass
class RowOutcome:
    """The normalised record (None when the row is quarantined), its problems and flags."""

    record: dict[str, object] | None
    problems: list[Problem] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)


class RowChecker:
    """Validate rows of one extract whose header is already known to fit the contract."""

    def __init__(
        self, *, contract: SourceContract, config: SourceConfig, header: list[str], today: date
    ) -> None:
        # (name, field index or -1 when the header lacks the column, required, is a name,
        # validator)
        self._slots: list[tuple[str, int, bool, bool, Validator]] = []
        for column in contract.columns:
            index = header.index(column.name) if column.name in header else -1
            date_format = config.date_formats.get(column.name, column.date_format)
            validate = validator_build(column=column, date_format=date_format)
            is_name = column.kind == "name"
            self._slots.append((column.name, index, column.required, is_name, validate))
        self._contract = contract
        self._today = today
        self._repair = config.repair_mojibake
        self._dob_format = date_format_display(
            config.date_formats.get("dob", contract.column("dob").date_format or "")
        )
        self._datetimes = [c.name for c in contract.columns if c.kind == "datetime"]
        self._texts = [c.name for c in contract.columns if c.kind in ("text", "name")]
        self._identity = [name for name in IDENTITY_COLUMNS if name in contract.column_names]
        self._attrs = [name for name in contract.column_names if name not in IDENTITY_COLUMNS]
        self._past_columns = [
            name
            for name in dict.fromkeys([contract.event_date_column, *PAST_EVENT_COLUMNS])
            if name in contract.column_names
        ]
        self._order_rules = [
            (later, earlier)
            for later, earlier in DATE_ORDER_RULES
            if later in contract.column_names and earlier in contract.column_names
        ]
        self._attr_dates = [
            column.name
            for column in contract.columns
            if column.name in self._attrs and column.kind in ("date", "date_or_ds", "datetime")
        ]

    def check(self, fields: list[str]) -> RowOutcome:
        """Return the normalised record of ``fields`` with its problems and flags."""
        raw: dict[str, str] = {}
        values: dict[str, object] = {}
        problems: list[Problem] = []
        for name, index, required, is_name, validate in self._slots:
            text = fields[index].strip() if index >= 0 else ""
            if is_name and not text.isascii() and _format_characters_only(text):
                # A name of only zero-width or other format characters shows as blank.
                text = ""
            raw[name] = text
            if not text:
                values[name] = None
                if required:
                    problems.append(Problem(name, text, f"{name} is required but empty"))
                continue
            try:
                values[name] = validate(text)
            except FieldInvalid as exc:
                values[name] = None
                # A DOB naming a day that does not exist keeps the record with no DOB;
                # one that does not fit the declared layout or the plausible years puts the
                # whole row in doubt.
                keeps = name == "dob" and not exc.format_mismatch and not exc.implausible
                problems.append(Problem(name, text, str(exc), keeps))

        extra: dict[str, object] = {}
        flags: list[Flag] = []
        event_date = self._localise(
            values=values, raw=raw, extra=extra, problems=problems, flags=flags
        )
        extra["event_local_date"] = event_date.isoformat() if event_date else None
        dob_quality = self._dob_check(
            values=values, raw=raw, event_date=event_date, extra=extra, problems=problems
        )
        self._event_dates_check(values=values, raw=raw, event_date=event_date, problems=problems)

        if problems and not all(problem.keeps_record for problem in problems):
            return RowOutcome(None, problems)
        if problems:
            dob_quality = "invalid"
            flags.append(Flag("dob", "invalid", problems[0].reason))
        if dob_quality == "unresolved_century":
            flags.append(
                Flag(
                    "dob",
                    "unresolved_century",
                    f"dob {raw['dob']!r} fits more than one century: {extra['dob_candidates']}",
                )
            )
        self._mojibake_check(values=values, flags=flags)
        return RowOutcome(self._record(values, dob_quality, event_date, extra), problems, flags)

    def _localise(
        self,
        *,
        values: dict[str, object],
        raw: dict[str, str],
        extra: dict[str, object],
        problems: list[Problem],
        flags: list[Flag],
    ) -> date | None:
        """Attach the port's zone to timestamps without offset; return the local event date."""
        event_column = self._contract.event_date_column
        if not self._datetimes:
            event = values[event_column]
            return event if isinstance(event, date) else None

        zone_name = values.get("port_tz")
        zone = zone_get(zone_name) if isinstance(zone_name, str) else None
        port = values.get("port")
        if zone is not None and isinstance(port, str) and PORTS[port].tz != zone_name:
            flags.append(
                Flag(
                    "port_tz",
                    "port_tz_mismatch",
                    f"port_tz {zone_name!r} differs from {port}'s zone {PORTS[port].tz!r}",
                )
            )
        local_dates: dict[str, date] = {}
        for name in self._datetimes:
            stamp = values[name]
            if not isinstance(stamp, datetime):
                continue
            if stamp.tzinfo is None:
                if zone is None:
                    problems.append(
                        Problem(
                            name,
                            raw[name],
                            f"{name} {raw[name]!r} has no UTC offset and the row has no valid "
                            "port_tz to read it in",
                        )
                    )
                    values[name] = None
                    continue
                # NOTE: a local time that falls in a DST gap or overlap is read with fold=0.
                stamp = stamp.replace(tzinfo=zone)
                values[name] = stamp
            try:
                local = stamp.astimezone(zone) if zone is not None else stamp
            except OverflowError:
                # The timestamp validator keeps years within 1900..2100, so this cannot happen
                # today. It stays so that widening that range quarantines a row, not the run.
                problems.append(
                    Problem(name, raw[name], f"{name} {raw[name]!r} is out of the supported range")
                )
                values[name] = None
                continue
            local_dates[name] = local.date()
            extra[f"{name.removesuffix('_ts')}_date"] = local_dates[name].isoformat()

        if event_column in local_dates:
            return local_dates[event_column]
        event = values[event_column]
        return event if isinstance(event, date) and not isinstance(event, datetime) else None

    def _dob_check(
        self,
        *,
        values: dict[str, object],
        raw: dict[str, str],
        event_date: date | None,
        extra: dict[str, object],
        problems: list[Problem],
    ) -> str | None:
        """Resolve a two-digit birth year, reject a DOB after the event or the run date.

        Returns the DOB quality: valid, unresolved_century, missing, or None when invalid.
        """
        dob = values.get("dob")
        if isinstance(dob, TwoDigitYearDate):
            candidates = self._centuries(dob, event_date)
            if len(candidates) == 1:
                values["dob"] = candidates[0]
                return "valid"
            values["dob"] = None
            if candidates:
                extra["dob_candidates"] = [candidate.isoformat() for candidate in candidates]
                return "unresolved_century"
            limit = (
                f"{self._contract.event_date_column} {event_date}"
                if event_date
                else (f"the run date {self._today}")
            )
            problems.append(
                Problem(
                    "dob",
                    raw["dob"],
                    f"dob {raw['dob']!r} is not a valid {self._dob_format} date: no century puts "
                    f"it on or before {limit} with an age of at most {MAX_AGE_AT_EVENT}",
                    keeps_record=True,
                )
            )
            return None
        if not isinstance(dob, date):
            return "missing" if not raw["dob"] else None

        record_id = raw["record_id"]
        if dob > self._today:
            problems.append(
                Problem(
                    "dob",
                    raw["dob"],
                    f"record {record_id!r}: dob {dob.isoformat()} is later than the run date "
                    f"{self._today.isoformat()}; check the source's date format",
                )
            )
        elif event_date is not None and dob > event_date:
            problems.append(
                Problem(
                    "dob",
                    raw["dob"],
                    f"record {record_id!r}: dob {dob.isoformat()} is later than its event date "
                    f"({self._contract.event_date_column} {event_date.isoformat()})",
                )
            )
        elif _age(dob, event_date or self._today) > MAX_AGE_AT_EVENT:
            at = (
                f"its event date ({self._contract.event_date_column} {event_date.isoformat()})"
                if event_date
                else f"the run date {self._today.isoformat()}"
            )
            problems.append(
                Problem(
                    "dob",
                    raw["dob"],
                    f"record {record_id!r}: dob {dob.isoformat()} makes the person older than "
                    f"{MAX_AGE_AT_EVENT} at {at}; check the source's date format",
                )
            )
        return "valid"

    def _event_dates_check(
        self,
        *,
        values: dict[str, object],
        raw: dict[str, str],
        event_date: date | None,
        problems: list[Problem],
    ) -> None:
        """Reject event dates later than the run date and benefit dates before the filing."""
        record_id = raw["record_id"]
        dates: dict[str, date] = {}
        for name in self._past_columns:
            value = values[name]
            if isinstance(value, date) and not isinstance(value, datetime):
                dates[name] = value
        event_column = self._contract.event_date_column
        if event_date is not None:
            # A timestamp column is checked by its local date at the port.
            dates[event_column] = event_date
        for name, value in dates.items():
            if value > self._today:
                problems.append(
                    Problem(
                        name,
                        raw[name],
                        f"record {record_id!r}: {name} {value.isoformat()} is later than the run "
                        f"date {self._today.isoformat()}, but it records an event that has "
                        "already happened; check the source's date format",
                    )
                )
        for later, earlier in self._order_rules:
            later_value, earlier_value = values[later], values[earlier]
            if (
                isinstance(later_value, date)
                and isinstance(earlier_value, date)
                and later_value < earlier_value
            ):
                problems.append(
                    Problem(
                        later,
                        raw[later],
                        f"record {record_id!r}: {later} {later_value.isoformat()} is before "
                        f"{earlier} {earlier_value.isoformat()}",
                    )
                )

    def _centuries(self, dob: TwoDigitYearDate, event_date: date | None) -> list[date]:
        """Return the birth dates on or before the event and run date, aged at most 110 then."""
        reference = min(event_date, self._today) if event_date else self._today
        age_at = event_date or self._today
        candidates = []
        for century in range(age_at.year // 100 - 2, age_at.year // 100 + 1):
            try:
                candidate = date(century * 100 + dob.year_in_century, dob.month, dob.day)
            except ValueError:
                continue  # 29 February in a year that is not a leap year
            if (
                candidate.year >= YEAR_MIN
                and candidate <= reference
                and _age(candidate, age_at) <= MAX_AGE_AT_EVENT
            ):
                candidates.append(candidate)
        return candidates

    def _mojibake_check(self, *, values: dict[str, object], flags: list[Flag]) -> None:
        for name in self._texts:
            value = values[name]
            if not isinstance(value, str) or not mojibake_suspected(value):
                continue
            repaired = mojibake_repair(value) if self._repair else None
            if repaired is not None:
                values[name] = repaired
                flags.append(Flag(name, "mojibake_repaired", f"{value!r} repaired to {repaired!r}"))
            else:
                flags.append(
                    Flag(
                        name,
                        "mojibake_suspected",
                        f"{name} {value!r} looks like UTF-8 text decoded as cp1252; set "
                        f"repair_mojibake: true for {self._contract.name} in sources.yaml "
                        "to repair it",
                    )
                )

    def _record(
        self,
        values: dict[str, object],
        dob_quality: str | None,
        event_date: date | None,
        extra: dict[str, object],
    ) -> dict[str, object]:
        record: dict[str, object] = dict.fromkeys(IDENTITY_COLUMNS)
        for name in self._identity:
            record[name] = values[name]
        attrs = {name: values[name] for name in self._attrs}
        for name in self._attr_dates:
            value = attrs[name]
            if isinstance(value, date):
                attrs[name] = value.isoformat()
        attrs.update(extra)
        record["record_id"] = values["record_id"]
        record["dob_quality"] = dob_quality
        record["event_date"] = event_date
        record["attrs"] = attrs
        return record


def _format_characters_only(text: str) -> bool:
    """Return True when every character of ``text`` is in Unicode category Cf (U+200B)."""
    return all(unicodedata.category(character) == "Cf" for character in text)


def _age(born: date, on: date) -> int:
    """Return the age in whole years on ``on``: a birthday counts once its month and day arrive."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
