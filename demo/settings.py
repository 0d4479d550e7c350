"""Settings of the demo page's server, from environment variables (listed in the README)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class DemoSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    rasa_url: str = "http://127.0.0.1:5005"
    registry_url: str = "http://127.0.0.1:8080"
    # Rasa's HTTP API token: used by this server only, never sent to the browser.
    rasa_api_token: str | None = field(default=None, repr=False)
    # The registry's token (its request log is citizens' data) and the conversation tag key.
    registry_token: str = field(default="", repr=False)
    conversation_tag_key: str = field(default="", repr=False)
    scenarios_file: Path = PACKAGE_DIR / "scenarios.yml"

    @classmethod
    def from_env(cls) -> DemoSettings:
        env = os.environ
        return cls(
            host=env.get("DEMO_HOST", cls.host),
            port=int(env.get("DEMO_PORT", cls.port)),
            rasa_url=env.get("RASA_URL", cls.rasa_url).rstrip("/"),
            registry_url=env.get("REGISTRY_URL", cls.registry_url).rstrip("/"),
            rasa_api_token=env.get("RASA_API_TOKEN") or None,
            registry_token=env.get("CSA_REGISTRY_TOKEN", ""),
            conversation_tag_key=env.get("CSA_CONVERSATION_TAG_KEY", ""),
        )
