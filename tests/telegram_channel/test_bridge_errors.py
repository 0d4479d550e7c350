"""The bridge's error handler, in process against the fake Bot API: a failure while handling a
message is logged with its traceback, the token redacted, and the citizen is told."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.telegram_channel import handlers
from bot.telegram_channel.app import build_application
from bot.telegram_channel.config import TelegramSettings
from tests.telegram_channel.fake_bot_api import DEFAULT_TOKEN, FakeBotAPI

CHAT = 515151


class BrokenRasa:
    """A Rasa client that fails as no handler expects, with the token in its message (as a
    failed request's URL would carry it)."""

    async def send(self, sender_id: str, message: str) -> list[dict[str, Any]]:
        raise RuntimeError(f"unexpected failure calling /bot{DEFAULT_TOKEN}/sendMessage")

    async def close(self) -> None:
        return None


async def test_a_failure_is_logged_with_its_traceback_and_the_citizen_is_told(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeBotAPI(token=DEFAULT_TOKEN) as fake:
        settings = TelegramSettings(
            token=DEFAULT_TOKEN,
            rasa_url="http://127.0.0.1:9",
            privacy_token=None,
            api_base_url=fake.base_url,
            state_file=tmp_path / "state.pickle",
        )
        application = build_application(settings)
        application.bot_data[handlers.RASA_CLIENT] = BrokenRasa()
        async with application:
            message = fake.text_message(CHAT, "how much is a passport?")
            update = Update.de_json({"update_id": 1, **message}, application.bot)
            with caplog.at_level(logging.ERROR, logger="bot.telegram_channel"):
                await application.process_update(update)
        [told] = [r for r in fake.sent("sendMessage") if r.params["chat_id"] == CHAT]
    assert "something went wrong" in told.params["text"]
    assert "Traceback" in caplog.text and "RuntimeError" in caplog.text
    assert DEFAULT_TOKEN not in caplog.text and "<token>" in caplog.text
