"""Comparison forms of names and identifiers; display always keeps the original spelling.

Names are folded so that the spellings different systems keep for one name compare equal:
visa systems keep diacritics, machine-readable passport zones strip them or transcribe them
(ö -> OE, å -> AA, ü -> UE, ICAO Doc 9303 part 3), manifests upper-case everything.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import jellyfish

# Letters that NFKD does not decompose into a base letter plus a combining mark.
_NON_DECOMPOSING = str.maketrans(
    {
        "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "ẞ": "SS",
        "đ": "d", "Đ": "D", "ı": "i", "þ": "th", "Þ": "TH", "œ": "oe", "Œ": "OE",
        "ð": "d", "Ð": "D", "ħ": "h", "Ħ": "H", "ŋ": "ng", "Ŋ": "NG",
    }
)  # fmt: skip

# Digraphs of passport-zone transcription collapse to the stripped vowel, so that "JOERG",
# "JORG" and "Jörg" share one canonical form. Applied to both sides, so names that carry
# such a digraph natively ("MICHAEL") still compare equal to themselves.
_DIGRAPHS = re.compile(r"AE|OE|UE|AA")
_DIGRAPH_BASE = {"AE": "A", "OE": "O", "UE": "U", "AA": "A"}

# Surname particles dropped before comparison: sources disagree on keeping them.
PARTICLES = frozenset(
    {
        "AL", "EL", "DE", "DA", "DEL", "DELA", "DELLA", "DOS", "DAS", "DO", "DI", "DU", "LA",
        "LE", "VAN", "VON", "DER", "DEN", "TER", "BIN", "BINT", "BINTI", "IBN", "BEN", "Y",
        "ABD", "ULD", "OULD",
    }
)  # fmt: skip

_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
# Apostrophes join the letters around them: passport zones write O'Brien as OBRIEN.
_APOSTROPHES = re.compile("['\u2019\u02bc`]")


@lru_cache(maxsize=200_000)
def fold_tokens(value: str | None) -> tuple[str, ...]:
    """Return the canonical comparison tokens of a name part, particles kept."""
    if not value:
        return ()
    text = unicodedata.normalize("NFKD", value.translate(_NON_DECOMPOSING))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).upper()
    text = _APOSTROPHES.sub("", text)
    text = _NON_ALNUM.sub(" ", text)
    return tuple(
        _DIGRAPHS.sub(lambda match: _DIGRAPH_BASE[match.group(0)], token) for token in text.split()
    )


def strip_particles(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Drop surname particles unless that would leave nothing."""
    kept = tuple(token for token in tokens if token not in PARTICLES)
    return kept or tokens


@lru_cache(maxsize=200_000)
def phonetic_key(token: str | None) -> str | None:
    """Return the metaphone key of one canonical token (transliteration variants agree)."""
    if not token:
        return None
    return jellyfish.metaphone(token) or token


# Spelling rules, applied in order before vowels are dropped, that map the legal
# romanisations of one Arabic, Cyrillic or Chinese name onto one spelling. They cover Pinyin
# and Wade-Giles (Zhang / Chang, Xu / Hsu, Zhihui / Chih-hui), Russian and Ukrainian
# transliteration (Aleksandr / Alexander, Sergey / Serhiy) and Arabic (Qureshi / Kureshi,
# Khadija / Khadijah). Ukrainian writes H where Russian writes G, so both become G.
_ROMANISATION_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"TCH", "CH"),
        (r"KS", "X"),
        (r"HS", "X"),
        (r"SH", "X"),
        (r"ZH", "J"),
        (r"KH", "K"),
        (r"CH", "J"),
        (r"QU", "K"),
        (r"Q", "J"),
        (r"IEN", "IAN"),
        (r"IH(?![AEIOUY])", "I"),
        (r"(?:IY|II)$", "I"),
        (r"([AEIOU])H$", r"\1"),
        (r"^[YI](?=[AEIOU])", ""),
        (r"(?<=.)H", "G"),
    )
)
# NOTE: dropping vowels also merges some distinct names (Mohammed and Mahmoud both give
# MGMD), so the twins veto in ``vetoes`` does not treat equal keys as one given name.
_LATER_VOWELS = re.compile(r"(?<=.)[AEIOUY]")
_REPEATS = re.compile(r"(.)\1+")
_FIRST_LATER_VOWELS = re.compile(r"(?<=.)[AEIOUY]+")
# Without vowels, names this short collide: "Zhen Chen" and "Jun Qian" would share keys.
_SHORT_KEY = 2
# A fused Arabic article ("Almasri", "Elsayed"). A separate one is a particle.
_FUSED_ARTICLE = re.compile(r"^(?:AL|EL)(?=[A-Z]{4})")


@lru_cache(maxsize=200_000)
def romanisation_key(tokens: tuple[str, ...], *, family: bool = False) -> str | None:
    """Return one key for the romanisations of a name part given as ``fold_tokens`` output.

    The tokens are joined, so "Chih-hui" and "Zhihui" meet. A leading vowel becomes A,
    later vowels are dropped and repeated letters collapse. A name of at most two letters
    without its vowels keeps its first later vowel group (Y read as I), so Zhou, Zhu and
    Zhao stay apart.
    With ``family`` a fused Arabic article is dropped, as ``strip_particles`` drops a
    separate one.
    """
    text = "".join(tokens)
    if family:
        text = _FUSED_ARTICLE.sub("", text)
    for pattern, replacement in _ROMANISATION_RULES:
        text = pattern.sub(replacement, text)
    if not text:
        return None
    if text[0] in "AEIOUY":
        text = "A" + text[1:]
    consonants = _LATER_VOWELS.sub("", text)
    key = _REPEATS.sub(r"\1", consonants)
    vowels = _FIRST_LATER_VOWELS.search(text)
    if len(consonants) <= _SHORT_KEY and vowels is not None:
        key += "-" + _REPEATS.sub(r"\1", vowels.group(0).replace("Y", "I"))
    return key


_DIGITS = re.compile(r"\D+")
_DOCUMENT = re.compile(r"[^A-Z0-9]+")


def a_number_key(value: str | None) -> str | None:
    """Return an A-number as nine digits, or None when it contains no digits."""
    if not value:
        return None
    digits = _DIGITS.sub("", value)
    if not digits or int(digits) == 0:
        return None
    return digits.zfill(9)


def document_key(value: str | None) -> str | None:
    """Return a passport or FBI number upper-cased with separators removed."""
    if not value:
        return None
    key = _DOCUMENT.sub("", value.upper())
    return key or None
