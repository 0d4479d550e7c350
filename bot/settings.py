"""Every setting of the stack, from environment variables with embedded defaults.

This is the one place that lists them; the README's configuration table mirrors it.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from registry.config import CATALOGUE_DIR

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Environment variables that hold secrets: no process inherits them from the launcher; each
# gets the ones it needs (bot/stack.py).
SECRET_VARIABLES = (
    "RASA_API_TOKEN",
    "CSA_PRIVACY_TOKEN",
    "CSA_ACTION_TOKEN",
    "CSA_REGISTRY_TOKEN",
    "CSA_CONVERSATION_TAG_KEY",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
)


@dataclass(frozen=True)
class StackSettings:
    host: str
    registry_port: int
    actions_port: int
    rasa_port: int
    demo_port: int
    var_dir: Path
    models_dir: Path
    registry_catalogue_dir: Path
    # Secrets, each generated for every start when not given (so nothing is ever open), and
    # each handed only to the processes that use it, through their environment.
    # Rasa's HTTP API (trackers): the Rasa server and the demo page's server.
    rasa_api_token: str = field(repr=False)
    # The Rasa server's privacy channel and the channels that call it (/forget).
    privacy_token: str = field(repr=False)
    # The action server runs actions only for callers that send this (the Rasa server).
    action_token: str = field(repr=False)
    # The registry's endpoints of citizens' data (action server, Rasa server, demo server).
    registry_token: str = field(repr=False)
    # Key of the conversation tags in the registry's request log (keyed hashes).
    conversation_tag_key: str = field(repr=False)
    telegram_enabled: bool

    @classmethod
    def from_env(cls) -> StackSettings:
        env = os.environ
        var_dir = Path(env.get("CSA_VAR_DIR", PROJECT_DIR / "var"))
        return cls(
            host=env.get("CSA_HOST", "127.0.0.1"),
            registry_port=int(env.get("REGISTRY_PORT", "8080")),
            actions_port=int(env.get("ACTIONS_PORT", "5055")),
            rasa_port=int(env.get("RASA_PORT", "5005")),
            demo_port=int(env.get("DEMO_PORT", "8000")),
            var_dir=var_dir,
            models_dir=Path(env.get("CSA_MODELS_DIR", PROJECT_DIR / "models")),
            registry_catalogue_dir=Path(env.get("REGISTRY_CATALOGUE_DIR", CATALOGUE_DIR)),
            rasa_api_token=env.get("RASA_API_TOKEN") or secrets.token_urlsafe(32),
            privacy_token=env.get("CSA_PRIVACY_TOKEN") or secrets.token_urlsafe(32),
            action_token=env.get("CSA_ACTION_TOKEN") or secrets.token_urlsafe(32),
            registry_token=env.get("CSA_REGISTRY_TOKEN") or secrets.token_urlsafe(32),
            conversation_tag_key=env.get("CSA_CONVERSATION_TAG_KEY") or secrets.token_hex(16),
            telegram_enabled=bool(env.get("TELEGRAM_BOT_TOKEN", "").strip()),
        )

    @property
    def registry_url(self) -> str:
        return f"http://{self.host}:{self.registry_port}"

    @property
    def actions_url(self) -> str:
        return f"http://{self.host}:{self.actions_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def demo_url(self) -> str:
        return f"http://{self.host}:{self.demo_port}"
