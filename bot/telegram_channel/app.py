"""Build and run the Telegram bridge: long polling (default) or a webhook behind HTTPS."""

from __future__ import annotations

import asyncio
import hmac
import logging
from datetime import timedelta
from typing import Any

from aiohttp import web
from telegram import BotCommand, Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from . import handlers
from .config import TelegramSettings
from .rasa_client import RasaClient
from .texts import TEXTS, text

log = logging.getLogger(__name__)

COMMANDS = ("start", "help", "lang", "reset", "forget", "status")
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class RetryingRateLimiter(BaseRateLimiter[None]):
    """Retries Bot API calls that Telegram refused for now: 429 after its retry_after, and
    server errors (5xx) with exponential backoff. Bad requests and timeouts are not retried
    (a timed-out sendMessage may have been delivered)."""

    def __init__(self, max_retries: int = 4, first_backoff_seconds: float = 0.5) -> None:
        self.max_retries = max_retries
        self.first_backoff_seconds = first_backoff_seconds

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> Any:
        for attempt in range(self.max_retries + 1):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == self.max_retries:
                    raise
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                log.warning("Telegram said 429 on %s: retrying after %.1f s", endpoint, seconds)
                await asyncio.sleep(seconds + 0.1)
            except (BadRequest, TimedOut):
                raise
            except NetworkError as exc:
                if attempt == self.max_retries:
                    raise
                backoff = self.first_backoff_seconds * 2**attempt
                log.warning("Telegram error on %s (%s): retrying in %.1f s", endpoint, exc, backoff)
                await asyncio.sleep(backoff)
        raise AssertionError("unreachable")


def build_application(settings: TelegramSettings) -> Application:
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .concurrent_updates(True)  # chats in parallel; handlers.relay keeps each chat in order
        .rate_limiter(RetryingRateLimiter())
        .build()
    )
    application.add_handler(CommandHandler("start", handlers.start))
    application.add_handler(CommandHandler("help", handlers.help_command))
    application.add_handler(CommandHandler("lang", handlers.choose_language))
    application.add_handler(CommandHandler("reset", handlers.reset))
    application.add_handler(CommandHandler("forget", handlers.forget))
    application.add_handler(CommandHandler("status", handlers.status))
    application.add_handler(CallbackQueryHandler(handlers.on_button))
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, handlers.on_text
        )
    )
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & filters.LOCATION, handlers.on_location)
    )
    # Last of the same group, so it runs only when no handler above took the update: photos,
    # voice, stickers, documents, contacts, edits, unknown commands, other update kinds.
    application.add_handler(TypeHandler(Update, handlers.on_unsupported))
    application.add_error_handler(handlers.on_error)
    return application


async def register_commands(application: Application) -> None:
    """setMyCommands, in each language, so clients show the commands with their meaning."""
    for lang in TEXTS:
        commands = [BotCommand(name, text(f"command_{name}", lang)) for name in COMMANDS]
        await application.bot.set_my_commands(
            commands, language_code=None if lang == "en" else lang
        )


def webhook_app(application: Application, secret: str) -> web.Application:
    """Receives Telegram's updates; rejects any request without the secret token header."""

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.json_response({"error": "secret token missing or wrong"}, status=403)
        try:
            data = await request.json()
            update = Update.de_json(data, application.bot)
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": "the body is not a Telegram update"}, status=400)
        await application.update_queue.put(update)
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post(WEBHOOK_PATH, receive)
    return app


async def serve(settings: TelegramSettings, stop: asyncio.Event) -> None:
    application = build_application(settings)
    rasa = RasaClient(settings.rasa_url, settings.rasa_timeout_seconds, settings.privacy_token)
    application.bot_data[handlers.RASA_CLIENT] = rasa
    runner: web.AppRunner | None = None
    try:
        async with application:
            await register_commands(application)
            await application.start()
            if settings.mode == "polling":
                assert application.updater is not None
                await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            else:
                assert settings.webhook_secret and settings.webhook_url
                runner = web.AppRunner(webhook_app(application, settings.webhook_secret))
                await runner.setup()
                await web.TCPSite(runner, settings.webhook_listen, settings.webhook_port).start()
                await application.bot.set_webhook(
                    settings.webhook_url,
                    secret_token=settings.webhook_secret,
                    allowed_updates=Update.ALL_TYPES,
                )
            log.info(
                "Telegram bridge ready (%s mode, Rasa at %s)", settings.mode, settings.rasa_url
            )
            await stop.wait()
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            await application.stop()
    finally:
        if runner is not None:
            await runner.cleanup()
        await rasa.close()
