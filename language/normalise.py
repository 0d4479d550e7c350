"""Arabic normalisation for NLU and search: diacritics and tatweel removed, alef and hamza
forms, taa marbuta and alif maqsura folded, Eastern Arabic and Persian digits made Western.

Each character maps to at most one character, so entity offsets can be carried over.
"""

from __future__ import annotations

from functools import lru_cache

import pyarabic.araby as araby

from common.languages import EASTERN_DIGITS


@lru_cache(maxsize=4096)
def normalise_char(char: str) -> str:
    """The normalised form of one character: one character, or "" when it is dropped."""
    if not araby.strip_tatweel(araby.strip_tashkeel(char)):
        return ""
    if char == "ى":  # alif maqsura reads as yaa in matching (pyarabic would make it an alef)
        return "ي"
    return araby.normalize_teh(araby.normalize_alef(char.translate(EASTERN_DIGITS)))


def normalise_with_offsets(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each original offset 0..len(text), the new offset."""
    pieces: list[str] = []
    offsets = [0]
    length = 0
    for char in text:
        new = normalise_char(char)
        pieces.append(new)
        length += len(new)
        offsets.append(length)
    return "".join(pieces), offsets


def normalise(text: str) -> str:
    return normalise_with_offsets(text)[0]
