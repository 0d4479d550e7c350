"""Small async handlers, one per kind of update, registered on the Application in app.py.

A chat's updates reach them one at a time, in the order they arrived (app.ChatOrderedUpdates).
State lives in the application's own context only: bot_data holds the Rasa client, user_data
a citizen's chosen language (their own, in a group too); PTB's callback data cache holds the
payloads behind the buttons. Both are kept across restarts (app.build_application).
"""

from __future__ import annotations

import asyncio
import html
import logging
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from common.payloads import intent_payload

from .groups import without_mention
from .images import photo_to_send
from .rasa_client import RasaClient, RasaUnavailable
from .render import Button, outgoing_messages
from .texts import LANGUAGE_NAMES, TEXTS, text

log = logging.getLogger(__name__)

RASA_CLIENT = "rasa_client"
# Payloads behind the latest buttons, over all chats; older taps are answered kindly.
BUTTONS_KEPT = 20_000
LANGUAGE_CHOICE = "language"  # callback data of a /lang button: (LANGUAGE_CHOICE, code)
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


def known_lang(update: Update, context: Context) -> str | None:
    """The language the citizen chose, else their Telegram client's, if the bot speaks it."""
    chosen = context.user_data.get("lang") if context.user_data is not None else None
    if chosen:
        return chosen
    user = update.effective_user
    code = (user.language_code or "")[:2] if user else ""
    return code if code in TEXTS else None


def chat_lang(update: Update, context: Context) -> str:
    return known_lang(update, context) or "en"


def topic_of(update: Update) -> int | None:
    """The forum topic the update came from: replies go back into it."""
    message = update.effective_message
    return message.message_thread_id if message and message.is_topic_message else None


async def send(
    update: Update,
    context: Context,
    html_text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """One message to the chat (and forum topic) of the update; HTML (the Defaults of
    app.build_application): the bridge's own texts are escaped here, Rasa's by render."""
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(
        chat.id, html_text, reply_markup=reply_markup, message_thread_id=topic_of(update)
    )


def own_text(update: Update, context: Context, key: str) -> str:
    """One of the bridge's own texts, in the citizen's language, escaped for HTML."""
    return html.escape(text(key, chat_lang(update, context)), quote=False)


async def say(update: Update, context: Context, key: str) -> None:
    await send(update, context, own_text(update, context, key))


@asynccontextmanager
async def typing(update: Update, context: Context) -> AsyncIterator[None]:
    """Show "typing..." until the block ends (the assistant may take a few seconds). A
    sendChatAction under way is let finish, not cancelled halfway."""
    chat = update.effective_chat
    assert chat is not None
    done = asyncio.Event()

    async def keep_typing() -> None:
        while not done.is_set():
            with suppress(TelegramError):
                await context.bot.send_chat_action(
                    chat.id, ChatAction.TYPING, message_thread_id=topic_of(update)
                )
            with suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), TYPING_EVERY_SECONDS)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        done.set()
        await task


