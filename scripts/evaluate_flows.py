"""Whole conversations written independently of the assistant (../shared/eval/dev_flows.yml),
played against the whole running assistant by the independent runner (run_flows.py).

    .venv/bin/python scripts/evaluate_flows.py                      # report into docs/flows.md
    .venv/bin/python scripts/evaluate_flows.py --show-failures      # and each failed transcript
    .venv/bin/python scripts/evaluate_flows.py --only en-followup-tax-return --out /tmp/flows

Starts the registry, the action server and the Rasa server on free ports with the newest model
in models/ (or --model) and a fresh database, then runs ../shared/eval/run_flows.py as it is,
with one addition: to check the bot's facts the runner reads appointments and applications from
the registry, and those are citizens' data (the registry's token, and an appointment only for
the conversation that booked it). The runner's calls to the registry carry the token and the
conversation it is playing, as the action server's calls do. Other options go to the runner.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import sys
import tempfile
import urllib.request
from pathlib import Path
from types import ModuleType
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from evaluate_understanding import SHARED_EVAL, newest_model, start_assistant  # noqa: E402

from common.conversation import CONVERSATION_ID_HEADER, encode_conversation_id  # noqa: E402


def load_runner(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_flows", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load the flows runner {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class RegistryAccess(urllib.request.BaseHandler):
    """Adds the registry's token and the conversation being played to the runner's calls to
    the registry (and to nothing else)."""

    def __init__(self, registry_url: str, token: str) -> None:
        self.registry_url = registry_url
        self.token = token
        self.conversation: str | None = None

    def http_request(self, request: urllib.request.Request) -> urllib.request.Request:
        if request.full_url.startswith(self.registry_url + "/"):
            request.add_header("Authorization", f"Bearer {self.token}")
            if self.conversation is not None:
                conversation = encode_conversation_id(self.conversation)
                request.add_header(CONVERSATION_ID_HEADER, conversation)
        return request


def follow_conversations(runner: ModuleType, access: RegistryAccess) -> None:
    """Every message the runner sends names the conversation its registry checks belong to."""
    say = runner.say

    def say_in_conversation(sender: str, message: Any) -> Any:
        access.conversation = sender
        return say(sender, message)

    runner.say = say_in_conversation


class Tee(io.TextIOBase):
    def __init__(self, *streams: Any) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
            stream.flush()
        return len(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, help="a trained model (default: newest in models/)")
    parser.add_argument("--flows", type=Path, default=SHARED_EVAL / "dev_flows.yml")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "docs")
    args, runner_args = parser.parse_known_args()
    model = args.model or newest_model()
    runner = load_runner(SHARED_EVAL / "run_flows.py")
    shown = [f"models/{Path(a).name}" if a.endswith(".tar.gz") else a for a in sys.argv[1:]]
    command = " ".join(["python scripts/evaluate_flows.py", *shown])
    with tempfile.TemporaryDirectory(prefix="flows-") as work:
        assistant = start_assistant(model, Path(work))
        try:
            access = RegistryAccess(assistant.registry_url, assistant.registry_token)
            urllib.request.install_opener(urllib.request.build_opener(access))
            follow_conversations(runner, access)
            sys.argv = [
                "run_flows.py",
                str(args.flows),
                "--url",
                f"{assistant.rasa_url}/webhooks/rest/webhook",
                "--registry",
                assistant.registry_url,
                *runner_args,
            ]
            output = io.StringIO()
            with contextlib.redirect_stdout(Tee(sys.stdout, output)):
                status = runner.main()
        finally:
            assert assistant.supervisor is not None
            assistant.supervisor.stop()
    args.out.mkdir(parents=True, exist_ok=True)
    report = [
        "# Whole conversations, independent of the training data",
        "",
        f"Command: `{command}` (model {model.name}); the runner is",
        f"`../shared/eval/run_flows.py` on `{args.flows.name}`, unchanged. A conversation passes",
        "only when every turn passes.",
        "",
        "```",
        output.getvalue().rstrip(),
        "```",
        "",
    ]
    (args.out / "flows.md").write_text("\n".join(report), encoding="utf-8")
    print(f"report written to {args.out / 'flows.md'}")
    raise SystemExit(status or 0)


if __name__ == "__main__":
    main()
