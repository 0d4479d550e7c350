"""Evaluate NLU pipelines on the regression sets in tests/nlu, per language, and compare them.

tests/nlu was written together with the training data, by the same hands: it measures what the
model remembers, not how it understands new citizens (scripts/evaluate_understanding.py does
that, on the independent dev set). Keep it as a regression set.

    .venv/bin/python scripts/evaluate_nlu.py                      # full report into docs/
    .venv/bin/python scripts/evaluate_nlu.py --model models/X.tar.gz --sample 5 --out /tmp/r

--model evaluates that trained model as config.yml's (no training); the other candidates are
trained only when named with --configs.

For each pipeline config: trains an NLU model on data/nlu (`rasa train nlu`), runs Rasa's own
`rasa test nlu` on tests/nlu/{en,fr,ar}.yml (reports, confusion matrices, histograms), and
parses the held-out sentences to measure what the citizen sees: the right service named (the
entity, else the registry's search, as the assistant does) and out-of-scope sentences answered
with the fallback. Writes the summary with per-language tables to <out>/regression-nlu.md,
and Rasa's reports, confusion matrices and a comparison plot under <out>/regression/. The held-out
sentences are never used for training.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from common.languages import LANGUAGES  # noqa: E402

HELD_OUT = PROJECT_DIR / "tests" / "nlu"
# The development out-of-scope sentences live beside the project, in shared/eval/.
SHARED_EVAL = Path(os.environ.get("CSA_SHARED_DIR", PROJECT_DIR.parent / "shared")) / "eval"
OUT_OF_SCOPE = {
    "en": SHARED_EVAL / "out_of_scope.en.txt",
    "ar": SHARED_EVAL / "out_of_scope.ar.txt",
    "fr": HELD_OUT / "oos_fr.txt",
}
FALLBACK_INTENTS = {"out_of_scope", "nlu_fallback"}
DEFAULT_CONFIGS = [
    PROJECT_DIR / "config.yml",
    PROJECT_DIR / "docs" / "pipelines" / "words-diet.yml",
    PROJECT_DIR / "docs" / "pipelines" / "chars-diet.yml",
]
COMPARISON_PLOT = "regression/comparison.png"
RASA = str(Path(sys.executable).parent / "rasa")
QUIET = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore"}


@dataclass
class LanguageScore:
    intent_macro_f1: float
    service_accuracy: float
    service_questions: int
    fallback_rate: float
    out_of_scope: int
    # The cost of a high fallback threshold: in-scope sentences that get the fallback.
    in_scope_fallback_rate: float


@dataclass
class PipelineResult:
    name: str
    config: Path
    training_seconds: float | None
    scores: dict[str, LanguageScore] = field(default_factory=dict)


def held_out_set(lang: str, sample: int | None, work: Path) -> Path:
    """The held-out file for lang, or a small sample of it (first examples of each intent)."""
    source = HELD_OUT / f"{lang}.yml"
    if sample is None:
        return source
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(source))
    by_intent: dict[str, list[Any]] = {}
    for example in data.training_examples:
        by_intent.setdefault(example.get("intent"), []).append(example)
    kept = [e for examples in by_intent.values() for e in examples[:sample]]
    from rasa.shared.nlu.training_data.training_data import TrainingData

    target = work / f"sample-{lang}.yml"
    target.write_text(TrainingData(kept).nlu_as_yaml(), encoding="utf-8")
    return target


def out_of_scope_sentences(lang: str, sample: int | None = None) -> list[str]:
    path = OUT_OF_SCOPE[lang]
    if not path.exists():
        raise SystemExit(f"{path} not found: set CSA_SHARED_DIR to the folder holding eval/")
    lines = path.read_text(encoding="utf-8").splitlines()
    sentences = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return sentences[:sample] if sample else sentences


def train(config: Path, work: Path) -> tuple[Path, float]:
    started = time.monotonic()
    subprocess.run(
        [
            RASA,
            "train",
            "nlu",
            "--config",
            str(config),
            "--nlu",
            "data/nlu",
            "--out",
            str(work),
            "--fixed-model-name",
            config.stem,
            "--quiet",
        ],
        cwd=PROJECT_DIR,
        env=QUIET,
        check=True,
    )
    return work / f"{config.stem}.tar.gz", time.monotonic() - started


def rasa_test(model: Path, data: Path, out: Path) -> dict[str, Any]:
    subprocess.run(
        [
            RASA,
            "test",
            "nlu",
            "--model",
            str(model),
            "--nlu",
            str(data),
            "--out",
            str(out),
            "--quiet",
        ],
        cwd=PROJECT_DIR,
        env=QUIET,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return json.loads((out / "intent_report.json").read_text())


async def parse_all(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def named_service(parse: dict[str, Any], catalogue: Any) -> str | None:
    """The service the assistant would take: a known entity value, else a confident search."""
    from actions.services import CONFIDENT_MATCH

    for entity in parse.get("entities", []):
        if entity.get("entity") == "service":
            value = str(entity.get("value"))
            if value in catalogue.services:
                return value
            matches = catalogue.search_services(value)
            if matches:
                return matches[0][0]
    matches = catalogue.search_services(parse.get("text", ""))
    return matches[0][0] if matches and matches[0][1] >= CONFIDENT_MATCH else None


def evaluate(model: Path, lang: str, data: Path, out: Path, sample: int | None) -> LanguageScore:
    from rasa.shared.nlu.training_data.loading import load_data

    from registry.catalogue import Catalogue
    from registry.config import CATALOGUE_DIR

    report = rasa_test(model, data, out)
    in_scope = load_data(str(data)).training_examples
    oos = out_of_scope_sentences(lang, sample)
    parses = asyncio.run(parse_all(model, [e.get("text") for e in in_scope] + oos))
    in_scope_parses, oos_parses = parses[: len(in_scope)], parses[len(in_scope) :]
    # Service questions: the held-out sentences that name a service.
    examples = [
        (parse, next(x["value"] for x in e.get("entities") if x["entity"] == "service"))
        for e, parse in zip(in_scope, in_scope_parses, strict=True)
        if any(x["entity"] == "service" for x in e.get("entities") or [])
    ]
    catalogue = Catalogue.load(CATALOGUE_DIR)
    right = sum(named_service(parse, catalogue) == expected for parse, expected in examples)
    fallbacks = sum(p["intent"]["name"] in FALLBACK_INTENTS for p in oos_parses)
    wrongly_fallen_back = sum(
        p["intent"]["name"] in FALLBACK_INTENTS
        for e, p in zip(in_scope, in_scope_parses, strict=True)
        if e.get("intent") not in FALLBACK_INTENTS
    )
    return LanguageScore(
        intent_macro_f1=report["macro avg"]["f1-score"],
        service_accuracy=right / len(examples) if examples else 0.0,
        service_questions=len(examples),
        fallback_rate=fallbacks / len(oos) if oos else 0.0,
        out_of_scope=len(oos),
        in_scope_fallback_rate=wrongly_fallen_back / len(in_scope) if in_scope else 0.0,
    )


def plot(results: list[PipelineResult], target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [
        ("intent_macro_f1", "intent macro-F1"),
        ("service_accuracy", "right service"),
        ("fallback_rate", "out-of-scope → fallback"),
    ]
    figure, axes = plt.subplots(1, len(metrics), figsize=(14, 4), sharey=True)
    width = 0.8 / len(results)
    for axis, (key, title) in zip(axes, metrics, strict=True):
        for index, result in enumerate(results):
            values = [getattr(result.scores[lang], key) for lang in LANGUAGES]
            positions = [n + index * width for n in range(len(LANGUAGES))]
            axis.bar(positions, values, width, label=result.name)
        axis.axhline(0.9, color="grey", linestyle="--", linewidth=1)
        axis.set_xticks([n + width * (len(results) - 1) / 2 for n in range(len(LANGUAGES))])
        axis.set_xticklabels(LANGUAGES)
        axis.set_title(title)
        axis.set_ylim(0, 1)
    axes[0].legend(loc="lower left", fontsize=8)
    figure.tight_layout()
    figure.savefig(target, dpi=120)


def report(results: list[PipelineResult], out: Path, command: str, sample: int | None) -> str:
    """The summary, written to <out>/regression-nlu.md; what it links to is in <out>/regression/."""
    lines = [
        "# NLU regression sets (tests/nlu, written with the training data)",
        "",
        f"Command: `{command}`  ",
        f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        + (f" (sample of {sample} per intent)" if sample else ""),
        "",
        "Held-out sets: `tests/nlu/{en,fr,ar}.yml` (written apart from the training data, with "
        "different phrasing); out-of-scope: `../shared/eval/out_of_scope.{en,ar}.txt` and "
        "`tests/nlu/oos_fr.txt`. None of them is used for training.",
        "",
        "- intent macro-F1: from Rasa's `rasa test nlu` (`intent_report.json`, macro avg; Rasa "
        "scores the classifier's own intent, before the fallback threshold)",
        "- right service: share of in-scope service questions where the assistant takes the "
        "right service (the `service` entity, else the registry's spelling-tolerant search)",
        "- fallback: share of out-of-scope sentences classified `out_of_scope` or "
        "`nlu_fallback`, which the assistant answers with its fallback",
        "- in-scope → fallback: share of in-scope held-out sentences that get the fallback "
        "instead (the price of the fallback threshold)",
        "",
        "Method notes: the fallback threshold (0.55 in every pipeline) was chosen on these same "
        "out-of-scope sentences, which are development data, so their fallback rates are "
        "optimistic for questions nobody has seen. No spaCy pipeline is compared: the pretrained "
        "spaCy pipelines this machine's registry offers (French only, none for Arabic) need "
        "spaCy 3.8, which cannot share a process with Rasa 3.6; a blank spaCy tokenizer "
        "(spaCy 3.4, no vectors) was not tried.",
        "",
        f"![comparison]({COMPARISON_PLOT})",
        "",
    ]
    for result in results:
        seconds = f"{result.training_seconds:.0f} s" if result.training_seconds else "not measured"
        lines += [
            f"## {result.name} (`{result.config.relative_to(PROJECT_DIR)}`), training {seconds}",
            "",
            "| language | intent macro-F1 | right service | service questions | fallback | "
            "out-of-scope sentences | in-scope → fallback |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for lang in LANGUAGES:
            s = result.scores[lang]
            lines.append(
                f"| {lang} | {s.intent_macro_f1:.3f} | {s.service_accuracy:.1%} | "
                f"{s.service_questions} | {s.fallback_rate:.1%} | {s.out_of_scope} | "
                f"{s.in_scope_fallback_rate:.1%} |"
            )
        lines += [
            "",
            "Confusion matrices: "
            + ", ".join(
                f"[{lang}](regression/{result.name}/{lang}/intent_confusion_matrix.png)"
                for lang in LANGUAGES
            ),
            "",
        ]
    text = "\n".join(lines)
    (out / "regression-nlu.md").write_text(text + "\n", encoding="utf-8")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--configs", nargs="+", type=Path, help="pipeline configs to compare")
    parser.add_argument("--model", type=Path, help="a trained model of config.yml to reuse")
    parser.add_argument("--sample", type=int, help="only this many examples per intent")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "docs")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    command = " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        default = [PROJECT_DIR / "config.yml"] if args.model else DEFAULT_CONFIGS
        for config in [path.resolve() for path in args.configs or default]:
            name = config.stem
            result_dir = args.out / "regression" / config.stem
            shutil.rmtree(result_dir, ignore_errors=True)
            if args.model and config == PROJECT_DIR / "config.yml":
                model, seconds = args.model, None
            else:
                model, seconds = train(config, work)
            result = PipelineResult(name, config, seconds)
            for lang in LANGUAGES:
                data = held_out_set(lang, args.sample, work)
                result.scores[lang] = evaluate(model, lang, data, result_dir / lang, args.sample)
            results.append(result)
            print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in result.scores.items()), flush=True)
    plot(results, args.out / COMPARISON_PLOT)
    print(report(results, args.out, command, args.sample))


if __name__ == "__main__":
    main()
