"""Fold personal names into comparison keys for search.

Folding is for comparison only; pages show the spelling each source gave. NFKD folding
strips combining accents, and an explicit map covers letters that do not decompose
(ł, ø, æ, ß, ...). Machine-readable passport zones transcribe some letters differently
(ö -> oe, ü -> ue, å -> aa, ø -> oe), so each token also gets that form when it differs.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import jellyfish

# Letters that NFKD leaves alone, folded to the plain letters a stripped passport zone shows.
_NON_DECOMPOSING = str.maketrans(
    {
        "ł": "l",
        "Ł": "l",
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ß": "ss",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "ı": "i",
        "ħ": "h",
        "Ħ": "h",
    }
)
# Transcriptions that German and Nordic passports use in the machine-readable zone.
_TRANSCRIPTIONS = str.maketrans(
    {
        "ä": "ae",
        "Ä": "ae",
        "ö": "oe",
        "Ö": "oe",
        "ü": "ue",
        "Ü": "ue",
        "å": "aa",
        "Å": "aa",
        "ø": "oe",
        "Ø": "oe",
    }
)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _strip(text: str) -> str:
    if text.isascii():
        return text.lower()
    text = text.translate(_NON_DECOMPOSING)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


@functools.lru_cache(maxsize=65_536)
def name_fold(text: str) -> str:
    """Return ``text`` lower-cased, with accents stripped and punctuation turned into spaces."""
    return " ".join(_NOT_ALNUM.split(_strip(text))).strip()


def name_tokens(text: str) -> list[str]:
    """Return the folded tokens of ``text``, adding the passport-zone form where it differs."""
    tokens = name_fold(text).split()
    transcribed = name_fold(text.translate(_TRANSCRIPTIONS)).split()
    return list(dict.fromkeys([*tokens, *transcribed]))


def name_fold_variants(text: str) -> set[str]:
    """Return the stripped fold of ``text`` and its passport-zone fold ("jorg", "joerg")."""
    return {name_fold(text), name_fold(text.translate(_TRANSCRIPTIONS))}


def token_phonetic(token: str) -> str:
    """Return the Metaphone key of a folded token (empty for digits-only tokens)."""
    return jellyfish.metaphone(token)[:16] if token.isascii() else ""
