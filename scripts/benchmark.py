"""Benchmark this assistant against a bare `rasa init` assistant, side by side, in one run.

    .venv/bin/python scripts/benchmark.py                       # full run (about 15 minutes)
    .venv/bin/python scripts/benchmark.py --skip-train-project  # reuse the model in models/

For each assistant: `rasa train` time into a fresh models directory (with a fresh training cache),
REST round trips to /webhooks/rest/webhook at 1 and at 20 concurrent conversations (repeated
--runs times, interleaved between the two assistants; medians reported), then the resident
memory of each server process. Everything runs on free ports with temporary data, models and
cache directories, which are removed at the end. Results go to docs/benchmarks.md and stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import importlib.metadata
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import aiohttp
import psutil

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from common.processes import Service, Supervisor, free_ports  # noqa: E402
from common.rasa_rest import webhook_url  # noqa: E402
from registry.config import CATALOGUE_DIR  # noqa: E402

VENV_BIN = Path(sys.executable).parent
RASA = str(VENV_BIN / "rasa")

TRAIN_TIMEOUT = 1800.0  # seconds, per `rasa train` / `rasa init`
START_TIMEOUT = 600.0  # seconds, until a server answers
STOP_TIMEOUT = 60.0  # seconds, after SIGTERM before SIGKILL
REQUEST_TIMEOUT = 60.0  # seconds, per REST request
PHASE_TIMEOUT = 900.0  # seconds, per load phase

WARMUP_REQUESTS = 10
MESSAGES_PER_CONVERSATION = 10
SERIAL_CONVERSATIONS = 10  # 10 x 10 = 100 requests, one at a time
CONCURRENT_CONVERSATIONS = 20  # 20 x 10 = 200 requests, 20 at a time

PROJECT_MESSAGE = "how much does a passport cost?"
BASELINE_MESSAGE = "hello"

Reply = list[dict[str, Any]]


# Processes -------------------------------------------------------------------------------


def base_env(cache_dir: Path | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONWARNINGS": "ignore",
        "RASA_TELEMETRY_ENABLED": "false",
    }
    env.pop("RASA_API_TOKEN", None)
    if cache_dir is not None:
        env["RASA_CACHE_DIRECTORY"] = str(cache_dir)
    return env


def run_logged(command: list[str], cwd: Path, env: dict[str, str], log_path: Path) -> float:
    """Run a command to completion with its output in log_path; return wall-clock seconds."""
    print(f"  $ {shlex.join(command)}  (in {cwd})", flush=True)
    started = time.monotonic()
    with log_path.open("ab") as log:
        try:
            result = subprocess.run(
                command,
                cwd=cwd,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=TRAIN_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"{command[1:3]} timed out; see {log_path}") from exc
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        tail = log_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{shlex.join(command)} failed ({result.returncode}):\n{tail}")
    return elapsed


def tree_rss_mb(process: psutil.Process) -> float:
    """Resident memory of a process and all its descendants, in MiB."""
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    for member in members:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += member.memory_info().rss
    return total / 2**20


# Load ------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    concurrency: int
    latencies_ms: list[float]
    elapsed_s: float
    errors: int

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 50)

    @property
    def p95(self) -> float:
        return percentile(self.latencies_ms, 95)

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.elapsed_s


def percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


async def converse(
    session: aiohttp.ClientSession,
    url: str,
    message: str,
    check: Callable[[Reply], bool],
    messages: int,
    latencies: list[float],
) -> int:
    """One conversation (one sender id) of `messages` requests in a row; return its errors."""
    sender = f"bench-{uuid.uuid4().hex[:12]}"
    errors = 0
    for _ in range(messages):
        started = time.perf_counter()
        try:
            async with session.post(url, json={"sender": sender, "message": message}) as response:
                body = await response.json(content_type=None)
                ok = response.status == 200 and isinstance(body, list) and check(body)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            ok = False
        latencies.append((time.perf_counter() - started) * 1000)
        errors += not ok
    return errors


async def load(
    url: str, message: str, check: Callable[[Reply], bool], conversations: int, concurrency: int
) -> LoadResult:
    """`conversations` conversations of MESSAGES_PER_CONVERSATION requests, `concurrency` at a
    time (1: one after the other; otherwise all at once, conversations == concurrency)."""
    latencies: list[float] = []
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=max(concurrency, 1))
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        started = time.perf_counter()
        if concurrency == 1:
            errors = 0
            for _ in range(conversations):
                errors += await converse(
                    session, url, message, check, MESSAGES_PER_CONVERSATION, latencies
                )
        else:
            results = await asyncio.gather(
                *(
                    converse(session, url, message, check, MESSAGES_PER_CONVERSATION, latencies)
                    for _ in range(conversations)
                )
            )
            errors = sum(results)
        elapsed = time.perf_counter() - started
    return LoadResult(concurrency, latencies, elapsed, errors)


async def warm_up(url: str, message: str, check: Callable[[Reply], bool]) -> int:
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        return await converse(session, url, message, check, WARMUP_REQUESTS, [])


def run_load(url: str, message: str, check: Callable[[Reply], bool]) -> list[LoadResult]:
    """Warm-up, then 1 conversation at a time, then 20 concurrent conversations."""

    async def all_phases() -> list[LoadResult]:
        warm_errors = await asyncio.wait_for(warm_up(url, message, check), PHASE_TIMEOUT)
        if warm_errors:
            print(f"  warning: {warm_errors} of {WARMUP_REQUESTS} warm-up requests failed")
        serial = await asyncio.wait_for(
            load(url, message, check, SERIAL_CONVERSATIONS, 1), PHASE_TIMEOUT
        )
        concurrent = await asyncio.wait_for(
            load(url, message, check, CONCURRENT_CONVERSATIONS, CONCURRENT_CONVERSATIONS),
            PHASE_TIMEOUT,
        )
        return [serial, concurrent]

    return asyncio.run(all_phases())


def texts(reply: Reply) -> str:
    return "\n".join(str(entry["text"]) for entry in reply if "text" in entry)


def mentions_fee(reply: Reply) -> bool:
    """The answer really came from the registry: its fees, in dinars ("80 dinars")."""
    return "dinars" in texts(reply)


def has_text(reply: Reply) -> bool:
    return bool(texts(reply).strip())


# The two assistants ----------------------------------------------------------------------


@dataclass
class Assistant:
    name: str
    message: str
    check: Callable[[Reply], bool]
    train_seconds: float | None = None
    webhook_url: str = ""
    server: Supervisor | None = None
    runs: list[list[LoadResult]] = field(default_factory=list)
    rss_mb: dict[str, float] = field(default_factory=dict)

    def median(self, phase: int, metric: str) -> float:
        return float(statistics.median(getattr(run[phase], metric) for run in self.runs))

    def errors(self) -> int:
        return sum(result.errors for run in self.runs for result in run)


def start_project(assistant: Assistant, root: Path, models_dir: Path) -> None:
    registry_port, actions_port, rasa_port, demo_port = free_ports(4)
    catalogue = root / "project-catalogue"
    shutil.copytree(CATALOGUE_DIR, catalogue)
    env = {
        **base_env(),
        "CSA_HOST": "127.0.0.1",
        "REGISTRY_PORT": str(registry_port),
        "ACTIONS_PORT": str(actions_port),
        "RASA_PORT": str(rasa_port),
        "DEMO_PORT": str(demo_port),
        "CSA_VAR_DIR": str(root / "project-var"),
        "CSA_MODELS_DIR": str(models_dir),
        "REGISTRY_CATALOGUE_DIR": str(catalogue),
    }
    command = [sys.executable, "-m", "bot.stack", "--no-chat"]
    print(f"  $ {shlex.join(command)}  (ports {registry_port}/{actions_port}/{rasa_port})")
    assistant.server = Supervisor(PROJECT_DIR, root, env)
    stack = Service("project-stack", command, {}, START_TIMEOUT, ready_line=b"Ready.")
    assistant.server.start(stack)
    assistant.webhook_url = webhook_url(f"http://127.0.0.1:{rasa_port}")


def start_baseline(assistant: Assistant, init_dir: Path, models_dir: Path, root: Path) -> None:
    (port,) = free_ports(1)
    command = [
        RASA,
        "run",
        "--enable-api",
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
        "--model",
        str(models_dir),
    ]
    print(f"  $ {shlex.join(command)}  (in {init_dir})", flush=True)
    assistant.server = Supervisor(init_dir, root, base_env())
    health = f"http://127.0.0.1:{port}/status"
    rasa = Service("baseline-rasa", command, {}, START_TIMEOUT, health_url=health)
    assistant.server.start(rasa)
    assistant.webhook_url = webhook_url(f"http://127.0.0.1:{port}")


def project_rss(server: Supervisor) -> dict[str, float]:
    """RSS per service: the launcher's children, each with its own descendants."""
    launcher = psutil.Process(server.pid_of("project-stack"))
    rss: dict[str, float] = {}
    for child in launcher.children():
        command = child.cmdline()
        if "--enable-api" in command:
            name = "Rasa server"
        elif "actions" in command:
            name = "action server"
        elif "registry" in command:
            name = "registry"
        elif "demo" in command:
            name = "demo page"
        else:
            name = f"other ({shlex.join(command)[:60]})"
        rss[name] = rss.get(name, 0.0) + tree_rss_mb(child)
    rss["stack launcher"] = launcher.memory_info().rss / 2**20
    return rss


