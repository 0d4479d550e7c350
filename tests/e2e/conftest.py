"""The whole stack, started as processes the way the README does (scripts/start.sh --no-chat),
on free ports, with its own database and a copy of the catalogue that tests may edit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

from common.conversation import encode_conversation_id
from common.processes import Service, Supervisor, free_port
from common.rasa_rest import send
from registry.config import CATALOGUE_DIR

PROJECT_DIR = Path(__file__).resolve().parents[2]
START_TIMEOUT = 900  # seconds; includes training a model when there is none


def http_json(
    method: str,
    url: str,
    body: Any = None,
    timeout: float = 60,
    headers: dict[str, str] | None = None,
) -> Any:
    """The decoded JSON answer; urllib.error.HTTPError (with .code) for a 4xx or 5xx."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


# Every secret the stack uses, set by the tests so they can use them and look for them.
SECRETS = (
    "RASA_API_TOKEN",
    "CSA_PRIVACY_TOKEN",
    "CSA_ACTION_TOKEN",
    "CSA_REGISTRY_TOKEN",
    "CSA_CONVERSATION_TAG_KEY",
)


@dataclass
class Stack:
    rasa_url: str
    registry_url: str
    demo_url: str
    actions_url: str
    rasa_api_token: str
    secrets: dict[str, str]
    catalogue_dir: Path
    var_dir: Path
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    supervisor: Supervisor | None = None

    def start(self) -> None:
        """Start the stack as the README does and wait until it says it is ready."""
        self.supervisor = Supervisor(PROJECT_DIR, self.log_path.parent, self.env)
        stack = Service(
            self.log_path.stem,
            ["bash", "scripts/start.sh", "--no-chat"],
            {},
            START_TIMEOUT,
            ready_line=b"Ready.",
        )
        try:
            self.supervisor.start(stack)
        except RuntimeError as exc:
            self.stop()
            pytest.fail(f"the stack did not start: {exc}\n{self.log_path.read_text()[-3000:]}")
        self.process = self.supervisor.managed[0].process

    def stop(self) -> None:
        if self.supervisor is not None:
            self.supervisor.stop()
        self.supervisor = None
        self.process = None

    def say(self, sender: str, text: str) -> list[dict[str, Any]]:
        return send(self.rasa_url, sender, text)

    def registry(self, path: str, conversation: str | None = None) -> Any:
        """A registry answer; citizens' data with the stack's registry token, as the action
        server asks for them (for one conversation)."""
        headers = {"Authorization": f"Bearer {self.secrets['CSA_REGISTRY_TOKEN']}"}
        if conversation is not None:
            headers["X-Conversation-Id"] = encode_conversation_id(conversation)
        return http_json("GET", f"{self.registry_url}{path}", headers=headers)

    def process_of(self, module: str) -> psutil.Process:
        """The running process of one service (python -m <module>)."""
        assert self.process is not None
        for process in psutil.Process(self.process.pid).children(recursive=True):
            if module in process.cmdline()[1:3]:
                return process
        raise LookupError(f"no process runs python -m {module}")


class Conversation:
    """One citizen's conversation through the REST webhook."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.sender = f"e2e-{uuid.uuid4().hex[:10]}"
        self.replies: list[dict[str, Any]] = []

    def say(self, text: str) -> list[dict[str, Any]]:
        self.replies = self.stack.say(self.sender, text)
        return self.replies

    @property
    def text(self) -> str:
        return "\n".join(r["text"] for r in self.replies if "text" in r)

    @property
    def payloads(self) -> list[dict[str, Any]]:
        return [r["custom"] for r in self.replies if "custom" in r]

    @property
    def buttons(self) -> list[dict[str, str]]:
        return [b for r in self.replies for b in r.get("buttons", [])]


def new_stack(root: Path, **extra_env: str) -> Stack:
    """A stack on free ports, with its own databases under root and its own catalogue copy."""
    catalogue_dir = root / "catalogue"
    shutil.copytree(CATALOGUE_DIR, catalogue_dir)
    names = ("REGISTRY_PORT", "ACTIONS_PORT", "RASA_PORT", "DEMO_PORT")
    ports = {name: free_port() for name in names}
    secrets = {name: f"e2e-{name.lower()}-{uuid.uuid4().hex}" for name in SECRETS}
    env = {
        **os.environ,
        **{name: str(port) for name, port in ports.items()},
        **secrets,
        "CSA_VAR_DIR": str(root / "var"),
        "REGISTRY_CATALOGUE_DIR": str(catalogue_dir),
        **extra_env,
    }
    return Stack(
        rasa_url=f"http://127.0.0.1:{ports['RASA_PORT']}",
        registry_url=f"http://127.0.0.1:{ports['REGISTRY_PORT']}",
        demo_url=f"http://127.0.0.1:{ports['DEMO_PORT']}",
        actions_url=f"http://127.0.0.1:{ports['ACTIONS_PORT']}",
        rasa_api_token=secrets["RASA_API_TOKEN"],
        secrets=secrets,
        catalogue_dir=catalogue_dir,
        var_dir=root / "var",
        env=env,
        log_path=root / "stack.log",
    )


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = new_stack(tmp_path_factory.mktemp("stack"))
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def conversation(stack: Stack) -> Conversation:
    return Conversation(stack)
