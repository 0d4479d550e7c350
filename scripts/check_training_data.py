"""Check NLU training files written for the whole-sentence recogniser.

    .venv/bin/python scripts/check_training_data.py data/nlu --eval-dir ../shared/eval tests/blind

Checks that each file is Rasa 3 NLU YAML, that every intent is one of the domain's, that a
`service` or `life_event` in an intent block's metadata names a catalogue identifier, and that
no sentence appears twice with different labels. With --eval-dir, also that no sentence is a
copy, a close variant or a paraphrase of a sentence of the evaluation sets, which must never be
trained on (see is_too_close). Prints a count per label and exits 1 on a problem, naming the
file and the example.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import yaml
from rapidfuzz import fuzz
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from language.embeddings import load_embedder  # noqa: E402
from language.normalise import normalise  # noqa: E402
from registry.config import CATALOGUE_DIR  # noqa: E402


def domain_intents() -> set[str]:
    intents: set[str] = set()
    for path in sorted((PROJECT_DIR / "domain").rglob("*.yml")):
        if path.exists():
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            intents.update(
                next(iter(i)) if isinstance(i, dict) else i for i in data.get("intents", [])
            )
    return intents


def catalogue_ids() -> tuple[set[str], set[str]]:
    services = {p.stem for p in (CATALOGUE_DIR / "services").glob("*.yml")}
    events = yaml.safe_load((CATALOGUE_DIR / "life_events.yml").read_text(encoding="utf-8"))
    return services, {e["identifier"] for e in events}


def label_of(data: dict) -> str:
    meta = (data.get("metadata") or {}).get("intent") or {}
    intent = data.get("intent")
    if meta.get("service"):
        return f"{intent} service:{meta['service']}"
    if meta.get("life_event"):
        return f"{intent} event:{meta['life_event']}"
    return str(intent)


# What "too close" means. Measured on this project's data (2026-12-07): a training sentence
# written by someone who had read an evaluation sentence reaches these similarities; sentences
# of different writers about the same service rarely do both. Short sentences are names
# ("passport fees"), which every writer shares: only their copies count.
MIN_PARAPHRASE_WORDS = 4
LEXICAL_CLOSE = 0.6  # cosine of character 2-4-gram TF-IDF vectors of the folded texts
SEMANTIC_CLOSE = 0.8  # cosine of multilingual sentence embeddings (USE)
SHORT_COPY = 90.0  # rapidfuzz ratio of the folded texts, 0-100
MIN_FLOW_WORDS = 3


def fold(text: str) -> str:
    """Lower case, Arabic normalised, without accents or punctuation: how two writers' spellings
    of one sentence are compared."""
    text = unicodedata.normalize("NFKD", normalise(text).casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    return re.sub(r"[^\w]+", " ", text).strip()


def evaluation_sentences(eval_dir: Path) -> list[str]:
    """Every sentence of an evaluation folder: the `text` column of its .tsv files, its
    out-of-scope lists, and what citizens say in its conversations."""
    sentences: list[str] = []
    for path in sorted(eval_dir.glob("*.tsv")):
        rows = path.read_text(encoding="utf-8").splitlines()
        column = rows[0].split("\t").index("text")
        sentences += [row.split("\t")[column] for row in rows[1:] if row.count("\t") >= column]
    for path in sorted(eval_dir.glob("out_of_scope.*.txt")):
        sentences += [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    # What citizens say in whole conversations, but for answers of a word or two ("yes", "5",
    # a city) that any training data has.
    for path in sorted(eval_dir.glob("*flows*.yml")):
        for conversation in yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]:
            said = [str(turn["say"]) for turn in conversation["turns"] if "say" in turn]
            sentences += [s for s in said if len(s.split()) >= MIN_FLOW_WORDS and "${" not in s]
    return [s for s in sentences if s.strip()]


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def too_close(texts: list[str], held_out: list[str]) -> list[str | None]:
    """For each training text, the reason it is too close to a held-out sentence, or None."""
    folded, folded_held_out = [fold(t) for t in texts], [fold(t) for t in held_out]
    # Weights learnt from the held-out sentences alone, so that a sentence's score does not move
    # when other training data is added (n-grams they lack weigh the most: they set it apart).
    ngrams = HashingVectorizer(
        analyzer="char_wb", ngram_range=(2, 4), alternate_sign=False, norm=None, n_features=2**20
    )
    weights = TfidfTransformer(sublinear_tf=True).fit(ngrams.transform(folded_held_out))
    held_out_ngrams = weights.transform(ngrams.transform(folded_held_out))
    lexical = (weights.transform(ngrams.transform(folded)) @ held_out_ngrams.T).max(axis=1)
    lexical = lexical.toarray().ravel()
    semantic = np.zeros(len(texts))
    embedder = load_embedder("use")
    if embedder is None:
        print("warning: no sentence embeddings here; paraphrases are checked by spelling only")
    else:
        held_out_vectors = _unit_rows(embedder.embed([normalise(t) for t in held_out]))
        for start in range(0, len(texts), 512):
            batch = _unit_rows(embedder.embed([normalise(t) for t in texts[start : start + 512]]))
            semantic[start : start + 512] = (batch @ held_out_vectors.T).max(axis=1)
    reasons: list[str | None] = []
    for i, text in enumerate(folded):
        if len(text.split()) < MIN_PARAPHRASE_WORDS:
            copy = max((fuzz.ratio(text, other) for other in folded_held_out), default=0)
            reasons.append(f"a copy ({copy:.0f}/100)" if copy >= SHORT_COPY else None)
        elif lexical[i] >= LEXICAL_CLOSE or semantic[i] >= SEMANTIC_CLOSE:
            reasons.append(
                f"a close variant (spelling {lexical[i]:.2f}, meaning {semantic[i]:.2f})"
            )
        else:
            reasons.append(None)
    return reasons


def check(paths: list[Path], eval_dirs: list[Path] | None = None) -> int:
    intents = domain_intents()
    services, events = catalogue_ids()
    problems: list[str] = []
    held_out = [s for eval_dir in eval_dirs or [] for s in evaluation_sentences(eval_dir)]
    checked: list[tuple[Path, str]] = []
    labels_of_text: dict[str, set[str]] = defaultdict(set)
    counts: Counter[str] = Counter()
    files = [f for p in paths for f in (sorted(p.rglob("*.yml")) if p.is_dir() else [p])]
    for path in files:
        try:
            data = RasaYAMLReader().read(path)
        except Exception as exc:
            problems.append(f"{path}: not valid Rasa NLU YAML: {exc}")
            continue
        for example in data.training_examples:
            text, intent = example.get("text"), example.get("intent")
            meta = (example.get("metadata") or {}).get("intent") or {}
            if intent not in intents:
                problems.append(f"{path}: unknown intent {intent!r} ({text!r})")
            if meta.get("service") and meta["service"] not in services:
                problems.append(f"{path}: unknown service {meta['service']!r} ({text!r})")
            if meta.get("life_event") and meta["life_event"] not in events:
                problems.append(f"{path}: unknown life event {meta['life_event']!r} ({text!r})")
            checked.append((path, text))
            label = label_of(example.data)
            labels_of_text[text.casefold().strip()].add(label)
            counts[label] += 1
    if held_out:
        reasons = too_close([text for _, text in checked], held_out)
        for (path, text), reason in zip(checked, reasons, strict=True):
            if reason:
                problems.append(f"{path}: {reason} of an evaluation sentence: {text!r}")
    for text, labels in labels_of_text.items():
        if len(labels) > 1:
            problems.append(f"the same sentence has several labels {sorted(labels)}: {text!r}")
    for label, count in sorted(counts.items()):
        print(f"{count:5d}  {label}")
    print(f"{sum(counts.values())} examples in {len(files)} files")
    for problem in problems:
        print("problem:", problem, file=sys.stderr)
    return 1 if problems else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument(
        "--eval-dir",
        type=Path,
        nargs="+",
        help="folders of evaluation sets, never trained on (../shared/eval tests/blind)",
    )
    args = parser.parse_args()
    sys.exit(check(args.paths, args.eval_dir))


if __name__ == "__main__":
    main()
