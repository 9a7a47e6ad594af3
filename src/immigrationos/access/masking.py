"""Field masking by role: the one place that decides how a masked value is shown.

Pages (through the ``masked`` template tag), API responses, exports and search all call
these functions, so a role's masked fields (settings ``IMMIGRATIONOS_MASKED_FIELDS``) hide
the same values everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from immigrationos.access.context import AccessContext

MASK: Final = "[masked]"
A_NUMBER: Final = "a_number"
PASSPORT_NUMBER: Final = "passport_number"
ADDRESS: Final = "address"
DOB: Final = "dob"
MASKABLE_FIELDS: Final = (A_NUMBER, PASSPORT_NUMBER, ADDRESS, DOB)

# Keys of a source record's attrs (and of export rows) that carry each maskable field.
FIELD_KEYS: Final[dict[str, frozenset[str]]] = {
    A_NUMBER: frozenset({"a_number", "a_numbers", "parent_a_number", "related_a_number"}),
    PASSPORT_NUMBER: frozenset({"passport_no", "passport_number", "passports"}),
    ADDRESS: frozenset({"address", "street", "city", "postal_code", "zip"}),
    DOB: frozenset({"dob", "date_of_birth"}),
}

# Search query kinds that look a person up by a maskable field.
_SEARCH_KIND_FIELDS: Final[dict[str, str]] = {
    "a_number": A_NUMBER,
    "passport": PASSPORT_NUMBER,
    "dob": DOB,
    "dob_format": DOB,
}
_FIELD_LABELS: Final[dict[str, str]] = {
    A_NUMBER: "A-number",
    PASSPORT_NUMBER: "passport number",
    ADDRESS: "address",
    DOB: "date of birth",
}


def value_display(*, access: AccessContext | None, field_name: str, value: Any) -> str:
    """Return ``value`` as page text, or ``MASK`` when the role sees ``field_name`` masked.

    A missing context masks every maskable field. Dates show as YYYY-MM-DD and lists are
    joined with commas. An empty value shows as an empty string even when masked, because
    that it is missing is not itself protected.
    """
    if value in (None, "", [], ()):
        return ""
    if access is None or access.masks(field_name):
        return MASK
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def value_or_none(*, access: AccessContext | None, field_name: str, value: Any) -> Any:
    """Return ``value`` for a JSON response, or None when the role sees ``field_name`` masked."""
    if access is None or access.masks(field_name):
        return None
    return value


def key_field(key: str) -> str | None:
    """Return the maskable field that a row or attrs key carries, or None."""
    for field_name, keys in FIELD_KEYS.items():
        if key in keys:
            return field_name
    return None


def row_mask(*, access: AccessContext | None, row: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of ``row`` with the values of masked fields replaced by ``MASK``.

    ``row`` is an export row, a JSON object or a record's attrs. Empty values stay empty.
    """
    masked: dict[str, Any] = {}
    for key, value in row.items():
        field_name = key_field(key)
        hidden = field_name is not None and (access is None or access.masks(field_name))
        masked[key] = MASK if hidden and value not in (None, "", [], ()) else value
    return masked


def row_has_masked(*, access: AccessContext | None, row: Mapping[str, Any]) -> bool:
    """Return whether any non-empty value of ``row`` is masked for ``access``."""
    return row_mask(access=access, row=row) != dict(row)


def search_kind_rejection(*, access: AccessContext | None, kind: str) -> str | None:
    """Return why a search of ``kind`` is rejected for this role, or None when allowed.

    A role that sees a field masked may not search by it, because the result list would
    confirm the hidden value.
    """
    field_name = _SEARCH_KIND_FIELDS.get(kind)
    if field_name is None:
        return None
    if access is not None and not access.masks(field_name):
        return None
    label = _FIELD_LABELS[field_name]
    role = access.role if access is not None else None
    return (
        f"Search by {label} is not available to the {role or 'current'} role, which sees "
        f"this field masked. Search by name instead."
    )


def sort_field_check(*, access: AccessContext | None, field_name: str) -> None:
    """Raise ValueError when ``field_name`` is masked for the role, since sorting or
    filtering by a masked field would reveal its order or value."""
    masked_field = key_field(field_name) or (field_name if field_name in MASKABLE_FIELDS else None)
    if masked_field is not None and (access is None or access.masks(masked_field)):
        raise ValueError(
            f"cannot sort or filter by {field_name!r}: it is masked for this role; "
            "choose another field"
        )
