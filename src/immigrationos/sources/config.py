"""Per-source overrides read from an optional ``sources.yaml`` beside the extracts.

Example::

    benefits:
      encoding: cp1252
      repair_mojibake: true
      date_formats:
        dob: DD-MM-YY

Date formats may be written as ``DD/MM/YYYY``-style patterns or as ``%d/%m/%Y``. Only day,
month and two- or four-digit year fields are supported, because a source's date format is
declared once and never guessed per row.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from immigrationos.sources.contracts import CONTRACTS, SourceContract
from immigrationos.sources.errors import SourceConfigError

CONFIG_FILE = "sources.yaml"
_KEYS = ("encoding", "date_formats", "repair_mojibake")
_HUMAN_TOKENS = (("YYYY", "%Y"), ("YY", "%y"), ("MM", "%m"), ("DD", "%d"))
_FORMAT_RE = re.compile(r"^(?:%[dmYy]|[^%A-Za-z0-9])+$")


@dataclass(frozen=True)
class SourceConfig:
    """Overrides for one source: file encoding, date formats per column, mojibake repair."""

    encoding: str = "utf-8"
    date_formats: dict[str, str] = field(default_factory=dict)
    repair_mojibake: bool = False

    def fingerprint(self, contract: SourceContract) -> str:
        """Return a short hash of the effective settings that change how rows are normalised.

        Date formats are taken after the contract's defaults are applied, so declaring a
        source's default format in sources.yaml does not change the fingerprint.
        """
        date_formats = {
            column.name: self.date_formats.get(column.name, column.date_format)
            for column in contract.columns
            if column.date_format is not None
        }
        settings = [
            codecs.lookup(self.encoding).name,
            sorted(date_formats.items()),
            self.repair_mojibake,
        ]
        return hashlib.sha256(json.dumps(settings).encode()).hexdigest()[:16]


def date_format_parse(text: str) -> str:
    """Return the strftime form of ``text`` (``DD/MM/YYYY`` or ``%d/%m/%Y``).

    Raises ValueError when the pattern uses anything but day, month, year and separators.
    """
    pattern = text
    if "%" not in pattern:
        for token, directive in _HUMAN_TOKENS:
            pattern = pattern.replace(token, directive)
    if not _FORMAT_RE.match(pattern) or not {"%d", "%m"} <= set(re.findall(r"%.", pattern)):
        raise ValueError(
            f"invalid date format {text!r}: expected day, month and year fields with "
            "separators, for example 'DD/MM/YYYY', 'YYYY-MM-DD' or 'DD-MM-YY'"
        )
    directives = re.findall(r"%[dmYy]", pattern)
    for label, group in (("day", ("%d",)), ("month", ("%m",)), ("year", ("%Y", "%y"))):
        count = sum(directive in group for directive in directives)
        if count != 1:
            raise ValueError(
                f"invalid date format {text!r}: expected exactly one {label} field, found "
                f"{count}; use each of day, month and year once, for example 'DD/MM/YYYY'"
            )
    return pattern


def date_format_display(pattern: str) -> str:
    """Return ``pattern`` written as ``DD/MM/YYYY`` for messages."""
    for token, directive in _HUMAN_TOKENS:
        pattern = pattern.replace(directive, token)
    return pattern


def sources_config_load(path: Path) -> dict[str, SourceConfig]:
    """Read ``sources.yaml`` at ``path`` and return one SourceConfig per source named there.

    A missing file means no overrides. Raises SourceConfigError listing every unknown
    source, key, column, encoding or date format in the file.
    """
    if not path.exists():
        return {}
    if not path.is_file():
        raise SourceConfigError(
            f"{path}: {CONFIG_FILE} must be a YAML file, but it is a folder or a special "
            "file; remove it or replace it with a file"
        )
    try:
        loaded: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SourceConfigError(f"{path}: not valid YAML: {exc}") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise SourceConfigError(f"{path}: expected a mapping of source names to settings")

    problems: list[str] = []
    configs: dict[str, SourceConfig] = {}
    for source, settings in loaded.items():
        config = _source_config_parse(source=source, settings=settings, problems=problems)
        if config is not None:
            configs[source] = config
    if problems:
        raise SourceConfigError(f"{path}: " + "; ".join(problems))
    return configs


def _encoding_problem(encoding: object) -> str | None:
    """Return why ``encoding`` cannot decode an extract, or None when it can."""
    allowed = "use a text encoding such as 'utf-8', 'cp1252' or 'latin-1'"
    if not isinstance(encoding, str):
        return f"encoding {encoding!r} is not an encoding name; {allowed}"
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        return f"unknown encoding {encoding!r}; {allowed}"
    # Bytes-to-bytes codecs such as 'hex' or 'rot13' are not text encodings.
    if not info._is_text_encoding:
        return f"encoding {encoding!r} is not a text encoding; {allowed}"
    try:
        # 'undefined' is registered as a text encoding but raises on every use.
        roundtrip = "record_id".encode(encoding).decode(encoding)
    except UnicodeError:
        return f"encoding {encoding!r} cannot encode or decode text; {allowed}"
    if roundtrip != "record_id":
        return f"encoding {encoding!r} does not read back plain text; {allowed}"
    return None


def _source_config_parse(
    *, source: object, settings: object, problems: list[str]
) -> SourceConfig | None:
    if source not in CONTRACTS:
        problems.append(f"unknown source {source!r} (known: {', '.join(CONTRACTS)})")
        return None
    if not isinstance(settings, dict):
        problems.append(f"{source}: expected a mapping of settings, got {settings!r}")
        return None
    contract = CONTRACTS[str(source)]
    count_before = len(problems)

    unknown = [key for key in settings if key not in _KEYS]
    if unknown:
        problems.append(
            f"{source}: unknown keys {', '.join(repr(key) for key in unknown)} "
            f"(allowed: {', '.join(_KEYS)})"
        )
    encoding = settings.get("encoding", "utf-8")
    encoding_problem = _encoding_problem(encoding)
    if encoding_problem is not None:
        problems.append(f"{source}: {encoding_problem}")
    repair = settings.get("repair_mojibake", False)
    if not isinstance(repair, bool):
        problems.append(f"{source}: repair_mojibake must be true or false, got {repair!r}")

    date_formats: dict[str, str] = {}
    raw_formats = settings.get("date_formats", {}) or {}
    if not isinstance(raw_formats, dict):
        problems.append(f"{source}: date_formats must map column names to formats")
        raw_formats = {}
    for column_name, text in raw_formats.items():
        if column_name not in contract.column_names:
            problems.append(f"{source}: date_formats names unknown column {column_name!r}")
            continue
        if contract.column(column_name).kind not in ("date", "date_or_ds"):
            problems.append(f"{source}: column {column_name!r} is not a date column")
            continue
        try:
            pattern = date_format_parse(str(text))
        except ValueError as exc:
            problems.append(f"{source}.{column_name}: {exc}")
            continue
        # Only a DOB has a rule for choosing the century (on or before the event date).
        if "%y" in pattern and column_name != "dob":
            problems.append(
                f"{source}.{column_name}: two-digit years are supported only for dob; "
                "use a four-digit year (YYYY)"
            )
            continue
        date_formats[column_name] = pattern

    if len(problems) > count_before:
        return None
    return SourceConfig(
        encoding=codecs.lookup(str(encoding)).name,
        date_formats=date_formats,
        repair_mojibake=bool(repair),
    )
