"""The bridge's Application in process against the fake Bot API, with a scripted Rasa client:
what the end-to-end tests cannot make the real assistant do (fail unexpectedly, send an image)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from telegram import Update
from telegram.ext import Application, ExtBot

from bot.telegram_channel import handlers
from bot.telegram_channel.app import build_application
from bot.telegram_channel.config import TelegramSettings
from tests.telegram_channel.fake_bot_api import DEFAULT_TOKEN, FakeBotAPI

CHAT = 515151
PNG = (Path(__file__).resolve().parents[2] / "docs/evaluation/confusion-en.png").read_bytes()


class ScriptedRasa:
    """A Rasa client that answers every message with the same replies, or fails as no handler
    expects, with the token in its message (as a failed request's URL would carry it)."""

    def __init__(
        self, replies: list[dict[str, Any]] | None = None, thinking_seconds: float = 0
    ) -> None:
        self.replies = replies
        self.thinking_seconds = thinking_seconds

    async def send(self, sender_id: str, message: str) -> list[dict[str, Any]]:
        await asyncio.sleep(self.thinking_seconds)
        if self.replies is None:
            raise RuntimeError(f"unexpected failure calling /bot{DEFAULT_TOKEN}/sendMessage")
        return self.replies

    async def close(self) -> None:
        return None


@asynccontextmanager
async def bridge(fake: FakeBotAPI, rasa: ScriptedRasa, state: Path) -> AsyncIterator[Application]:
    settings = TelegramSettings(
        token=DEFAULT_TOKEN,
        rasa_url="http://127.0.0.1:9",
        privacy_token=None,
        api_base_url=fake.base_url,
        state_file=state,
    )
    application = build_application(settings)
    application.bot_data[handlers.RASA_CLIENT] = rasa
    async with application:
        yield application


async def citizen_says(application: Application, fake: FakeBotAPI, text: str) -> None:
    update = Update.de_json({"update_id": 1, **fake.text_message(CHAT, text)}, application.bot)
    await application.process_update(update)


async def test_a_failure_is_logged_with_its_traceback_and_the_citizen_is_told(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeBotAPI(token=DEFAULT_TOKEN) as fake:
        async with bridge(fake, ScriptedRasa(), tmp_path / "state.pickle") as application:
            with caplog.at_level(logging.ERROR, logger="bot.telegram_channel"):
                await citizen_says(application, fake, "how much is a passport?")
        [told] = [r for r in fake.sent("sendMessage") if r.params["chat_id"] == CHAT]
    assert "something went wrong" in told.params["text"]
    assert "Traceback" in caplog.text and "RuntimeError" in caplog.text
    assert DEFAULT_TOKEN not in caplog.text and "<token>" in caplog.text


async def test_an_image_on_a_private_host_is_uploaded_not_passed_to_telegram(
    tmp_path: Path, aiohttp_server: Any
) -> None:
    async def map_image(_: web.Request) -> web.Response:
        return web.Response(body=PNG, content_type="image/png")

    images = web.Application()
    images.router.add_get("/map.png", map_image)
    server = await aiohttp_server(images)
    url = f"http://127.0.0.1:{server.port}/map.png"  # Telegram's servers could not fetch it
    rasa = ScriptedRasa([{"text": "The office is here:"}, {"image": url}])
    async with FakeBotAPI(token=DEFAULT_TOKEN) as fake:
        async with bridge(fake, rasa, tmp_path / "state.pickle") as application:
            await citizen_says(application, fake, "where is the office?")
        [photo] = fake.sent("sendPhoto")
    assert url not in str(photo.params)
    assert [f.data for f in photo.files.values()] == [PNG]


async def test_typing_under_way_when_the_answer_comes_is_let_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcomes: list[str] = []
    send_chat_action = ExtBot.send_chat_action

    async def slow_chat_action(self: ExtBot, *args: Any, **kwargs: Any) -> bool:
        try:
            await asyncio.sleep(0.3)  # a slow network: the answer is ready before Telegram's
            result = await send_chat_action(self, *args, **kwargs)
        except asyncio.CancelledError:
            outcomes.append("cancelled")
            raise
        outcomes.append("finished")
        return result

    monkeypatch.setattr(ExtBot, "send_chat_action", slow_chat_action)
    rasa = ScriptedRasa([{"text": "A passport costs 80 dinars."}], thinking_seconds=0.1)
    async with FakeBotAPI(token=DEFAULT_TOKEN) as fake:
        async with bridge(fake, rasa, tmp_path / "state.pickle") as application:
            await citizen_says(application, fake, "how much is a passport?")
        [answer] = fake.sent("sendMessage")
    assert outcomes == ["finished"]
    assert answer.params["text"] == "A passport costs 80 dinars."
