"""How well the assistant understands citizens it was not trained on: the independent dev set
(../shared/eval/dev_cases.tsv and the out-of-scope files) and the blind set (tests/blind/),
through the whole running assistant.

    .venv/bin/python scripts/evaluate_understanding.py                 # report into docs/
    .venv/bin/python scripts/evaluate_understanding.py --limit 30 --out /tmp/report
    .venv/bin/python scripts/evaluate_understanding.py --baseline-config docs/pipelines/previous.yml

Starts the stack (registry, action server, Rasa server) on free ports with the newest model in
models/ (or --model), and sends every question as the first message of a fresh conversation
through Rasa's REST webhook, as a citizen would. The answer contract of the reply says what was
understood: `service_id` and `topic`, `life_event`, or `fallback`. Per language it reports the
right service, the right topic (where the question asks one), the right life event, the
out-of-scope questions sent to the fallback and the in-scope ones sent there, with confusion
images; and the NLU parse latency (p50, p95, Rasa's /model/parse) and the Rasa server's memory.
With --baseline-config, a model of that pipeline is trained and measured the same way in the
same run, side by side. Neither set is ever trained on (scripts/check_training_data.py).
The report ends with the per-category table of the whole conversations that
scripts/evaluate_flows.py last wrote into the same folder (flows.md).

Two sets, because one measured often stops measuring: decisions tuned while looking at the dev
set's mistakes make it optimistic. The blind set was written by writers who had read neither
the training data nor the dev set, and nothing is tuned on it: it is the check on the dev set.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from common.languages import LANGUAGES  # noqa: E402
from common.processes import Supervisor, free_port  # noqa: E402
from common.rasa_rest import send  # noqa: E402

SHARED_EVAL = Path(os.environ.get("CSA_SHARED_DIR", PROJECT_DIR.parent / "shared")) / "eval"
BLIND_DIR = PROJECT_DIR / "tests" / "blind"
DEV, BLIND = "dev set", "blind set"
OUT_OF_SCOPE_FILES = {"en": "out_of_scope.en.txt", "ar": "out_of_scope.ar.txt"}
RASA = str(Path(sys.executable).parent / "rasa")
QUIET = {"TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore", "RASA_TELEMETRY_ENABLED": "false"}
LATENCY_SAMPLE = 200


@dataclass(frozen=True)
class Case:
    lang: str
    expect: str  # service:<id>[/<topic>], event:<id> or oos
    text: str
    source: str  # the file the question comes from

    @property
    def kind(self) -> str:
        return self.expect.split(":")[0]

    @property
    def question_set(self) -> str:
        return BLIND if self.source.startswith("blind") else DEV

    @property
    def from_an_out_of_scope_file(self) -> bool:
        return self.source.startswith("out_of_scope")


@dataclass
class Answer:
    understood: str  # service:<id>, event:<id>, fallback, or none (another kind of reply)
    topic: str | None = None


def tsv_cases(path: Path, source: str) -> list[Case]:
    rows = path.read_text(encoding="utf-8").splitlines()[1:]  # lang, expect, text
    return [Case(*row.split("\t", 2), source=source) for row in rows if row.strip()]


def read_cases(limit: int | None) -> list[Case]:
    if not (SHARED_EVAL / "dev_cases.tsv").exists():
        raise SystemExit(f"no dev set at {SHARED_EVAL} (set CSA_SHARED_DIR)")
    cases = tsv_cases(SHARED_EVAL / "dev_cases.tsv", "dev_cases")
    for lang, name in OUT_OF_SCOPE_FILES.items():
        lines = (SHARED_EVAL / name).read_text(encoding="utf-8").splitlines()
        cases += [Case(lang, "oos", line.strip(), name) for line in lines if line.strip()]
    for path in sorted(BLIND_DIR.glob("*.tsv")):
        cases += tsv_cases(path, f"blind/{path.name}")
    if limit:
        # The first `limit` of each language and source, so a sample covers every kind.
        seen: Counter[tuple[str, str]] = Counter()
        sample = []
        for case in cases:
            if seen[case.lang, case.source] < limit:
                seen[case.lang, case.source] += 1
                sample.append(case)
        cases = sample
    return cases


# The assistant, running --------------------------------------------------------------------


def http_json(url: str, body: Any | None = None, timeout: float = 60) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


@dataclass
class RunningAssistant:
    supervisor: Supervisor | None  # None: a stack started elsewhere
    rasa_url: str
    token: str
    registry_url: str = ""
    registry_token: str = field(default="", repr=False)

    def answer(self, case: Case, sender: str) -> Answer:
        replies = send(self.rasa_url, sender, case.text)
        for payload in (r["custom"] for r in replies if isinstance(r.get("custom"), dict)):
            if payload.get("service_id"):
                return Answer(f"service:{payload['service_id']}", payload.get("topic"))
            if payload.get("life_event"):
                return Answer(f"event:{payload['life_event']}")
            if payload.get("fallback"):
                return Answer("fallback")
        return Answer("none")

    def parse_latencies(self, texts: list[str]) -> list[float]:
        url = f"{self.rasa_url}/model/parse?token={self.token}"
        milliseconds = []
        for text in texts:
            started = time.perf_counter()
            http_json(url, {"text": text})
            milliseconds.append((time.perf_counter() - started) * 1000)
        return milliseconds

    def rasa_memory_mb(self) -> float:
        import psutil

        if self.supervisor is None:
            return float("nan")
        rasa = next(m for m in self.supervisor.managed if m.service.name == "rasa")
        process = psutil.Process(rasa.process.pid)
        processes = [process, *process.children(recursive=True)]
        return sum(p.memory_info().rss for p in processes) / 2**20


def newest_model() -> Path:
    models = list((PROJECT_DIR / "models").glob("*.tar.gz"))
    if not models:
        raise SystemExit("no model in models/: train one (rasa train --domain domain)")
    return max(models, key=lambda p: p.stat().st_mtime)


def start_assistant(model: Path, work: Path) -> RunningAssistant:
    """Registry, action server and Rasa server on free ports, with a fresh database."""
    from bot.settings import StackSettings
    from bot.stack import inherited_environment, services

    ports = {name: str(free_port()) for name in ("REGISTRY_PORT", "ACTIONS_PORT", "RASA_PORT")}
    os.environ.update({**ports, "DEMO_PORT": str(free_port()), "CSA_VAR_DIR": str(work / "var")})
    os.environ["CSA_MODELS_DIR"] = str(model)
    settings = StackSettings.from_env()
    supervisor = Supervisor(PROJECT_DIR, work / "logs", inherited_environment(), say=print)
    for service in services(settings):
        if service.name in ("registry", "actions", "rasa"):
            supervisor.start(service)
    return RunningAssistant(
        supervisor,
        settings.rasa_url,
        settings.rasa_api_token,
        settings.registry_url,
        settings.registry_token,
    )


def train(config: Path, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            RASA,
            "train",
            "--config",
            str(config),
            "--domain",
            "domain",
            "--out",
            str(out),
            "--quiet",
        ],
        cwd=PROJECT_DIR,
        env={**os.environ, **QUIET},
        check=True,
    )
    return max(out.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)


# Scores -------------------------------------------------------------------------------------


@dataclass
class LanguageScores:
    counts: Counter[str] = field(default_factory=Counter)
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, case: Case, answer: Answer) -> None:
        c = self.counts
        expected = case.expect.split("/")[0]
        understood = "fallback" if answer.understood == "fallback" else answer.understood
        if case.kind == "oos":
            key = "oos_files" if case.from_an_out_of_scope_file else "oos"
            c[key] += 1
            c[f"{key}_to_fallback"] += understood == "fallback"
            self.confusion[("oos", understood)] += 1
            return
        c["in_scope"] += 1
        c["in_scope_to_fallback"] += understood == "fallback"
        self.confusion[(expected, understood)] += 1
        if case.kind == "service":
            c["service"] += 1
            c["service_right"] += understood == expected
            if "/" in case.expect:
                c["topic"] += 1
                topic = case.expect.split("/")[1]
                c["topic_right"] += understood == expected and answer.topic == topic
        elif case.kind == "event":
            c["event"] += 1
            c["event_right"] += understood == expected

    def rate(self, right: str, total: str) -> float | None:
        return self.counts[right] / self.counts[total] if self.counts[total] else None


@dataclass
class Run:
    name: str
    scores: dict[str, dict[str, LanguageScores]]  # question set -> language -> scores
    latency_ms: list[float]
    memory_mb: float
    seconds: float
    failures: list[tuple[Case, Answer]]


def measure(
    name: str, model: Path, cases: list[Case], work: Path, running: RunningAssistant | None = None
) -> Run:
    started = time.monotonic()
    assistant = running or start_assistant(model, work)
    try:
        scores: dict[str, dict[str, LanguageScores]] = defaultdict(
            lambda: defaultdict(LanguageScores)
        )
        failures = []
        for n, case in enumerate(cases):
            answer = assistant.answer(case, f"eval-{secrets.token_hex(6)}-{n}")
            scores[case.question_set][case.lang].add(case, answer)
            if not is_right(case, answer):
                failures.append((case, answer))
        step = max(1, len(cases) // LATENCY_SAMPLE)  # spread over the languages and kinds
        latency = assistant.parse_latencies([c.text for c in cases[::step][:LATENCY_SAMPLE]])
        memory = assistant.rasa_memory_mb()
    finally:
        if assistant.supervisor is not None:
            assistant.supervisor.stop()
    return Run(
        name,
        {k: dict(v) for k, v in scores.items()},
        latency,
        memory,
        time.monotonic() - started,
        failures,
    )


def is_right(case: Case, answer: Answer) -> bool:
    if case.kind == "oos":
        return answer.understood == "fallback"
    expected, _, topic = case.expect.partition("/")
    return answer.understood == expected and (not topic or answer.topic == topic)


# Report -------------------------------------------------------------------------------------

TARGETS = {
    "service": ("service_right", "service", 0.92, "≥"),
    "topic": ("topic_right", "topic", 0.90, "≥"),
    "life event": ("event_right", "event", 0.90, "≥"),
    "out of scope → fallback": ("oos_to_fallback", "oos", 0.92, "≥"),
    "in-scope → fallback": ("in_scope_to_fallback", "in_scope", 0.05, "≤"),
    "out-of-scope files → fallback": ("oos_files_to_fallback", "oos_files", 0.92, "≥"),
}


def percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def scores_table(run: Run, question_set: str = DEV) -> list[str]:
    lines = [
        "| language | " + " | ".join(TARGETS) + " | questions |",
        "|---|" + "---:|" * (len(TARGETS) + 1),
    ]
    for lang in LANGUAGES:
        s = run.scores.get(question_set, {}).get(lang)
        if s is None:
            continue
        cells = [percent(s.rate(right, total)) for right, total, _, _ in TARGETS.values()]
        questions = s.counts["in_scope"] + s.counts["oos"] + s.counts["oos_files"]
        lines.append(f"| {lang} | " + " | ".join(cells) + f" | {questions} |")
    targets = [f"{sign} {100 * target:.0f}%" for _, _, target, sign in TARGETS.values()]
    lines.append("| target | " + " | ".join(targets) + " | |")
    return lines


def gaps(run: Run, question_set: str = DEV) -> list[str]:
    """Each target missed, by how much."""
    missed = []
    scores = run.scores.get(question_set, {})
    for lang in LANGUAGES:
        s = scores.get(lang)
        if s is None:
            continue
        for label, (right, total, target, sign) in TARGETS.items():
            value = s.rate(right, total)
            if value is None:
                continue
            short = target - value if sign == "≥" else value - target
            if short > 0:
                missed.append(f"{lang} {label}: {percent(value)}, {100 * short:.1f} points short")
    english = scores.get("en")
    arabic = scores.get("ar")
    if english and arabic:
        behind = english.rate("service_right", "service") - arabic.rate("service_right", "service")
        if behind > 0.03:
            missed.append(f"Arabic right service {100 * behind:.1f} points behind English (≤ 3)")
    return missed


def latency_line(run: Run) -> str:
    ordered = sorted(run.latency_ms)
    p95 = ordered[int(0.95 * (len(ordered) - 1))] if ordered else float("nan")
    p50 = statistics.median(ordered) if ordered else float("nan")
    return f"| {run.name} | {p50:.1f} ms | {p95:.1f} ms | {run.memory_mb:,.0f} MB |"


def confusion_image(run: Run, lang: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pairs = run.scores[DEV][lang].confusion
    labels = sorted({e for e, _ in pairs} | {u for _, u in pairs})
    index = {label: i for i, label in enumerate(labels)}
    grid = [[0] * len(labels) for _ in labels]
    for (expected, understood), count in pairs.items():
        grid[index[expected]][index[understood]] += count
    size = max(6, len(labels) * 0.32)
    figure, axes = plt.subplots(figsize=(size, size))
    axes.imshow(grid, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels, rotation=90, fontsize=6)
    axes.set_yticks(range(len(labels)), labels, fontsize=6)
    axes.set_xlabel("understood")
    axes.set_ylabel("expected")
    axes.set_title(f"{run.name}, {lang}: what each question was understood as")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_report(runs: list[Run], out: Path, command: str, cases: list[Case]) -> None:
    images = out / "evaluation"
    images.mkdir(parents=True, exist_ok=True)
    main = runs[0]
    blind = sorted({c.source for c in cases if c.question_set == BLIND})
    lines = [
        "# Understanding citizens: measured on questions the assistant was never trained on",
        "",
        f"Command: `{command}` ({date.today().isoformat()}, {main.seconds / 60:.1f} minutes "
        f"for the kept pipeline). {len(cases)} questions in two sets, neither ever trained on "
        "(`scripts/check_training_data.py` refuses training sentences close to them):",
        "",
        "- **dev set**: `../shared/eval/dev_cases.tsv` (written independently of the training "
        "data) and the out-of-scope files `out_of_scope.en.txt` and `out_of_scope.ar.txt`. "
        "The targets are set on it; its mistakes have been read while building the assistant, "
        "so it is optimistic.",
        f"- **blind set**: {', '.join(f'`tests/{b}`' for b in blind) or 'none here'}, "
        "written from the catalogue by writers who had read neither the training data nor the "
        "dev set; nothing is tuned on it, and its mistakes are not shown here, so that it stays "
        "a fair check of the dev set's figures.",
        "",
        "Each question is the first message of a fresh conversation through Rasa's REST webhook "
        "of the running assistant (registry, action server, Rasa server). The answer "
        "contract of the reply says what was understood. Right service: the reply is about "
        "the labelled service; right topic: and about the labelled topic (questions that ask "
        "one); right life event: the reply is about the labelled life event; out of scope: "
        "the reply is the fallback; in-scope → fallback: in-scope questions (services and life "
        "events) answered with the fallback.",
        "",
    ]
    for index, run in enumerate(runs):
        lines += [f"## {run.name}", "", f"### {DEV}", "", *scores_table(run, DEV), ""]
        if index == 0:
            missed = gaps(run)
            lines += (
                ["Targets missed on the dev set:", "", *(f"- {m}" for m in missed), ""]
                if missed
                else ["Every target is met on the dev set.", ""]
            )
        if BLIND in run.scores:
            lines += [f"### {BLIND}", "", *scores_table(run, BLIND), ""]
        if index == 0:
            lines += [
                "How the pipeline was chosen, what was tried and why a target is missed: "
                "[understanding.md](understanding.md).",
                "",
            ]
    lines += [
        "## Speed and memory",
        "",
        f"NLU parse latency (Rasa's `/model/parse`, {LATENCY_SAMPLE} questions of every "
        "language one after the other, after the dev run warmed the server) and the Rasa "
        "server's resident memory "
        "with its children, measured in the same run:",
        "",
        "| pipeline | parse p50 | parse p95 | Rasa server memory |",
        "|---|---:|---:|---:|",
        *(latency_line(run) for run in runs),
        "",
        "## Confusion",
        "",
    ]
    for lang in LANGUAGES:
        if lang in main.scores.get(DEV, {}):
            name = f"confusion-{lang}.png"
            confusion_image(main, lang, images / name)
            lines.append(f"![{lang}](evaluation/{name})")
    lines += ["", *flows_section(out / "flows.md")]
    lines += ["## Questions of the dev set the kept pipeline got wrong", ""]
    lines += ["| lang | expected | understood | question |", "|---|---|---|---|"]
    for case, answer in main.failures:
        if case.question_set != DEV:
            continue
        understood = answer.understood + (f"/{answer.topic}" if answer.topic else "")
        text = case.text.replace("|", "\\|")
        lines.append(f"| {case.lang} | {case.expect} | {understood} | {text} |")
    (out / "evaluation.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"report written to {out / 'evaluation.md'}")


def flows_section(flows_report: Path) -> list[str]:
    """The per-category table of the whole conversations, as scripts/evaluate_flows.py last
    measured them (its own command and model are quoted, so a stale table shows)."""
    if not flows_report.exists():
        return []
    report = flows_report.read_text(encoding="utf-8").splitlines()
    command = next((m[1] for line in report if (m := re.match(r"Command: (`[^`]+`)", line))), "")
    start = next((i for i, line in enumerate(report) if line.startswith("category ")), None)
    end = next((i for i, line in enumerate(report) if line.startswith("all ")), None)
    if start is None or end is None:
        return []
    return [
        "## Whole conversations",
        "",
        f"The independent conversations of `dev_flows.yml`, from [flows.md](flows.md) "
        f"(command: {command or 'unknown'}).",
        "A conversation passes only when every turn passes.",
        "",
        "```",
        *report[start : end + 1],
        "```",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, help="a trained model (default: newest in models/)")
    parser.add_argument("--baseline-config", type=Path, help="also train and measure this config")
    parser.add_argument("--limit", type=int, help="only the first N questions of each kind")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "docs")
    parser.add_argument(
        "--rasa-url", help="measure a stack that is already running (RASA_API_TOKEN: its token)"
    )
    args = parser.parse_args()
    shown = [
        f"models/{Path(a).name}" if a.endswith(".tar.gz") else a for a in sys.argv[1:]
    ]  # a model is named as it lies in models/
    command = "python scripts/evaluate_understanding.py " + " ".join(shown)
    model = args.model or newest_model()
    cases = read_cases(args.limit)
    running = (
        RunningAssistant(None, args.rasa_url.rstrip("/"), os.environ.get("RASA_API_TOKEN", ""))
        if args.rasa_url
        else None
    )
    with tempfile.TemporaryDirectory(prefix="understanding-") as work:
        kept = f"kept pipeline ({model.name})"
        runs = [measure(kept, model, cases, Path(work) / "kept", running)]
        if args.baseline_config:
            baseline = train(args.baseline_config, Path(work) / "baseline-models")
            name = f"baseline ({args.baseline_config.name})"
            runs.append(measure(name, baseline, cases, Path(work) / "baseline"))
    write_report(runs, args.out, command.strip(), cases)
    for run in runs:
        for question_set in run.scores:
            print("\n".join([f"{run.name}, {question_set}", *scores_table(run, question_set)]))


if __name__ == "__main__":
    main()
