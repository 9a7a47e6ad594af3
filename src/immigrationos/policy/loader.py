"""Load and validate a priority policy file, naming every bad key at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from immigrationos.policy.errors import InvalidPolicyError
from immigrationos.sources.contracts import OFFENCE_CATEGORIES

RULE_IDS = (
    "national_security",
    "violent_felony",
    "tco_related",
    "other_felony",
    "final_order",
    "overstay_confirmed",
    "overstay_unconfirmed",
)
# Checked in this order; the first that applies is the person's ``protection``.
PROTECTION_IDS = (
    "citizen",
    "lawful_permanent_resident",
    "asylum_pending",
    "asylee",
    "tps",
    "deferred_action",
    "parole",
    "pending_application",
    "citizenship_claim_pending",
    "minor",
    "identity_under_review",
)
QUALIFYING_CONVICTIONS = ("national_security", "violent_felony", "drug_trafficking_felony")
_RULES_WITH_CATEGORIES = {"national_security", "violent_felony"}
_TOP_KEYS = {"version", "effective_date", "author", "tiers", "rules", "protections"}


@dataclass(frozen=True)
class RuleSpec:
    """One priority rule: its tier, points and reason text."""

    rule_id: str
    tier: int
    points: int
    text: str
    offence_categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProtectionSpec:
    """One protection: the reason text and its parameters."""

    protection_id: str
    text: str
    age_under: int | None = None
    qualifying_convictions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    """A validated priority policy."""

    version: str
    effective_date: date
    author: str
    tiers: dict[int, str]
    rules: dict[str, RuleSpec]
    protections: dict[str, ProtectionSpec]


def default_policy_path() -> Path:
    """Return the path of the policy file shipped with the package."""
    return Path(str(resources.files("immigrationos.policy") / "default_policy.yaml"))


def policy_load(*, path: Path | None = None) -> Policy:
    """Load the policy at ``path`` (default: the packaged policy) and validate it.

    Raises InvalidPolicyError listing every missing, unknown or invalid key by its dotted
    path, for example ``rules.violent_felony.points``.
    """
    source = path or default_policy_path()
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidPolicyError(str(source), [f"failed to read the file: {exc}"]) from exc
    except yaml.YAMLError as exc:
        raise InvalidPolicyError(str(source), [f"not valid YAML: {exc}"]) from exc
    return policy_parse(data=data, source=str(source))


def policy_parse(*, data: Any, source: str = "<policy>") -> Policy:
    """Validate an already parsed policy document and build the Policy."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise InvalidPolicyError(source, [f"(top level): expected a mapping, got {data!r}"])
    _unknown_keys(data, _TOP_KEYS, "", problems)
    version = _text(data, "version", "version", problems)
    effective = data.get("effective_date")
    if not isinstance(effective, date):
        problems.append(f"effective_date: expected a date YYYY-MM-DD, got {effective!r}")
    author = _text(data, "author", "author", problems)
    tiers = _tiers(data.get("tiers"), problems)
    rules = _rules(data.get("rules"), tiers, problems)
    protections = _protections(data.get("protections"), problems)
    if problems:
        raise InvalidPolicyError(source, problems)
    assert isinstance(effective, date)
    return Policy(version, effective, author, tiers, rules, protections)


def _unknown_keys(data: dict[Any, Any], allowed: set[str], prefix: str, out: list[str]) -> None:
    for key in data:
        if key not in allowed:
            out.append(f"{prefix}{key}: unknown key; allowed keys are {sorted(allowed)}")


def _text(data: dict[Any, Any], key: str, where: str, out: list[str]) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        out.append(f"{where}: expected a non-empty string, got {value!r}")
        return ""
    return value.strip()


def _mapping(value: Any, where: str, out: list[str]) -> dict[Any, Any]:
    if not isinstance(value, dict):
        out.append(f"{where}: expected a mapping, got {value!r}")
        return {}
    return value


def _tiers(value: Any, out: list[str]) -> dict[int, str]:
    tiers: dict[int, str] = {}
    for key, name in _mapping(value, "tiers", out).items():
        if not isinstance(key, int) or isinstance(key, bool) or key < 1:
            out.append(f"tiers.{key}: expected a tier number 1, 2, 3, ..., got {key!r}")
        elif not isinstance(name, str):
            out.append(f"tiers.{key}: expected the tier's name as a string, got {name!r}")
        else:
            tiers[key] = name
    return tiers


