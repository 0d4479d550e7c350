"""Small async handlers, one per kind of update, registered on the Application in app.py.

State lives in the application's own context only: bot_data holds the Rasa client, chat_data
holds a chat's lock (its messages are handled in order), its chosen language and the payloads
behind its buttons.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from common.payloads import intent_payload

from .rasa_client import RasaClient, RasaUnavailable
from .render import outgoing_messages
from .texts import LANGUAGE_NAMES, TEXTS, text

log = logging.getLogger(__name__)

RASA_CLIENT = "rasa_client"
BUTTONS_KEPT = 100  # payloads behind the latest buttons of a chat; older taps are answered kindly
TYPING_EVERY_SECONDS = 4.0  # Telegram shows "typing" for about 5 seconds per action
Context = ContextTypes.DEFAULT_TYPE


def conversation_id(update: Update) -> str:
    """One Rasa conversation per private chat; in groups, one per chat and user."""
    chat = update.effective_chat
    assert chat is not None
    if chat.type == ChatType.PRIVATE:
        return f"telegram-{chat.id}"
    user = update.effective_user
    return f"telegram-{chat.id}-{user.id if user else 0}"


def chat_lang(update: Update, context: Context) -> str:
    chosen = context.chat_data.get("lang") if context.chat_data is not None else None
    if chosen:
        return chosen
    user = update.effective_user
    code = (user.language_code or "")[:2] if user else ""
    return code if code in TEXTS else "en"


def chat_lock(context: Context) -> asyncio.Lock:
    assert context.chat_data is not None
    return context.chat_data.setdefault("lock", asyncio.Lock())


@asynccontextmanager
async def typing(context: Context, chat_id: int) -> AsyncIterator[None]:
    """Show "typing..." until the block ends (the assistant may take a few seconds)."""

    async def keep_typing() -> None:
        while True:
            with suppress(TelegramError):
                await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
            await asyncio.sleep(TYPING_EVERY_SECONDS)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def keyboard(context: Context, buttons: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Inline buttons whose callback data is a short key to the Rasa payload (Telegram allows
    64 bytes of callback data; payloads can be longer)."""
    assert context.chat_data is not None
    payloads: OrderedDict[str, str] = context.chat_data.setdefault("buttons", OrderedDict())
    rows = []
    for title, payload in buttons:
        key = secrets.token_hex(4)
        payloads[key] = payload
        rows.append([InlineKeyboardButton(title, callback_data=f"b:{key}")])
    while len(payloads) > BUTTONS_KEPT:
        payloads.popitem(last=False)
    return InlineKeyboardMarkup(rows)


async def relay(update: Update, context: Context, message: str) -> None:
    """Send one message to Rasa as this conversation and show its replies, in chat order."""
    chat = update.effective_chat
    assert chat is not None
    if not message.strip():  # nothing to answer; Rasa must only get a non-empty message
        return
    async with chat_lock(context):
        rasa: RasaClient = context.bot_data[RASA_CLIENT]
        try:
            async with typing(context, chat.id):
                replies = await rasa.send(conversation_id(update), message)
        except RasaUnavailable as exc:
            log.warning("Rasa unavailable for chat %s: %s", chat.id, exc)
            await context.bot.send_message(chat.id, text("rasa_down", chat_lang(update, context)))
            return
        for outgoing in outgoing_messages(replies):
            markup = keyboard(context, outgoing.buttons) if outgoing.buttons else None
            if outgoing.photo_url:
                await context.bot.send_photo(chat.id, outgoing.photo_url, reply_markup=markup)
            else:
                await context.bot.send_message(
                    chat.id,
                    outgoing.html_text or "",
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )


payload = intent_payload  # a Rasa message that triggers an intent directly, skipping NLU


# Commands -----------------------------------------------------------------------------------


async def start(update: Update, context: Context) -> None:
    await relay(update, context, payload("greet"))
    await relay(update, context, payload("ask_capabilities"))


async def help_command(update: Update, context: Context) -> None:
    await relay(update, context, payload("ask_capabilities"))


async def reset(update: Update, context: Context) -> None:
    await relay(update, context, payload("restart"))


async def status(update: Update, context: Context) -> None:
    reference = " ".join(context.args or []).strip()
    if reference:
        await relay(
            update, context, payload("check_application_status", reference_number=reference)
        )
    else:
        await relay(update, context, payload("check_application_status"))


async def choose_language(update: Update, context: Context) -> None:
    assert update.effective_message is not None
    rows = [
        [InlineKeyboardButton(name, callback_data=f"lang:{code}")]
        for code, name in LANGUAGE_NAMES.items()
    ]
    await update.effective_message.reply_text(
        text("choose_language", chat_lang(update, context)),
        reply_markup=InlineKeyboardMarkup(rows),
    )


async def forget(update: Update, context: Context) -> None:
    chat = update.effective_chat
    assert chat is not None and context.chat_data is not None
    lang = chat_lang(update, context)
    async with chat_lock(context):
        rasa: RasaClient = context.bot_data[RASA_CLIENT]
        try:
            erased = await rasa.forget(conversation_id(update))
        except RasaUnavailable as exc:
            log.warning("could not forget chat %s: %s", chat.id, exc)
            await context.bot.send_message(chat.id, text("forget_failed", lang))
            return
        for key in ("lang", "buttons"):
            context.chat_data.pop(key, None)
    await context.bot.send_message(chat.id, forgotten_text(erased, lang))


def forgotten_text(erased: dict[str, int], lang: str) -> str:
    """Exactly what /forget erased, in the chat's language."""
    said = text("forgotten", lang).format(
        tickets=erased.get("handoff_tickets_deleted", 0),
        ratings=erased.get("ratings_deleted", 0),
    )
    appointments = erased.get("appointments_anonymised", 0)
    if appointments:
        said += " " + text("forgotten_appointments", lang).format(appointments=appointments)
    return said


# Messages and taps --------------------------------------------------------------------------


async def on_text(update: Update, context: Context) -> None:
    assert update.effective_message is not None
    await relay(update, context, update.effective_message.text or "")


async def on_location(update: Update, context: Context) -> None:
    assert update.effective_message is not None and update.effective_message.location
    location = update.effective_message.location
    await relay(
        update,
        context,
        payload("share_location", latitude=location.latitude, longitude=location.longitude),
    )


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and context.chat_data is not None
    await query.answer()  # stops the client's spinner at once; the answer follows as messages
    data = query.data or ""
    if data.startswith("lang:"):
        code = data.removeprefix("lang:")
        if code in LANGUAGE_NAMES:
            context.chat_data["lang"] = code
            with suppress(BadRequest):  # already edited (a double tap)
                await query.edit_message_reply_markup(reply_markup=None)
            await relay(update, context, payload("set_language", language=code))
        return
    stored = context.chat_data.get("buttons", {}).get(data.removeprefix("b:"))
    if stored is None:  # a button from long ago, or from before /forget
        await on_unsupported(update, context)
        return
    await relay(update, context, stored)


async def on_unsupported(update: Update, context: Context) -> None:
    """Photos, voice notes, stickers, documents, contacts, edits...: say what works instead."""
    chat = update.effective_chat
    if chat is None:
        return  # nothing to answer to (e.g. a poll update)
    await context.bot.send_message(chat.id, text("unsupported", chat_lang(update, context)))


async def on_error(update: object, context: Context) -> None:
    """Log the failure (never the token) and keep the bridge running."""
    error = context.error
    log.error("error while handling an update: %s: %s", type(error).__name__, error)