# Report ----------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 1) -> str:
    return "not measured" if value is None else f"{value:,.{digits}f}"


def ratio(project: float | None, baseline: float | None) -> str:
    if project is None or baseline is None or baseline == 0:
        return "–"
    return f"{project / baseline:.2f}×"


def summary_table(project: Assistant, baseline: Assistant) -> str:
    rows: list[tuple[str, float | None, float | None, int]] = [
        ("Training time, `rasa train` (s)", project.train_seconds, baseline.train_seconds, 0)
    ]
    phases = ((0, "1 conversation"), (1, f"{CONCURRENT_CONVERSATIONS} concurrent conversations"))
    metrics = (
        ("p50", "p50 latency", "ms"),
        ("p95", "p95 latency", "ms"),
        ("throughput", "throughput", "req/s"),
    )
    for phase, label in phases:
        for metric, title, unit in metrics:
            ours, theirs = project.median(phase, metric), baseline.median(phase, metric)
            rows.append((f"{title}, {label} ({unit})", ours, theirs, 1))
    rows.append(
        (
            "Rasa server RSS after load (MB)",
            project.rss_mb.get("Rasa server"),
            baseline.rss_mb.get("Rasa server"),
            0,
        )
    )
    lines = [
        "| | this assistant | `rasa init` baseline | this / baseline |",
        "|---|---:|---:|---:|",
    ]
    for label, a, b, digits in rows:
        lines.append(f"| {label} | {fmt(a, digits)} | {fmt(b, digits)} | {ratio(a, b)} |")
    return "\n".join(lines)