def _rules(value: Any, tiers: dict[int, str], out: list[str]) -> dict[str, RuleSpec]:
    if not isinstance(value, dict):
        out.append(f"rules: expected a mapping of rule ids {list(RULE_IDS)}, got {value!r}")
        return {}
    entries = value
    _unknown_keys(entries, set(RULE_IDS), "rules.", out)
    rules: dict[str, RuleSpec] = {}
    for rule_id in RULE_IDS:
        where = f"rules.{rule_id}"
        if rule_id not in entries:
            out.append(f"{where}: missing; every rule needs tier, points and text")
            continue
        entry = _mapping(entries[rule_id], where, out)
        allowed = {"tier", "points", "text"}
        if rule_id in _RULES_WITH_CATEGORIES:
            allowed.add("offence_categories")
        _unknown_keys(entry, allowed, f"{where}.", out)
        tier = entry.get("tier")
        if tier not in tiers:
            out.append(f"{where}.tier: expected one of the tiers {sorted(tiers)}, got {tier!r}")
        points = entry.get("points")
        if not isinstance(points, int) or isinstance(points, bool) or points < 0:
            out.append(f"{where}.points: expected a whole number >= 0, got {points!r}")
        text = _text(entry, "text", f"{where}.text", out)
        categories = _categories(entry, rule_id, where, out)
        if isinstance(tier, int) and isinstance(points, int):
            rules[rule_id] = RuleSpec(rule_id, tier, points, text, categories)
    return rules


def _categories(entry: dict[Any, Any], rule_id: str, where: str, out: list[str]) -> tuple[str, ...]:
    if rule_id not in _RULES_WITH_CATEGORIES:
        return ()
    value = entry.get("offence_categories")
    if not isinstance(value, list) or not value:
        out.append(f"{where}.offence_categories: expected a non-empty list, got {value!r}")
        return ()
    for category in value:
        if category not in OFFENCE_CATEGORIES:
            out.append(
                f"{where}.offence_categories: unknown category {category!r}; "
                f"expected one of {list(OFFENCE_CATEGORIES)}"
            )
    return tuple(str(category) for category in value)


def _protections(value: Any, out: list[str]) -> dict[str, ProtectionSpec]:
    if not isinstance(value, dict):
        out.append(
            f"protections: expected a mapping of protection ids {list(PROTECTION_IDS)}, "
            f"got {value!r}"
        )
        return {}
    entries = value
    _unknown_keys(entries, set(PROTECTION_IDS), "protections.", out)
    protections: dict[str, ProtectionSpec] = {}
    for protection_id in PROTECTION_IDS:
        where = f"protections.{protection_id}"
        if protection_id not in entries:
            out.append(f"{where}: missing; protections cannot be removed, only reworded")
            continue
        entry = _mapping(entries[protection_id], where, out)
        allowed = {"text"}
        if protection_id == "minor":
            allowed.add("age_under")
        if protection_id == "lawful_permanent_resident":
            allowed.add("qualifying_convictions")
        _unknown_keys(entry, allowed, f"{where}.", out)
        text = _text(entry, "text", f"{where}.text", out)
        age_under = _age_under(entry, where, out) if protection_id == "minor" else None
        qualifying = (
            _qualifying(entry, where, out) if protection_id == "lawful_permanent_resident" else ()
        )
        protections[protection_id] = ProtectionSpec(protection_id, text, age_under, qualifying)
    return protections


def _age_under(entry: dict[Any, Any], where: str, out: list[str]) -> int | None:
    value = entry.get("age_under")
    # The protection may be widened to older ages but never narrowed below 18.
    if not isinstance(value, int) or isinstance(value, bool) or not 18 <= value <= 21:
        out.append(f"{where}.age_under: expected a whole number of years from 18 to 21, "
                   f"got {value!r}")  # fmt: skip
        return None
    return value


def _qualifying(entry: dict[Any, Any], where: str, out: list[str]) -> tuple[str, ...]:
    value = entry.get("qualifying_convictions")
    if not isinstance(value, list):
        out.append(f"{where}.qualifying_convictions: expected a list, got {value!r}")
        return ()
    for item in value:
        if item not in QUALIFYING_CONVICTIONS:
            out.append(f"{where}.qualifying_convictions: unknown kind {item!r}; "
                       f"expected some of {list(QUALIFYING_CONVICTIONS)}")  # fmt: skip
    return tuple(str(item) for item in value)
