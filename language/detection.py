"""Which of English, French and Arabic a citizen's message is written in.

Arabic is told by its script (an Arabic sentence with a French document name is Arabic), and
Arabizi (Arabic in Latin letters with digits for sounds, "chnowa", "9addech") by its spelling;
English and French by lingua, restricted to those two, when it is confident. Short or unclear
messages ("ok", a reference number) return None: the conversation keeps its language.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from common.references import APPLICATION_REFERENCE_ATTEMPT, APPOINTMENT_REFERENCE_IN_TEXT

ARABIC_LETTER = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
LATIN_LETTER = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]")
LATIN_WORD = re.compile(r"[a-zà-öø-ÿ']+")
# Latin words with a digit inside standing for an Arabic sound: 3 (ع), 7 (ح), 9 (ق), 5 (خ), 2 (ء).
# Times and ordinals ("2pm", "3rd", "5th") are not Arabizi.
ARABIZI_WORD = re.compile(
    r"\b[a-z]*[a-z][23579][a-z]+\b|\b[23579](?!(?:am|pm|th|rd|nd|st|min|hrs?)\b)[a-z]{2,}\b",
    re.IGNORECASE,
)
# Frequent Arabizi words written without digits, that are not English or French words: most
# Arabizi messages ("chhal yaswa el passeport?") have none of the digit spellings above.
ARABIZI_WORDS = frozenset(
    (Path(__file__).with_name("arabizi_words.txt")).read_text(encoding="utf-8").split()
)
ARABIZI_SHARE = 0.3  # this share of a message's words: it is Arabic written in Latin letters
LINGUA_LANGUAGES = {Language.ENGLISH: "en", Language.FRENCH: "fr"}
MIN_CONFIDENCE = 0.70
MIN_LATIN_LETTERS = 6
# References are in no language: "c'est SSF-2025-02047" is too short to tell (the
# conversation keeps its language), not English because of "SSF".
NOT_WORDS = (APPLICATION_REFERENCE_ATTEMPT, APPOINTMENT_REFERENCE_IN_TEXT)


@lru_cache(maxsize=1)
def latin_detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*LINGUA_LANGUAGES).build()


def detect_language(text: str) -> str | None:
    """en, fr or ar when the message says so clearly enough; None otherwise."""
    if text.startswith("/"):  # a button payload or a command, not words
        return None
    for pattern in NOT_WORDS:
        text = pattern.sub(" ", text)
    arabic = len(ARABIC_LETTER.findall(text))
    latin = len(LATIN_LETTER.findall(text))
    # An Arabic sentence may carry long Latin names ("أضف Bob Klose إلى ..."): it is Arabic
    # when it opens in Arabic, or when Arabic letters are not far outnumbered.
    if arabic and (ARABIC_LETTER.match(text.lstrip()) or arabic >= latin / 2):
        return "ar"
    if len(ARABIZI_WORD.findall(text)) >= 1 and latin >= 3:
        return "ar"
    words = LATIN_WORD.findall(text.casefold())
    if words and sum(w in ARABIZI_WORDS for w in words) / len(words) >= ARABIZI_SHARE:
        return "ar"
    if latin < MIN_LATIN_LETTERS:
        return None
    best = latin_detector().compute_language_confidence_values(text)[0]
    return LINGUA_LANGUAGES[best.language] if best.value >= MIN_CONFIDENCE else None
