"""Compare candidate feature sets of the catalogue recogniser (a longer run).

    .venv/bin/python scripts/compare_recognisers.py --groups 6   # docs/recogniser-candidates.md
    .venv/bin/python scripts/compare_recognisers.py             # each voice held out (slower)
    .venv/bin/python scripts/compare_recognisers.py --candidates lexical use-0.5

Two measurements for each candidate, both on sentences its training never saw:
- leave one voice out: the training data in data/nlu/voices/ was written in several voices,
  from different briefs; each voice in turn is held out, the recogniser trained on the rest
  (and the other NLU files and the catalogue) and tested on it. This is how well it carries
  over to a writer it has never read; thresholds are chosen on it, never on the dev set.
- the dev set (../shared/eval), with the recogniser alone (argmax, then the decision's
  thresholds; no Rasa intent): for comparison only.

Candidates: lexical (character and word TF-IDF), plus multilingual sentence embeddings (USE or
E5, at a weight), plus spaCy steps (lookup lemmas for French and English, a PhraseMatcher over
the catalogue's names in three languages), each added to the kept embedding.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

import numpy as np  # noqa: E402
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader  # noqa: E402
from scipy import sparse  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402

from common.languages import LANGUAGES  # noqa: E402
from language import recogniser as recogniser_module  # noqa: E402
from language.decision import Thresholds  # noqa: E402
from language.detection import detect_language  # noqa: E402
from language.recogniser import (  # noqa: E402
    OTHER,
    OUT_OF_SCOPE,
    Example,
    Recogniser,
    RecogniserConfig,
    feature_text,
)
from language.training_examples import catalogue_examples, nlu_example  # noqa: E402
from registry.config import CATALOGUE_DIR  # noqa: E402

DATA = PROJECT_DIR / "data" / "nlu"
CATALOGUE = CATALOGUE_DIR
SHARED_EVAL = PROJECT_DIR.parent / "shared" / "eval"
THRESHOLD = Thresholds().service


def read_examples(paths: list[Path]) -> list[Example]:
    examples = []
    for path in paths:
        for message in RasaYAMLReader().read(path).training_examples:
            if message.get("intent"):
                examples.append(
                    nlu_example(
                        message.get("text"),
                        message.get("intent"),
                        message.get("entities") or [],
                        message.get("metadata"),
                    )
                )
    return examples


# Candidates ---------------------------------------------------------------------------------


class CachedEmbedder:
    """Each sentence embedded once for all the folds of a run."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.size, self.cache = inner, inner.size, {}

    def embed(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            self.cache.update(zip(missing, self.inner.embed(missing), strict=True))
        return np.stack([self.cache[t] for t in texts])


_embedders: dict[str, CachedEmbedder] = {}
_load_embedder = recogniser_module.load_embedder


def cached_load_embedder(name: str) -> CachedEmbedder | None:
    if name not in _embedders:
        inner = _load_embedder(name)
        if inner is None:
            return None
        _embedders[name] = CachedEmbedder(inner)
    return _embedders[name]


recogniser_module.load_embedder = cached_load_embedder  # type: ignore[assignment]


class SpacySteps:
    """spaCy's lookup lemmas (French, English) and a PhraseMatcher over the catalogue's names,
    as words of a third TF-IDF block."""

    def __init__(self, lemmas: bool, phrases: bool) -> None:
        import spacy
        import yaml
        from spacy.matcher import PhraseMatcher

        self.lemmas, self.phrases = lemmas, phrases
        self.pipelines = {}
        for lang in ("fr", "en"):
            nlp = spacy.blank(lang)
            nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
            nlp.initialize()
            self.pipelines[lang] = nlp
        self.blank = spacy.blank("xx")
        self.matcher = PhraseMatcher(self.blank.vocab)
        records = [
            yaml.safe_load(p.read_text("utf-8")) for p in (CATALOGUE / "services").glob("*.yml")
        ]
        records += yaml.safe_load((CATALOGUE / "life_events.yml").read_text("utf-8"))
        for record in records:
            names = [*record["title"].values()]
            names += [w for words in record.get("keywords", {}).values() for w in words]
            self.matcher.add(
                "cat_" + record["identifier"].replace("-", "_"),
                [self.blank.make_doc(feature_text(n)) for n in names],
            )

    def words(self, text: str) -> str:
        words = []
        lang = detect_language(text)
        if self.lemmas and lang in self.pipelines:
            words += [t.lemma_.lower() for t in self.pipelines[lang](text) if not t.is_punct]
        if self.phrases:
            found = self.matcher(self.blank.make_doc(feature_text(text)))
            words += sorted({self.blank.vocab.strings[match] for match, _, _ in found})
        return " ".join(words) or "_"


class SpacyRecogniser(Recogniser):
    steps: SpacySteps | None = None

    def fit(self, examples: Any) -> Recogniser:
        assert self.steps is not None
        texts = [self.steps.words(e.text) for e in examples]
        self.spacy_vectoriser = TfidfVectorizer(
            analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"\S+"
        ).fit(texts)
        return super().fit(examples)

    def features(self, texts: Any) -> sparse.csr_matrix:
        base = super().features(texts)
        if not hasattr(self, "spacy_vectoriser"):
            return base
        extra = self.spacy_vectoriser.transform([self.steps.words(t) for t in texts])  # type: ignore[union-attr]
        return sparse.hstack([base, extra], format="csr")


@dataclass(frozen=True)
class Candidate:
    name: str
    make: Callable[[], Recogniser]


def candidates() -> dict[str, Candidate]:
    def plain(embedder: str | None, weight: float = 0.5) -> Callable[[], Recogniser]:
        return lambda: Recogniser(RecogniserConfig(embedder=embedder, embedding_weight=weight))

    def with_spacy(lemmas: bool, phrases: bool) -> Callable[[], Recogniser]:
        loaded: list[SpacySteps] = []  # loaded once, when the candidate first runs

        def make() -> Recogniser:
            if not loaded:
                loaded.append(SpacySteps(lemmas, phrases))
            recogniser = SpacyRecogniser(RecogniserConfig(embedder="use", embedding_weight=0.5))
            recogniser.steps = loaded[0]
            return recogniser

        return make

    found = {
        "lexical": Candidate("lexical (character and word TF-IDF)", plain(None)),
        "use-0.5": Candidate("lexical + USE multilingual, weight 0.5", plain("use", 0.5)),
        "use-1": Candidate("lexical + USE multilingual, weight 1", plain("use", 1.0)),
        "e5-0.5": Candidate("lexical + multilingual-e5-small, weight 0.5", plain("e5", 0.5)),
    }
    found["spacy-lemmas"] = Candidate(
        "lexical + USE 0.5 + spaCy lookup lemmas (fr, en)", with_spacy(True, False)
    )
    found["spacy-phrases"] = Candidate(
        "lexical + USE 0.5 + spaCy PhraseMatcher over catalogue names", with_spacy(False, True)
    )
    return found


# Scoring ------------------------------------------------------------------------------------


def predicted(recognition: Any) -> str:
    target, probability = recognition.targets[0]
    if target == OUT_OF_SCOPE or target.startswith(OTHER) or probability < THRESHOLD:
        return "fallback"
    return target


def score(rows: list[tuple[str, str, str | None, Any]]) -> dict[str, Counter[str]]:
    """rows: (language, expected target, expected topic, recognition)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for lang, expected, topic, recognition in rows:
        c = counts[lang]
        guess = predicted(recognition)
        if expected == OUT_OF_SCOPE:
            c["oos"] += 1
            c["oos_ok"] += guess == "fallback"
            continue
        c["in"] += 1
        c["in_ok"] += guess == expected
        c["in_fallback"] += guess == "fallback"
        if topic and expected.startswith("service:"):
            c["topic"] += 1
            c["topic_ok"] += guess == expected and recognition.topics[0][0] == topic
    return counts


def leave_one_voice_out(
    candidate: Candidate, groups: int | None = None
) -> tuple[dict[str, Counter[str]], float]:
    """Each voice held out in turn; with groups, that many folds of voices (faster)."""
    files = sorted(DATA.rglob("*.yml"))
    voices = sorted({p.relative_to(DATA / "voices").parts[0] for p in files if "voices" in p.parts})
    folds = [voices[i::groups] for i in range(groups)] if groups else [[v] for v in voices]
    catalogue = catalogue_examples(CATALOGUE)
    rows = []
    started = time.monotonic()
    for fold in folds:
        voice = "+".join(fold)
        held = [p for p in files if "voices" in p.parts and set(p.parts) & set(fold)]
        train = read_examples([p for p in files if p not in held]) + catalogue
        test = read_examples(held)
        recogniser = candidate.make().fit(train)
        for example, recognition in zip(
            test, recogniser.recognise_many([e.text for e in test]), strict=True
        ):
            rows.append(
                (detect_language(example.text) or "en", example.target, example.topic, recognition)
            )
        print(f"  {voice}: {len(test)} sentences", flush=True)
    return score(rows), time.monotonic() - started


def dev_set(candidate: Candidate) -> dict[str, Counter[str]]:
    rows_text = (SHARED_EVAL / "dev_cases.tsv").read_text("utf-8").splitlines()[1:]
    cases = [row.split("\t", 2) for row in rows_text if row.strip()]
    recogniser = candidate.make().fit(
        read_examples(sorted(DATA.rglob("*.yml"))) + catalogue_examples(CATALOGUE)
    )
    recognitions = recogniser.recognise_many([text for _, _, text in cases])
    rows = []
    for (lang, expect, _), recognition in zip(cases, recognitions, strict=True):
        target, _, topic = expect.partition("/")
        rows.append((lang, OUT_OF_SCOPE if target == "oos" else target, topic or None, recognition))
    return score(rows)


def cells(counts: dict[str, Counter[str]]) -> list[str]:
    out = []
    for lang in LANGUAGES:
        c = counts.get(lang, Counter())

        def rate(right: str, total: str, c: Counter[str] = c) -> str:
            return f"{100 * c[right] / c[total]:.1f}" if c[total] else "–"

        out.append(
            f"{rate('in_ok', 'in')} / {rate('topic_ok', 'topic')} / "
            f"{rate('in_fallback', 'in')} / {rate('oos_ok', 'oos')}"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    available = candidates()
    parser.add_argument(
        "--candidates", nargs="+", choices=sorted(available), default=list(available)
    )
    parser.add_argument(
        "--out", type=Path, default=PROJECT_DIR / "docs" / "recogniser-candidates.md"
    )
    parser.add_argument(
        "--groups", type=int, help="hold out this many groups of voices instead of each voice"
    )
    args = parser.parse_args()
    lovo_lines, dev_lines = [], []
    for key in args.candidates:
        candidate = available[key]
        print(f"{candidate.name}: leave one voice out", flush=True)
        lovo, seconds = leave_one_voice_out(candidate, args.groups)
        lovo_lines.append(
            f"| {candidate.name} | " + " | ".join(cells(lovo)) + f" | {seconds / 60:.0f} min |"
        )
        print(f"{candidate.name}: dev set", flush=True)
        dev_lines.append(f"| {candidate.name} | " + " | ".join(cells(dev_set(candidate))) + " |")
    header = "| candidate | en | fr | ar |"
    text = [
        "# Catalogue recogniser: candidate features compared",
        "",
        f"Command: `python scripts/compare_recognisers.py {' '.join(sys.argv[1:])}`".rstrip()
        + f" ({date.today().isoformat()}).",
        "",
        "Each cell: right service or life event / right topic (where the sentence asks one) / "
        "in-scope sent to the fallback / out of scope sent to the fallback, in percent, with "
        f"the decision's threshold ({THRESHOLD}: the best service or life event at least this "
        "probable, otherwise the fallback; out of scope or another kind of request: the "
        "fallback). The recogniser alone, without Rasa's intent.",
        "",
        "## Leave one voice out (a writer the recogniser has never read)"
        + (f": the voices held out in {args.groups} groups" if args.groups else ""),
        "",
        header + " time |",
        "|---|---|---|---|---:|",
        *lovo_lines,
        "",
        "## Dev set (../shared/eval/dev_cases.tsv), the recogniser alone",
        "",
        header,
        "|---|---|---|---|",
        *dev_lines,
        "",
    ]
    args.out.write_text("\n".join(text), encoding="utf-8")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
