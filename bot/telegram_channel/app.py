"""Build and run the Telegram bridge: long polling (default) or a webhook behind HTTPS."""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from aiohttp import web
from aiolimiter import AsyncLimiter
from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InvalidCallbackData,
    MessageHandler,
    PersistenceInput,
    PicklePersistence,
    filters,
)

from . import handlers
from .config import TelegramSettings
from .groups import ADDRESSED
from .rasa_client import RasaClient
from .texts import TEXTS, text

log = logging.getLogger(__name__)

COMMANDS = ("start", "help", "lang", "reset", "forget", "status")
# What the bridge handles; Telegram does not even send the rest (reactions, edits, the bot
# blocked or unblocked, polls...), so nobody gets an answer to something they did not ask.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
STATE_SAVED_EVERY_SECONDS = 5  # and at every clean stop
# What a citizen reads, paced per chat; "typing..." and button edits are not held back.
PACED_ENDPOINTS = frozenset({"sendMessage", "sendPhoto", "sendLocation", "sendDocument"})
CHAT_LIMITERS_KEPT = 10_000
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class PacedRateLimiter(BaseRateLimiter[None]):
    """Telegram's limits, kept before it has to refuse (aiolimiter's leaky buckets): about 30
    messages a second in all, 20 a minute to one group, and a pace of one a second to one chat
    (a long answer arrives as a readable sequence, not a burst). Calls Telegram refused for now
    are retried: 429 after its retry_after, for that chat only, and server errors (5xx) with
    exponential backoff. Bad requests and timeouts are not retried (a timed-out sendMessage
    may have been delivered). PTB's AIORateLimiter keeps the same limits but pauses every chat
    on one chat's 429, so it is not used."""

    def __init__(self, max_retries: int = 6, first_backoff_seconds: float = 0.5) -> None:
        self.max_retries = max_retries
        self.first_backoff_seconds = first_backoff_seconds
        self._overall = AsyncLimiter(30, 1)
        self._chats: dict[int | str, AsyncLimiter] = {}

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def _chat_limiter(self, chat_id: int | str) -> AsyncLimiter:
        """The chat's bucket, moved to the end: the first is the chat not heard from longest,
        the one dropped when too many are kept (it is paced afresh if it writes again)."""
        limiter = self._chats.pop(chat_id, None)
        if limiter is None:
            group = isinstance(chat_id, str) or chat_id < 0  # groups and channels
            limiter = AsyncLimiter(20, 60) if group else AsyncLimiter(1, 1)
            if len(self._chats) >= CHAT_LIMITERS_KEPT:
                self._chats.pop(next(iter(self._chats)))
        self._chats[chat_id] = limiter
        return limiter

    async def process_request(
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> Any:
        chat_id = data.get("chat_id")
        paced = endpoint in PACED_ENDPOINTS and isinstance(chat_id, int | str)
        for attempt in range(self.max_retries + 1):
            try:
                if paced:
                    await self._chat_limiter(chat_id).acquire()
                async with self._overall:
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


class ChatOrderedUpdates(BaseUpdateProcessor):
    """Chats are handled at once, each chat's updates one after the other in the order they
    arrived: a text sent right after a button tap is answered after the tap."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}  # updates holding or awaiting each chat's lock

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        # Update tasks start in arrival order and asyncio's lock serves waiters first come,
        # first served; the lock goes when no update of the chat needs it.
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._waiting[chat.id] = self._waiting.get(chat.id, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[chat.id] -= 1
            if not self._waiting[chat.id]:
                del self._waiting[chat.id], self._locks[chat.id]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def build_application(settings: TelegramSettings) -> Application:
    settings.state_file.parent.mkdir(parents=True, exist_ok=True)
    # Buttons carry their Rasa payload through PTB's callback data cache (Telegram allows 64
    # bytes; payloads can be longer); with the chosen languages it is kept in the state file,
    # so buttons and languages survive a restart. bot_data (the Rasa client) is not kept.
    persistence = PicklePersistence(
        settings.state_file,
        store_data=PersistenceInput(bot_data=False),
        update_interval=STATE_SAVED_EVERY_SECONDS,
    )
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .concurrent_updates(ChatOrderedUpdates())
        .rate_limiter(PacedRateLimiter())
        .arbitrary_callback_data(handlers.BUTTONS_KEPT)
        .persistence(persistence)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .build()
    )
    application.add_handler(CommandHandler("start", handlers.start))
    application.add_handler(CommandHandler("help", handlers.help_command))
    application.add_handler(CommandHandler("lang", handlers.choose_language))
    application.add_handler(CommandHandler("reset", handlers.reset))
    application.add_handler(CommandHandler("forget", handlers.forget))
    application.add_handler(CommandHandler("status", handlers.status))
    application.add_handler(
        CallbackQueryHandler(handlers.on_expired_button, pattern=InvalidCallbackData)
    )
    application.add_handler(CallbackQueryHandler(handlers.on_button))
    message = filters.UpdateType.MESSAGE
    said_to_bot = message & ADDRESSED  # in groups, only replies to the bot and its @name
    application.add_handler(
        MessageHandler(said_to_bot & filters.TEXT & ~filters.COMMAND, handlers.on_text)
    )
    application.add_handler(MessageHandler(said_to_bot & filters.CAPTION, handlers.on_caption))
    application.add_handler(MessageHandler(said_to_bot & filters.LOCATION, handlers.on_location))
    # In a private chat, what the bot cannot read gets a word on what it can. In groups
    # nothing: joins, pins, photos and commands to other bots are not addressed to it.
    private = message & filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & filters.COMMAND, handlers.on_unknown_command))
    application.add_handler(
        MessageHandler(
            private
            & (
                filters.PHOTO
                | filters.VOICE
                | filters.AUDIO
                | filters.VIDEO
                | filters.VIDEO_NOTE
                | filters.Sticker.ALL
                | filters.Document.ALL
                | filters.CONTACT
            ),
            handlers.on_unsupported,
        )
    )
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
            if not isinstance(data, dict):  # a JSON list or null is no update either
                raise TypeError(type(data).__name__)
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
            # Not post_init: PTB runs it only from run_polling/run_webhook, and the bridge
            # runs its own webhook server (with the secret token check).
            await register_commands(application)
            await application.start()
            if settings.mode == "polling":
                assert application.updater is not None
                await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
            else:
                assert settings.webhook_secret and settings.webhook_url
                runner = web.AppRunner(webhook_app(application, settings.webhook_secret))
                await runner.setup()
                await web.TCPSite(runner, settings.webhook_listen, settings.webhook_port).start()
                await application.bot.set_webhook(
                    settings.webhook_url,
                    secret_token=settings.webhook_secret,
                    allowed_updates=ALLOWED_UPDATES,
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
