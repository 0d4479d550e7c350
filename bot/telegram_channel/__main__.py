"""Run the Telegram bridge: python -m bot.telegram_channel (settings from the environment)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

from common.logs import configure_logging

from .app import serve
from .config import ConfigError, TelegramSettings


class RedactToken(logging.Filter):
    """Belt and braces: no log line may ever carry the bot token."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token and self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), None
        return True


async def run(settings: TelegramSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve(settings, stop)


def main() -> None:
    configure_logging()
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = TelegramSettings.from_env()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    redact = RedactToken(settings.token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    os.environ.pop("TELEGRAM_BOT_TOKEN", None)  # child processes have no use for it
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
