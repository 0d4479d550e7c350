"""Settings of the Telegram bridge, from the environment. The token is a secret: it is read
here, handed to python-telegram-bot, and never printed or logged."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

TOKEN_FORMAT = re.compile(r"^\d{5,16}:[A-Za-z0-9_-]{30,64}$")
SECRET_FORMAT = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says how to fix it (one line)."""


@dataclass(frozen=True)
class TelegramSettings:
    token: str = field(repr=False)
    rasa_url: str
    privacy_token: str | None = field(repr=False)
    mode: str = "polling"
    api_base_url: str = "https://api.telegram.org/bot"
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    rasa_timeout_seconds: float = 30.0
    # Buttons' payloads and citizens' chosen languages, kept across restarts.
    state_file: Path = Path("var/telegram-state.pickle")

    @classmethod
    def from_env(cls) -> TelegramSettings:
        env = os.environ
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather in Telegram, "
                "then run: export TELEGRAM_BOT_TOKEN='<the token BotFather gave you>'"
            )
        if not TOKEN_FORMAT.match(token):
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is malformed: it should look like 123456789:AA... "
                "(digits, a colon, then the rest exactly as @BotFather gave it)"
            )
        mode = env.get("TELEGRAM_MODE", "polling")
        if mode not in ("polling", "webhook"):
            raise ConfigError("TELEGRAM_MODE must be polling or webhook")
        webhook_url = env.get("TELEGRAM_WEBHOOK_URL") or None
        webhook_secret = env.get("TELEGRAM_WEBHOOK_SECRET") or None
        if mode == "webhook":
            if not webhook_url or not webhook_url.startswith("https://"):
                raise ConfigError("webhook mode needs TELEGRAM_WEBHOOK_URL, an https:// address")
            if not webhook_secret or not SECRET_FORMAT.match(webhook_secret):
                raise ConfigError(
                    "webhook mode needs TELEGRAM_WEBHOOK_SECRET: 1-256 characters A-Z a-z 0-9 _ -"
                )
        return cls(
            token=token,
            rasa_url=env.get("RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
            privacy_token=env.get("CSA_PRIVACY_TOKEN") or None,
            mode=mode,
            api_base_url=env.get("TELEGRAM_API_BASE_URL", cls.api_base_url),
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            webhook_listen=env.get("TELEGRAM_WEBHOOK_LISTEN", cls.webhook_listen),
            webhook_port=int(env.get("TELEGRAM_WEBHOOK_PORT", cls.webhook_port)),
            rasa_timeout_seconds=float(env.get("RASA_TIMEOUT_SECONDS", cls.rasa_timeout_seconds)),
            state_file=Path(env.get("TELEGRAM_STATE_FILE", cls.state_file)),
        )