def memory_table(project: Assistant, baseline: Assistant) -> str:
    lines = ["| process (with its children) | this assistant | `rasa init` baseline |"]
    lines.append("|---|---:|---:|")
    for name in ("Rasa server", "action server", "registry", "demo page", "stack launcher"):
        base = baseline.rss_mb.get(name)
        lines.append(
            f"| {name} | {fmt(project.rss_mb.get(name), 0)} | "
            f"{'–' if base is None else fmt(base, 0)} |"
        )
    lines.append(
        f"| **total** | {fmt(sum(project.rss_mb.values()), 0)} | "
        f"{fmt(sum(baseline.rss_mb.values()), 0)} |"
    )
    return "\n".join(lines)


def runs_table(project: Assistant, baseline: Assistant) -> str:
    lines = [
        "| assistant | run | concurrency | requests | p50 (ms) | p95 (ms) | req/s | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for assistant in (project, baseline):
        for number, run in enumerate(assistant.runs, 1):
            for result in run:
                lines.append(
                    f"| {assistant.name} | {number} | {result.concurrency} | "
                    f"{len(result.latencies_ms)} | {result.p50:.1f} | {result.p95:.1f} | "
                    f"{result.throughput:.1f} | {result.errors} |"
                )
    return "\n".join(lines)


def git_state() -> str:
    """The code measured: the commit, and whether the working tree differs from it."""
    try:
        head, status = (
            subprocess.run(
                ["git", *command],
                cwd=PROJECT_DIR,
                capture_output=True,
                text=True,
                timeout=30,
                check=True,
            ).stdout.strip()
            for command in (["rev-parse", "--short", "HEAD"], ["status", "--porcelain"])
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    return f"commit {head}" + (" plus uncommitted changes in the working tree" if status else "")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def write_report(
    path: Path,
    command: str,
    started: datetime.datetime,
    code: str,
    load_before: tuple[float, float, float],
    project: Assistant,
    baseline: Assistant,
    runs: int,
) -> str:
    load_after = os.getloadavg()
    summary = summary_table(project, baseline)
    total_errors = project.errors() + baseline.errors()
    n_serial = SERIAL_CONVERSATIONS * MESSAGES_PER_CONVERSATION
    n_concurrent = CONCURRENT_CONVERSATIONS * MESSAGES_PER_CONVERSATION
    skipped = []
    if project.train_seconds is None:
        skipped.append(
            "This assistant's training time was **not measured** in this run "
            "(`--skip-train-project`: the newest model in `models/` was reused)."
        )
    if baseline.train_seconds is None:
        skipped.append(
            "The baseline's training time was **not measured** in this run "
            "(`--skip-train-baseline`: the model `rasa init` trained was reused)."
        )
    trained_note = "".join(f"{line}\n\n" for line in skipped)
    text = f"""# Benchmarks

This assistant (Rasa server + action server + service registry, started by
`python -m bot.stack --no-chat`) next to a bare `rasa init --no-prompt` assistant, measured in
one run by `scripts/benchmark.py`.

- Command (from the project directory): `{command}`
- Date: {started:%Y-%m-%d %H:%M} UTC (the run took {(time.monotonic() - RUN_STARTED) / 60:.0f} min)
- Machine: {os.cpu_count()} CPUs (`nproc`), {cpu_model()}, `uname -m` {platform.machine()}, \
{psutil.virtual_memory().total / 2**30:.0f} GiB RAM; Python {platform.python_version()}, \
Rasa {importlib.metadata.version("rasa")}, Rasa SDK {importlib.metadata.version("rasa-sdk")}
- Code: {code} (at the start of the run)
- Load average (1/5/15 min): {" / ".join(f"{x:.2f}" for x in load_before)} at the start, \
{" / ".join(f"{x:.2f}" for x in load_after)} at the end

## Summary

Latency and throughput are the **median of {runs} runs** per assistant (the median of the {runs}
p50s, of the {runs} p95s and of the {runs} throughputs; every run is listed below).

{summary}

{trained_note}Memory (resident set size after all load runs, MB = 2^20 bytes, each process
summed with its child processes):

{memory_table(project, baseline)}

Failed or unexpected replies during the measured runs: {total_errors}.

## What is measured

- **Training time**: wall-clock seconds of `rasa train --out <fresh temporary models dir>`
  (`TF_CPP_MIN_LOG_LEVEL=2`), with a fresh, empty training cache (`RASA_CACHE_DIRECTORY` in a
  temporary directory), so nothing is reused from an earlier training. This assistant is
  trained from the project directory; the baseline in its `rasa init` directory (`rasa init`
  itself also trains a model first; that training is not counted).
- **Servers**: this assistant via `python -m bot.stack --no-chat` with `CSA_MODELS_DIR` set to
  the freshly trained models, a temporary `CSA_VAR_DIR` (new SQLite tracker store and registry
  database) and a copy of the catalogue; the baseline via `rasa run --enable-api` in its init
  directory (its `endpoints.yml` configures nothing: in-memory tracker store, no action server,
  which its default bot does not need). All on free ports on 127.0.0.1.
- **REST round trip**: `POST /webhooks/rest/webhook` with aiohttp, from the same machine.
  - Messages: this assistant is asked "{PROJECT_MESSAGE}": a custom action looks the fee up in
    the registry, and every reply is checked to contain "dinars" (the currency of the fees), so it
    really went through the action server and the registry. The baseline is sent
    "{BASELINE_MESSAGE}" (every reply checked to contain text).
  - Per run: {WARMUP_REQUESTS} warm-up requests (not counted); then **1 conversation at a
    time**: {SERIAL_CONVERSATIONS} conversations one after the other,
    {MESSAGES_PER_CONVERSATION} requests each ({n_serial} requests, one in flight); then
    **{CONCURRENT_CONVERSATIONS} concurrent conversations**, each sending
    {MESSAGES_PER_CONVERSATION} requests one after the other ({n_concurrent} requests, up to
    {CONCURRENT_CONVERSATIONS} in flight).
  - **Sender ids**: every conversation has its own new sender id (random), reused for its
    {MESSAGES_PER_CONVERSATION} requests, so a tracker holds at most
    {MESSAGES_PER_CONVERSATION} turns and never grows from one run to the next.
  - Latency is per request, from sending it to having read the whole reply; throughput is the
    phase's requests divided by its wall-clock time.
  - The {runs} runs alternate between the two assistants (this, baseline, this, ...), both
    servers being up the whole time, so slow periods of the shared machine hit both alike.
- **Memory**: RSS with psutil after the last run. For this assistant, each child process of the
  stack launcher (registry, action server, Rasa server, demo page) with its own descendants; for the
  baseline, the `rasa run` process with its descendants.

## Caveats

The machine is shared: other people run tests and trainings on it at the same time (see the
load averages above), so the figures are noisy; the medians of {runs} interleaved runs damp
that but do not remove it. Compare the ratios rather than the absolute values, and rerun for
new figures. The two assistants do different work per message: the baseline only classifies the
message and utters a fixed response from an in-memory tracker; this assistant also runs a
custom action (an HTTP call to the action server, which calls the registry) and reads and writes
its tracker in SQLite.

## All runs

{runs_table(project, baseline)}
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return summary


# Main ------------------------------------------------------------------------------------

RUN_STARTED = time.monotonic()


def newest_model(models_dir: Path) -> Path:
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise RuntimeError(f"no model in {models_dir}")
    return models[-1]


def benchmark(args: argparse.Namespace, root: Path) -> tuple[Assistant, Assistant]:
    project = Assistant("this assistant", PROJECT_MESSAGE, mentions_fee)
    baseline = Assistant("rasa init baseline", BASELINE_MESSAGE, has_text)

    print("1/4 Creating the baseline with rasa init...", flush=True)
    init_dir = root / "baseline"
    init_dir.mkdir()
    run_logged(
        [RASA, "init", "--no-prompt", "--init-dir", str(init_dir)],
        root,
        base_env(root / "init-cache"),
        root / "baseline-init.log",
    )

    print("2/4 Training...", flush=True)
    if args.skip_train_project:
        project_models = root / "project-models"
        project_models.mkdir()
        model = newest_model(PROJECT_DIR / "models")
        shutil.copy2(model, project_models / model.name)
        print(f"  project: reusing {model.name} (training not measured)")
    else:
        project_models = root / "project-models"
        project.train_seconds = run_logged(
            [RASA, "train", "--domain", "domain", "--out", str(project_models)],
            PROJECT_DIR,
            base_env(root / "project-cache"),
            root / "project-train.log",
        )
        print(f"  project trained in {project.train_seconds:.1f} s", flush=True)
    baseline_models = root / "baseline-models"
    if args.skip_train_baseline:
        baseline_models = init_dir / "models"
        print("  baseline: reusing the model rasa init trained (training not measured)")
    else:
        baseline.train_seconds = run_logged(
            [RASA, "train", "--out", str(baseline_models)],
            init_dir,
            base_env(root / "baseline-cache"),
            root / "baseline-train.log",
        )
        print(f"  baseline trained in {baseline.train_seconds:.1f} s", flush=True)

    try:
        print("3/4 Starting the servers...", flush=True)
        start_project(project, root, project_models)
        start_baseline(baseline, init_dir, baseline_models, root)

        print(f"4/4 Load, {args.runs} runs each...", flush=True)
        for number in range(1, args.runs + 1):
            for assistant in (project, baseline):
                assert assistant.server is not None
                assistant.server.check_alive()
                results = run_load(assistant.webhook_url, assistant.message, assistant.check)
                assistant.runs.append(results)
                print(
                    f"  run {number} {assistant.name}: "
                    + "; ".join(
                        f"c={r.concurrency} p50 {r.p50:.0f} ms p95 {r.p95:.0f} ms "
                        f"{r.throughput:.1f} req/s errors {r.errors}"
                        for r in results
                    ),
                    flush=True,
                )

        assert project.server is not None and baseline.server is not None
        project.rss_mb = project_rss(project.server)
        baseline_rasa = psutil.Process(baseline.server.pid_of("baseline-rasa"))
        baseline.rss_mb = {"Rasa server": tree_rss_mb(baseline_rasa)}
    finally:
        for assistant in (project, baseline):
            if assistant.server is not None:
                print(f"  stopping {assistant.name}...", flush=True)
                assistant.server.stop()
    return project, baseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--skip-train-project",
        action="store_true",
        help="reuse the newest model in models/ instead of training (training not measured)",
    )
    parser.add_argument(
        "--skip-train-baseline",
        action="store_true",
        help="reuse the model rasa init trains instead of training again (not measured)",
    )
    parser.add_argument("--runs", type=int, default=3, help="load runs per assistant (default 3)")
    parser.add_argument(
        "--output",
        type=Path,
        default=PROJECT_DIR / "docs" / "benchmarks.md",
        help="report file (default docs/benchmarks.md)",
    )
    args = parser.parse_args()
    if not 1 <= args.runs <= 20:
        parser.error("--runs must be between 1 and 20")

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, on_sigterm)
    os.chdir(PROJECT_DIR)
    interpreter = os.path.relpath(sys.executable, PROJECT_DIR)
    command = shlex.join([interpreter, "scripts/benchmark.py", *sys.argv[1:]])
    started = datetime.datetime.now(datetime.UTC)
    load_before = os.getloadavg()
    code = git_state()

    with tempfile.TemporaryDirectory(prefix="csa-benchmark-") as tmp:
        try:
            project, baseline = benchmark(args, Path(tmp))
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr, flush=True)
            sys.exit(1)
    summary = write_report(
        args.output, command, started, code, load_before, project, baseline, args.runs
    )
    print()
    print(summary)
    print()
    print(memory_table(project, baseline))
    print(f"\nReport written to {args.output}")


if __name__ == "__main__":
    main()
