"""Check NLU training files written for the whole-sentence recogniser.

    .venv/bin/python scripts/check_training_data.py data/nlu/voices/some-voice/

Checks that each file is Rasa 3 NLU YAML, that every intent is one of the domain's, that a
`service` or `life_event` in an intent block's metadata names a catalogue identifier, and that
no sentence appears twice with different labels. With --eval-dir, also that no sentence is a
copy or a close variant (similarity 85/100 or more) of a sentence of the independent evaluation
sets, which must never be trained on. Prints a count per label and exits 1 on a problem,
naming the file and the example.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

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


CLOSE_VARIANT = 85.0  # rapidfuzz ratio, 0-100
MIN_FLOW_WORDS = 3


def evaluation_sentences(eval_dir: Path) -> list[str]:
    sentences = [
        row.split("\t", 2)[2]
        for row in (eval_dir / "dev_cases.tsv").read_text(encoding="utf-8").splitlines()[1:]
        if row.count("\t") >= 2
    ]
    for path in sorted(eval_dir.glob("out_of_scope.*.txt")):
        sentences += [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    # What citizens say in the whole conversations (dev_flows.yml and any other flows file),
    # but for answers of a word or two ("yes", "5", a city) that any training data has.
    for path in sorted(eval_dir.glob("*flows*.yml")):
        for conversation in yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]:
            said = [str(turn["say"]) for turn in conversation["turns"] if "say" in turn]
            sentences += [s for s in said if len(s.split()) >= MIN_FLOW_WORDS and "${" not in s]
    return [s.casefold() for s in sentences if s]


def check(paths: list[Path], eval_dir: Path | None = None) -> int:
    intents = domain_intents()
    services, events = catalogue_ids()
    problems: list[str] = []
    held_out = evaluation_sentences(eval_dir) if eval_dir else []
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
            if held_out:
                close = process.extractOne(
                    text.casefold(), held_out, scorer=fuzz.ratio, score_cutoff=CLOSE_VARIANT
                )
                if close:
                    problems.append(f"{path}: too close to an evaluation sentence: {text!r}")
            label = label_of(example.data)
            labels_of_text[text.casefold().strip()].add(label)
            counts[label] += 1
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
    parser.add_argument("--eval-dir", type=Path, help="the evaluation sets (../shared/eval)")
    args = parser.parse_args()
    sys.exit(check(args.paths, args.eval_dir))


if __name__ == "__main__":
    main()
