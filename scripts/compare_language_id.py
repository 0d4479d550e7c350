"""Compare language identification libraries on this project's held-out sentences.

    .venv/bin/python scripts/compare_language_id.py    # writes docs/language-identification.md

Candidates: lingua (restricted to en/fr/ar), langid.py (restricted), langdetect, and the
project's detector (language/detection.py: Arabic by script and Arabizi spelling, lingua for
English vs French, no answer when unsure). A "no answer" keeps the conversation's language,
so it is counted apart from a wrong answer.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from rasa.shared.nlu.training_data.loading import load_data  # noqa: E402

from common.languages import LANGUAGES  # noqa: E402
from language.detection import detect_language  # noqa: E402
from scripts.evaluate_nlu import HELD_OUT, out_of_scope_sentences  # noqa: E402


def sentences(lang: str) -> list[str]:
    held_out = load_data(str(HELD_OUT / f"{lang}.yml")).training_examples
    return [e.get("text") for e in held_out] + out_of_scope_sentences(lang)


def candidates() -> dict[str, Callable[[str], str | None]]:
    import langdetect
    import langid
    from lingua import Language, LanguageDetectorBuilder

    lingua = LanguageDetectorBuilder.from_languages(
        Language.ENGLISH, Language.FRENCH, Language.ARABIC
    ).build()
    codes = {Language.ENGLISH: "en", Language.FRENCH: "fr", Language.ARABIC: "ar"}
    identifier = langid.langid.LanguageIdentifier.from_modelstring(
        langid.langid.model, norm_probs=True
    )
    identifier.set_languages(list(LANGUAGES))
    langdetect.DetectorFactory.seed = 0

    def with_langdetect(text: str) -> str | None:
        try:
            return langdetect.detect(text)
        except langdetect.LangDetectException:
            return None

    def with_lingua(text: str) -> str | None:
        found = lingua.detect_language_of(text)
        return codes.get(found) if found else None

    return {
        "project detector (script + Arabizi + lingua en/fr)": detect_language,
        "lingua 2.1 (en/fr/ar)": with_lingua,
        "langid.py 1.1.6 (en/fr/ar)": lambda text: identifier.classify(text)[0],
        "langdetect 1.0.9 (all languages)": with_langdetect,
    }


def main() -> None:
    data = {lang: sentences(lang) for lang in LANGUAGES}
    rows = []
    for name, detect in candidates().items():
        started = time.perf_counter()
        cells = []
        for lang in LANGUAGES:
            answers = [detect(text) for text in data[lang]]
            right = sum(a == lang for a in answers)
            unsure = sum(a is None for a in answers)
            wrong = len(answers) - right - unsure
            cells.append(f"{right / len(answers):.1%} ({wrong} wrong, {unsure} unsure)")
        total = sum(len(v) for v in data.values())
        per_ms = (time.perf_counter() - started) * 1000 / total
        rows.append(f"| {name} | " + " | ".join(cells) + f" | {per_ms:.2f} |")
    counts = ", ".join(f"{lang} {len(texts)}" for lang, texts in data.items())
    text = "\n".join(
        [
            "# Language identification: candidates compared",
            "",
            "Command: `.venv/bin/python scripts/compare_language_id.py`  ",
            f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
            "",
            "Sentences: the held-out sets `tests/nlu/*.yml` and the out-of-scope files "
            f"({counts}).",
            "Each cell: share identified right (wrong answers, no answer). A wrong answer switches",
            "the reply language; no answer keeps the conversation's language.",
            "",
            "| candidate | en | fr | ar | ms per sentence |",
            "|---|---|---|---|---:|",
            *rows,
            "",
        ]
    )
    (PROJECT_DIR / "docs" / "language-identification.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