def keyboard(buttons: list[Button]) -> InlineKeyboardMarkup:
    """Inline buttons: links open their page; a tap gives back the button's Rasa payload (PTB's
    callback data cache holds it; Telegram only sees a key)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(button.title, url=button.url)
                if button.url
                else InlineKeyboardButton(button.title, callback_data=button.payload)
            ]
            for button in buttons
        ]
    )


async def relay(update: Update, context: Context, message: str) -> None:
    """Send one message to Rasa as this conversation and show its replies, in chat order."""
    chat = update.effective_chat
    assert chat is not None
    if not message.strip():  # nothing to answer; Rasa must only get a non-empty message
        return
    rasa: RasaClient = context.bot_data[RASA_CLIENT]
    try:
        async with typing(update, context):
            replies = await rasa.send(conversation_id(update), message)
    except RasaUnavailable as exc:
        log.warning("Rasa unavailable for chat %s: %s", chat.id, exc)
        await say(update, context, "rasa_down")
        return
    for outgoing in outgoing_messages(replies, own_text(update, context, "choose")):
        markup = keyboard(outgoing.buttons) if outgoing.buttons else None
        if outgoing.photo_url:
            photo = await photo_to_send(outgoing.photo_url)
            if photo is not None:
                await context.bot.send_photo(
                    chat.id, photo, reply_markup=markup, message_thread_id=topic_of(update)
                )
        else:
            await send(update, context, outgoing.html_text or "", markup)


payload = intent_payload  # a Rasa message that triggers an intent directly, skipping NLU


# Commands -----------------------------------------------------------------------------------


def in_known_lang(update: Update, context: Context, intent: str) -> str:
    """The intent's payload, in the citizen's language when the bot knows it (their choice, or
    their Telegram client's), so that /start and /help answer in it before they write."""
    lang = known_lang(update, context)
    return payload(intent, detected_language=lang) if lang else payload(intent)


async def start(update: Update, context: Context) -> None:
    await relay(update, context, in_known_lang(update, context, "greet"))
    await relay(update, context, in_known_lang(update, context, "ask_capabilities"))


async def help_command(update: Update, context: Context) -> None:
    await relay(update, context, in_known_lang(update, context, "ask_capabilities"))


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
        [InlineKeyboardButton(name, callback_data=(LANGUAGE_CHOICE, code))]
        for code, name in LANGUAGE_NAMES.items()
    ]
    await send(
        update, context, own_text(update, context, "choose_language"), InlineKeyboardMarkup(rows)
    )


async def forget(update: Update, context: Context) -> None:
    chat = update.effective_chat
    assert chat is not None and context.user_data is not None
    lang = chat_lang(update, context)
    rasa: RasaClient = context.bot_data[RASA_CLIENT]
    try:
        erased = await rasa.forget(conversation_id(update))
    except RasaUnavailable as exc:
        log.warning("could not forget chat %s: %s", chat.id, exc)
        await say(update, context, "forget_failed")
        return
    context.user_data.pop("lang", None)
    await send(update, context, html.escape(forgotten_text(erased, lang), quote=False))


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
    await relay(update, context, question(update.effective_message.text or "", context))


async def on_caption(update: Update, context: Context) -> None:
    """A photo or a document with a caption: the caption is the question."""
    assert update.effective_message is not None
    await relay(update, context, question(update.effective_message.caption or "", context))


def question(said: str, context: Context) -> str:
    """What the citizen asks, without the bot's @name they addressed it with in a group."""
    return without_mention(said, context.bot.username) if context.bot.username else said


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
    assert query is not None and context.user_data is not None
    await query.answer()  # stops the client's spinner; the answer follows as messages
    data = query.data
    if isinstance(data, tuple) and data[:1] == (LANGUAGE_CHOICE,):
        code = data[1]
        context.user_data["lang"] = code
        try:
            await query.edit_message_reply_markup(reply_markup=None)
        except BadRequest:  # already edited: a double tap, confirmed once already
            return
        await relay(update, context, payload("set_language", language=code))
    elif isinstance(data, str):
        await relay(update, context, data)


async def on_expired_button(update: Update, context: Context) -> None:
    """A button whose payload is no longer kept (one of the oldest of many)."""
    query = update.callback_query
    chat = update.effective_chat
    assert query is not None and chat is not None
    await query.answer()
    await say(update, context, "button_expired")
    await relay(update, context, in_known_lang(update, context, "ask_capabilities"))


async def on_unsupported(update: Update, context: Context) -> None:
    """Photos without a caption, voice notes, stickers, documents, contacts sent to the bot in
    a private chat: say what works instead."""
    await say(update, context, "unsupported")


async def on_unknown_command(update: Update, context: Context) -> None:
    await say(update, context, "unknown_command")


async def on_error(update: object, context: Context) -> None:
    """Log the failure with its traceback, the token redacted (a request URL holds it), and
    tell the citizen, who would otherwise wait for an answer that never comes."""
    error = context.error
    if isinstance(error, Forbidden):  # the citizen blocked the bot, or it left the group
        log.info("chat cannot be written to any more: %s", error.message)
        return
    trace = "".join(traceback.format_exception(error)) if error else "no exception"
    log.error("error while handling an update:\n%s", trace.replace(context.bot.token, "<token>"))
    if isinstance(update, Update) and update.effective_chat is not None:
        with suppress(TelegramError):
            await say(update, context, "failed")
