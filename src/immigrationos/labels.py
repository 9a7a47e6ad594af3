"""Readers' labels for the snake_case codes of statuses, rules, flags and protections.

Pure Python, no Django, so pages, exports and the pure packages share one wording.
"""

from __future__ import annotations

# Code words that read as abbreviations rather than plain words.
_WORDS = {"tps": "TPS", "ds": "D/S", "cfr": "CFR", "ina": "INA", "lpr": "LPR", "fbi": "FBI"}
_LABELS = {
    "tps": "temporary protected status (TPS)",
    "potential_overstay_unconfirmed": "potential overstay, unconfirmed",
}


def code_label(code: object) -> str:
    """Return a reader's label for a snake_case code, such as "lawful permanent resident"."""
    text = str(code or "")
    if text in _LABELS:
        return _LABELS[text]
    return " ".join(_WORDS.get(word, word) for word in text.replace("_", " ").split(" "))
