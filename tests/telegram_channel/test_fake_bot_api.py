"""Tests of the fake Bot API itself, through a real python-telegram-bot Bot and raw HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import struct
import time
import zlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
import telegram
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes
from telegram.helpers import escape_markdown

from tests.telegram_channel.fake_bot_api import (
    DEFAULT_TOKEN,
    FakeBotAPI,
    iter_entities_text,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
)

TOKEN = DEFAULT_TOKEN
CHAT = 424242


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(token=TOKEN) as server:
        yield server


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url) as b:
        yield b


async def raw_call(
    fake: FakeBotAPI, method: str, *, token: str = TOKEN, **kwargs: object
) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.url}/bot{token}/{method}", **kwargs) as response,
    ):
        return response.status, await response.json()


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in data]])


def png(width: int = 64, height: int = 48) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def retry_seconds(error: RetryAfter) -> float:
    value = error._retry_after  # the public attribute warns about its coming type change
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


# ---- lifecycle, routing, parameters -----------------------------------------------------------


async def test_start_stop_and_free_port() -> None:
    fake = FakeBotAPI(token=TOKEN)
    await fake.start()
    try:
        assert fake.url.startswith("http://127.0.0.1:")
        status, body = await raw_call(fake, "getMe")
        assert status == 200
        assert body["ok"] is True
        assert body["result"]["is_bot"] is True
        assert body["result"]["id"] == 123456789
    finally:
        await fake.stop()


async def test_get_me_through_ptb(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    me = await bot.get_me()
    assert me.username == "fake_test_bot"
    assert me.can_join_groups is True
    assert fake.sent("getMe")


async def test_bad_token_is_401_and_ptb_raises_invalid_token(fake: FakeBotAPI) -> None:
    status, body = await raw_call(fake, "getMe", token="999:wrong")
    assert status == 401
    assert body == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    with pytest.raises(InvalidToken):
        await telegram.Bot("999:wrong", base_url=fake.base_url).initialize()


async def test_unknown_method_is_404_and_names_are_case_insensitive(fake: FakeBotAPI) -> None:
    status, body = await raw_call(fake, "sendSomethingElse")
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}

    status, body = await raw_call(fake, "SENDMESSAGE", data={"chat_id": CHAT, "text": "hi"})
    assert status == 200
    assert fake.requests[-1].method == "sendMessage"
    assert fake.sent("sendmessage")[0].params == {"chat_id": CHAT, "text": "hi"}


async def test_parameters_in_query_string_form_json_and_multipart(fake: FakeBotAPI) -> None:
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}

    async with aiohttp.ClientSession() as session:
        url = f"{fake.url}/bot{TOKEN}/sendMessage"
        async with session.get(url, params={"chat_id": str(CHAT), "text": "query"}) as r:
            assert r.status == 200
        async with session.post(url, data={"chat_id": CHAT, "text": "form"}) as r:
            assert r.status == 200
        body = {"chat_id": CHAT, "text": "json", "reply_markup": markup}
        async with session.post(url, json=body) as r:
            assert r.status == 200
            assert (await r.json())["result"]["reply_markup"] == markup
        form = aiohttp.FormData()
        form.add_field("chat_id", str(CHAT))
        form.add_field("text", "multipart")
        form.add_field("reply_markup", json.dumps(markup))
        form.add_field("unused", b"bytes", filename="x.bin")
        async with session.post(url, data=form) as r:
            assert r.status == 200

    records = fake.sent("sendMessage")
    assert [r.params["text"] for r in records] == ["query", "form", "json", "multipart"]
    assert [r.http_method for r in records] == ["GET", "POST", "POST", "POST"]
    assert records[2].params["reply_markup"] == markup  # JSON fields are decoded
    assert records[3].params["reply_markup"] == markup
    assert records[3].files["unused"].data == b"bytes"


# ---- sendMessage ---------------------------------------------------------------------------


async def test_send_message_returns_a_message(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    first = await bot.send_message(
        CHAT, "<b>Hello</b> there", parse_mode=ParseMode.HTML, reply_markup=keyboard("yes", "no")
    )
    second = await bot.send_message(CHAT, "again")
    other = await bot.send_message(CHAT + 1, "elsewhere")

    assert first.text == "Hello there"
    assert first.entities[0].type == "bold"
    assert (first.entities[0].offset, first.entities[0].length) == (0, 5)
    assert first.from_user.is_bot and first.from_user.id == fake.bot_user["id"]
    assert first.chat.id == CHAT
    assert first.reply_markup == keyboard("yes", "no")
    assert abs(first.date.timestamp() - time.time()) < 5
    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)

    record = fake.sent("sendMessage")[0]
    assert record.params["parse_mode"] == "HTML"
    assert record.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "yes"
    assert record.result["text"] == "Hello there"


async def test_reply_keyboards_are_accepted_but_not_returned(bot: telegram.Bot) -> None:
    reply = telegram.ReplyKeyboardMarkup([["One", "Two"]], resize_keyboard=True)
    message = await bot.send_message(CHAT, "choose", reply_markup=reply)
    assert message.reply_markup is None  # a Message carries only inline keyboards
    await bot.send_message(CHAT, "removed", reply_markup=telegram.ReplyKeyboardRemove())
    await bot.send_message(CHAT, "answer me", reply_markup=telegram.ForceReply())


async def test_text_length_limit(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    await bot.send_message(CHAT, "a" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CHAT, "a" * 4097)
    assert fake.requests[-1].description == "Bad Request: message is too long"

    # the limit counts after entity parsing ...
    await bot.send_message(CHAT, "<b>" + "a" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    # ... and in UTF-16 code units: each of these emoji is two of them
    await bot.send_message(CHAT, "😀" * 2048)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CHAT, "😀" * 2048 + "a")


async def test_empty_and_blank_text(fake: FakeBotAPI) -> None:
    status, body = await raw_call(fake, "sendMessage", data={"chat_id": CHAT})
    assert (status, body["description"]) == (400, "Bad Request: message text is empty")
    status, body = await raw_call(fake, "sendMessage", data={"chat_id": CHAT, "text": " \n "})
    assert (status, body["description"]) == (400, "Bad Request: message must be non-empty")
    status, body = await raw_call(fake, "sendMessage", data={"text": "no chat"})
    assert (status, body["description"]) == (400, "Bad Request: chat_id is empty")


async def test_unsupported_parse_mode(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    with pytest.raises(BadRequest):
        await bot.send_message(CHAT, "x", parse_mode="XML")
    assert fake.requests[-1].description == "Bad Request: unsupported parse_mode"


# ---- HTML ----------------------------------------------------------------------------------


async def test_html_escaped_text_is_accepted(bot: telegram.Bot) -> None:
    text = "<b>Fee:</b> 1.500 TND (approx.) for name_with_underscores &lt;ok&gt; &amp; more"
    message = await bot.send_message(CHAT, text, parse_mode=ParseMode.HTML)
    assert message.text == "Fee: 1.500 TND (approx.) for name_with_underscores <ok> & more"


async def test_html_bare_less_than_is_rejected(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(CHAT, "Fee < 1.500 TND (approx.)", parse_mode=ParseMode.HTML)
    assert fake.requests[-1].description == (
        'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 4'
    )


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("Hello, <foo>x</foo>", 'Unsupported start tag "foo" at byte offset 7'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("a <b", "Unclosed start tag at byte offset 2"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("é <x>", 'Unsupported start tag "x" at byte offset 3'),  # offsets count UTF-8 bytes
    ],
)
async def test_html_errors_match_telegram(fake: FakeBotAPI, text: str, error: str) -> None:
    data = {"chat_id": CHAT, "text": text, "parse_mode": "HTML"}
    status, body = await raw_call(fake, "sendMessage", data=data)
    assert status == 400
    assert body == {
        "ok": False,
        "error_code": 400,
        "description": f"Bad Request: can't parse entities: {error}",
    }


def test_html_supported_tags_and_entities() -> None:
    text, entities = parse_html(
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s>"
        '<strike>k</strike><del>d</del><span class="tg-spoiler">p</span><tg-spoiler>t</tg-spoiler>'
        '<a href="https://example.com/?a=1&amp;b=2">link</a><code>c</code>'
        '<pre><code class="language-python">x = 1</code></pre><pre>raw</pre>'
        "<blockquote>q</blockquote><blockquote expandable>e</blockquote>"
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>&#33;&#x41;&quot;'
    )
    assert text == 'bsieunskdptlinkcx = 1rawqe👍!A"'
    kinds = [e["type"] for e in entities]
    assert kinds == [
        "bold", "bold", "italic", "italic", "underline", "underline", "strikethrough",
        "strikethrough", "strikethrough", "spoiler", "spoiler", "text_link", "code", "pre",
        "pre", "blockquote", "expandable_blockquote", "custom_emoji",
    ]  # fmt: skip
    assert entities[11]["url"] == "https://example.com/?a=1&b=2"
    assert entities[13]["language"] == "python"
    assert "language" not in entities[14]
    assert iter_entities_text(text, entities)[-1] == ("custom_emoji", "👍")


def test_html_bare_ampersand_is_literal_like_telegram_unless_strict() -> None:
    assert parse_html("R&D &nbsp; 5 > 3") == ("R&D &nbsp; 5 > 3", [])
    with pytest.raises(Exception, match="strict mode"):
        parse_html("R&D", strict=True)


async def test_strict_html_option() -> None:
    async with FakeBotAPI(strict_html=True) as fake:
        data = {"chat_id": CHAT, "text": "Tom & Jerry", "parse_mode": "HTML"}
        status, _ = await raw_call(fake, "sendMessage", data=data)
        assert status == 400


async def test_html_entity_offsets_are_utf16(bot: telegram.Bot) -> None:
    message = await bot.send_message(CHAT, "😀 <b>é😀x</b>", parse_mode=ParseMode.HTML)
    assert message.text == "😀 é😀x"
    entity = message.entities[0]
    assert (entity.offset, entity.length) == (3, 4)
    assert message.parse_entity(entity) == "é😀x"


# ---- MarkdownV2 and Markdown ---------------------------------------------------------------


async def test_markdown_v2_reserved_characters(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(CHAT, "Fee: 1.500 TND", parse_mode=ParseMode.MARKDOWN_V2)
    assert fake.requests[-1].description == (
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with "
        "the preceding '\\'"
    )
    message = await bot.send_message(CHAT, "Fee: 1\\.500 TND", parse_mode=ParseMode.MARKDOWN_V2)
    assert message.text == "Fee: 1.500 TND"

    raw = "1.500 TND (approx.) name_with_underscores - done!"
    message = await bot.send_message(
        CHAT, f"*{escape_markdown(raw, version=2)}*", parse_mode=ParseMode.MARKDOWN_V2
    )
    assert message.text == raw
    assert message.entities[0].type == "bold"


@pytest.mark.parametrize("char", list("_*[]()~`>#+-=|{}.!"))
def test_markdown_v2_every_reserved_character_needs_escaping_outside_entities(char: str) -> None:
    assert parse_markdown_v2(f"a \\{char} b") == (f"a {char} b", [])
    if char in "_*[~`|>!":
        return  # these begin entities (or need more context) instead of failing at once
    with pytest.raises(Exception, match=f"Character '\\{char}' is reserved"):
        parse_markdown_v2(f"a {char} b")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("🏟 🏟_abacaba", "Can't find end of Italic entity at byte offset 9"),
        ("🏟 🏟_abac * asd ", "Can't find end of Bold entity at byte offset 15"),
        ("🏟 🏟_abac * asd _", "Can't find end of Italic entity at byte offset 21"),
        ("🏟 🏟__🏟 🏟_", "Can't find end of Italic entity at byte offset 20"),
        ("🏟 🏟_🏟 🏟__", "Can't find end of Underline entity at byte offset 19"),
        ("🏟 🏟```a", "Can't find end of Pre entity at byte offset 9"),
        ("🏟 🏟`", "Can't find end of Code entity at byte offset 9"),
        ("🏟 🏟```a ", "Can't find end of PreCode entity at byte offset 9"),
        ("[link](https://e.com", "Can't find end of a URL at byte offset 7"),
    ],
)
def test_markdown_v2_unclosed_entities(text: str, error: str) -> None:
    # cases from tdlib's own test suite (test/message_entities.cpp)
    with pytest.raises(Exception, match=error.replace("(", r"\(").replace("*", r"\*")):
        parse_markdown_v2(text)


def test_markdown_v2_entities() -> None:
    text, entities = parse_markdown_v2(
        "*b* _i_ __u__ ~s~ ||p|| `c\\`` [l](https://e.com/a\\)b) ```py\nx\n```"
    )
    assert text == "b i u s p c` l x\n"
    assert [e["type"] for e in entities] == [
        "bold", "italic", "underline", "strikethrough", "spoiler", "code", "text_link", "pre",
    ]  # fmt: skip
    assert entities[6]["url"] == "https://e.com/a)b"
    assert entities[7]["language"] == "py"


def test_legacy_markdown() -> None:
    assert parse_markdown("snake\\_case *b*")[0] == "snake_case b"
    with pytest.raises(Exception, match="Can't find end of the entity starting at byte offset 5"):
        parse_markdown("snake_case")


# ---- reply markup validation ---------------------------------------------------------------


async def test_callback_data_is_limited_to_64_bytes(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    await bot.send_message(CHAT, "ok", reply_markup=keyboard("x" * 64))
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(CHAT, "too long", reply_markup=keyboard("x" * 65))
    assert fake.requests[-1].description == "Bad Request: BUTTON_DATA_INVALID"
    with pytest.raises(BadRequest):  # 33 characters, 66 bytes
        await bot.send_message(CHAT, "bytes, not characters", reply_markup=keyboard("é" * 33))


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("{not json", "can't parse reply keyboard markup JSON object"),
        ("[1]", "object expected as reply markup"),
        ('{"inline_keyboard": {}}', 'field "inline_keyboard" must be of type Array'),
        (
            '{"inline_keyboard": [{"text": "a"}]}',
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays',
        ),
        (
            '{"inline_keyboard": [[{"callback_data": "a"}]]}',
            "can't parse inline keyboard button: Can't find field \"text\"",
        ),
        (
            '{"inline_keyboard": [[{"text": "a"}]]}',
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        ),
        (
            '{"inline_keyboard": [[{"text": "a", "callback_data": ""}]]}',
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        ),
        ('{"inline_keyboard": [[{"text": "", "callback_data": "a"}]]}', "BUTTON_TEXT_INVALID"),
    ],
)
async def test_reply_markup_errors(fake: FakeBotAPI, markup: str, error: str) -> None:
    data = {"chat_id": CHAT, "text": "x", "reply_markup": markup}
    status, body = await raw_call(fake, "sendMessage", data=data)
    assert (status, body["description"]) == (400, f"Bad Request: {error}")


async def test_inline_button_needs_exactly_one_action(fake: FakeBotAPI) -> None:
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "a", "url": "https://e.com"}]]}
    data = {"chat_id": CHAT, "text": "x", "reply_markup": json.dumps(markup)}
    status, body = await raw_call(fake, "sendMessage", data=data)
    assert status == 400
    assert "Exactly one of the optional fields must be used" in body["description"]


# ---- sendChatAction ------------------------------------------------------------------------


async def test_send_chat_action(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    for action in ("typing", "upload_photo", "record_voice", "find_location", "choose_sticker"):
        assert await bot.send_chat_action(CHAT, action) is True
    with pytest.raises(BadRequest, match=r"(?i)wrong parameter action"):
        await bot.send_chat_action(CHAT, "dancing")
    assert fake.sent("sendChatAction")[0].params["action"] == "typing"


# ---- updates, callback queries and editing ---------------------------------------------------


async def test_text_message_update_parses_in_ptb(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    update = fake.inject(fake.text_message(CHAT, "/status ABC", first_name="Amel"))
    parsed = Update.de_json(update, bot)
    assert parsed.update_id == update["update_id"]
    assert parsed.message.text == "/status ABC"
    assert parsed.message.from_user.first_name == "Amel"
    assert parsed.message.chat.type == "private"
    assert parsed.message.entities[0].type == "bot_command"
    assert parsed.message.parse_entity(parsed.message.entities[0]) == "/status"

    group = fake.text_message(-100123, "/start@fake_test_bot hi", user_id=7, chat_type="supergroup")
    message = Update.de_json({"update_id": 1, **group}, bot).message
    assert message.chat.type == "supergroup"
    assert message.from_user.id == 7
    assert message.parse_entity(message.entities[0]) == "/start@fake_test_bot"


async def test_mentions_and_replies_to_the_bot_in_a_group(
    bot: telegram.Bot, fake: FakeBotAPI
) -> None:
    sent = await bot.send_message(-100123, "Hello group")
    said = fake.text_message(
        -100123,
        "@fake_test_bot and the fees? /help",
        user_id=7,
        chat_type="supergroup",
        reply_to_message_id=sent.message_id,
    )
    message = Update.de_json({"update_id": 1, **said}, bot).message
    assert [(e.type, message.parse_entity(e)) for e in message.entities] == [
        ("mention", "@fake_test_bot"),
        ("bot_command", "/help"),
    ]
    assert message.reply_to_message.from_user.is_bot
    assert message.reply_to_message.text == "Hello group"
    with pytest.raises(LookupError):
        fake.text_message(-100123, "hm", user_id=7, chat_type="supergroup", reply_to_message_id=99)


async def test_a_user_who_blocked_the_bot_cannot_be_written_to(
    bot: telegram.Bot, fake: FakeBotAPI
) -> None:
    fake.block(CHAT)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "hello")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(CHAT, "typing")
    fake.unblock(CHAT)
    assert (await bot.send_message(CHAT, "hello again")).text == "hello again"


async def test_other_update_builders_parse_in_ptb(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    fake.inject(fake.text_message(CHAT, "first"))
    updates = [
        fake.inject(fake.edited_message(CHAT, "first, edited")),
        fake.inject(fake.location_message(CHAT, 36.8, 10.18)),
        fake.inject(fake.photo_message(CHAT, caption="look")),
        fake.inject(fake.voice_message(CHAT)),
        fake.inject(fake.sticker_message(CHAT)),
        fake.inject(fake.document_message(CHAT)),
        fake.inject(fake.contact_message(CHAT, "+21612345678")),
    ]
    edited, location, photo, voice, sticker, document, contact = (
        Update.de_json(u, bot) for u in updates
    )
    assert edited.edited_message.text == "first, edited"
    assert edited.edited_message.edit_date is not None
    assert location.message.location.latitude == pytest.approx(36.8)
    assert photo.message.photo[-1].width == 1280
    assert photo.message.caption == "look"
    assert voice.message.voice.mime_type == "audio/ogg"
    assert sticker.message.sticker.emoji == "👍"
    assert document.message.document.file_name == "document.pdf"
    assert contact.message.contact.phone_number == "+21612345678"
    # files of received messages can be fetched and sent again by file_id
    file = await bot.get_file(photo.message.photo[-1].file_id)
    assert file.file_path.startswith(f"{fake.base_file_url}{TOKEN}/photos/")
    await bot.send_photo(CHAT, photo.message.photo[-1].file_id)


async def test_callback_query_and_answer(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    sent = await bot.send_message(CHAT, "Pick one", reply_markup=keyboard("a", "b"))
    update = fake.inject(fake.callback_query(CHAT, sent.message_id, "b"))
    query = Update.de_json(update, bot).callback_query
    assert query.data == "b"
    assert query.message.message_id == sent.message_id
    assert query.message.reply_markup == keyboard("a", "b")
    assert query.from_user.id == CHAT

    assert await bot.answer_callback_query(query.id, text="Done") is True
    assert fake.callback_answers[query.id]["text"] == "Done"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)
    assert fake.requests[-1].description == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("12345")


def test_callback_query_builder_checks_the_message_and_data(fake: FakeBotAPI) -> None:
    with pytest.raises(LookupError, match="sent no message 5"):
        fake.callback_query(CHAT, 5, "a")


async def test_callback_query_data_must_be_on_a_button(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    sent = await bot.send_message(CHAT, "Pick", reply_markup=keyboard("a"))
    with pytest.raises(ValueError, match="no button with callback_data 'z'"):
        fake.callback_query(CHAT, sent.message_id, "z")
    assert fake.callback_query(CHAT, sent.message_id, "z", check_data=False)


async def test_answer_text_limit(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    sent = await bot.send_message(CHAT, "Pick", reply_markup=keyboard("a"))
    query_id = fake.inject(fake.callback_query(CHAT, sent.message_id, "a"))["callback_query"]["id"]
    with pytest.raises(BadRequest):
        await bot.answer_callback_query(query_id, text="x" * 201)
    assert await bot.answer_callback_query(query_id, text="x" * 200)


async def test_edit_message_reply_markup(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    sent = await bot.send_message(CHAT, "Pick", reply_markup=keyboard("a", "b"))
    edited = await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=keyboard("c"))
    assert edited.reply_markup == keyboard("c")
    assert edited.edit_date is not None
    assert fake.bot_messages(CHAT)[0]["reply_markup"] == keyboard("c").to_dict()

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=keyboard("c"))
    assert fake.requests[-1].description.startswith("Bad Request: message is not modified: ")

    removed = await bot.edit_message_reply_markup(CHAT, sent.message_id)
    assert removed.reply_markup is None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(CHAT, sent.message_id)

    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_reply_markup(CHAT, 999, reply_markup=keyboard("c"))
    assert fake.requests[-1].description == "Bad Request: message to edit not found"
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_reply_markup(CHAT + 5, sent.message_id, reply_markup=keyboard("c"))


# ---- getUpdates --------------------------------------------------------------------------------


async def test_long_poll_returns_on_inject(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    async def inject_later() -> None:
        await asyncio.sleep(0.3)
        fake.inject(fake.text_message(CHAT, "hello"))

    started = time.monotonic()
    injector = asyncio.create_task(inject_later())
    updates = await bot.get_updates(timeout=10)
    elapsed = time.monotonic() - started
    await injector
    assert [u.message.text for u in updates] == ["hello"]
    assert elapsed < 3


async def test_long_poll_times_out_with_no_updates(bot: telegram.Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 3


async def test_offset_confirms_updates(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    ids = [fake.inject(fake.text_message(CHAT, f"m{n}"))["update_id"] for n in range(3)]
    assert [u.update_id for u in await bot.get_updates()] == ids
    assert [u.update_id for u in await bot.get_updates(limit=1)] == ids[:1]
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert [u.update_id for u in await bot.get_updates()] == ids[1:]  # confirmed stay gone
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == ids[2:]
    assert await bot.get_updates(offset=ids[2] + 1) == ()
    assert fake.pending_updates == []


async def test_allowed_updates_filter_injected_updates(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    await bot.get_updates(allowed_updates=["callback_query"])
    dropped = fake.inject(fake.text_message(CHAT, "ignored"))
    assert fake.dropped_updates == [dropped]
    assert await bot.get_updates() == ()
    assert fake.calls("getUpdates")[0].params["allowed_updates"] == ["callback_query"]
    await bot.get_updates(allowed_updates=[])  # back to the default
    fake.inject(fake.text_message(CHAT, "seen"))
    assert len(await bot.get_updates()) == 1


async def test_second_long_poll_terminates_the_first(fake: FakeBotAPI) -> None:
    # (PTB's Bot keeps one connection for getUpdates, so two polls need raw requests)
    first = asyncio.create_task(raw_call(fake, "getUpdates", data={"timeout": 5}))
    await asyncio.sleep(0.2)
    second = asyncio.create_task(raw_call(fake, "getUpdates", data={"timeout": 1}))
    assert await first == (
        409,
        {
            "ok": False,
            "error_code": 409,
            "description": "Conflict: terminated by other getUpdates request; make sure that "
            "only one bot instance is running",
        },
    )
    assert await second == (200, {"ok": True, "result": []})


# ---- failures on demand ----------------------------------------------------------------------


async def test_fail_next_429_raises_retry_after(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    fake.fail_next("sendMessage", status=429, retry_after=2)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "hi")
    assert retry_seconds(caught.value) == 2
    assert fake.requests[-1].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 2",
        "parameters": {"retry_after": 2},
    }
    assert (await bot.send_message(CHAT, "hi")).text == "hi"  # works again
    assert len(fake.sent("sendMessage")) == 1
    assert len(fake.calls("sendMessage")) == 2


async def test_fail_next_5xx(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    fake.fail_next("sendMessage", status=500, times=2)
    fake.fail_next("getMe", status=502)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(CHAT, "hi")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.get_me()
    assert fake.requests[-1].response["description"] == "Bad Gateway"
    await bot.send_message(CHAT, "hi")
    await bot.get_me()


# ---- commands ----------------------------------------------------------------------------------


async def test_set_and_get_my_commands(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    commands = [("start", "Start over"), ("status", "Where is my request?")]
    assert await bot.set_my_commands(commands) is True
    assert [(c.command, c.description) for c in await bot.get_my_commands()] == commands
    assert fake.sent("setMyCommands")[0].params["commands"][0] == {
        "command": "start",
        "description": "Start over",
    }

    scope = telegram.BotCommandScopeChat(CHAT)
    await bot.set_my_commands([("aide", "Aide")], scope=scope, language_code="fr")
    assert [c.command for c in await bot.get_my_commands(scope=scope, language_code="fr")] == [
        "aide"
    ]
    assert [c.command for c in await bot.get_my_commands(scope=scope)] == []
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


@pytest.mark.parametrize(
    ("commands", "error"),
    [
        ([("Start", "Capital letter")], "BOT_COMMAND_INVALID"),
        ([("with-dash", "Dash")], "BOT_COMMAND_INVALID"),
        ([("a" * 33, "Too long")], "command length must not exceed 32"),
        ([("start", "")], "command description must be non-empty"),
        ([("start", "d" * 257)], "command description length must not exceed 256"),
        ([(f"c{n}", "d") for n in range(101)], "BOT_COMMANDS_TOO_MUCH"),
    ],
)
async def test_set_my_commands_errors(
    bot: telegram.Bot, fake: FakeBotAPI, commands: list, error: str
) -> None:
    with pytest.raises(BadRequest):
        await bot.set_my_commands(commands)
    assert fake.requests[-1].description == f"Bad Request: {error}"


async def test_command_limits_are_inclusive(bot: telegram.Bot) -> None:
    await bot.set_my_commands([("a" * 32, "d" * 256)] + [(f"c{n}", "d") for n in range(99)])
    assert len(await bot.get_my_commands()) == 100


# ---- webhooks ----------------------------------------------------------------------------------


async def test_set_webhook_and_info(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    assert await bot.set_webhook("https://bot.example.com/hook", secret_token="s3cr3t_-X")
    assert fake.webhook["url"] == "https://bot.example.com/hook"
    assert fake.webhook["secret_token"] == "s3cr3t_-X"
    assert fake.requests[-1].response["description"] == "Webhook was set"
    info = await bot.get_webhook_info()
    assert info.url == "https://bot.example.com/hook"
    assert info.pending_update_count == 0

    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()

    assert await bot.delete_webhook(drop_pending_updates=True)
    assert fake.requests[-1].response["description"] == "Webhook was deleted"
    assert fake.webhook is None
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates() == ()


@pytest.mark.parametrize(
    ("url", "secret", "error"),
    [
        (
            "http://bot.example.com/hook",
            None,
            "bad webhook: An HTTPS URL must be provided for webhook",
        ),
        (
            "https://bot.example.com:8080/hook",
            None,
            "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
        ),
        ("https://127.0.0.1/hook", None, "bad webhook: IP address 127.0.0.1 is reserved"),
        ("https://localhost:8443/hook", None, "bad webhook: IP address 127.0.0.1 is reserved"),
        ("ftp://bot.example.com/hook", None, "invalid webhook URL specified"),
        (
            "https://bot.example.com/hook",
            "not allowed!",
            "secret token contains unallowed characters",
        ),
        ("https://bot.example.com/hook", "x" * 257, "secret token is too long"),
    ],
)
async def test_set_webhook_errors(
    bot: telegram.Bot, fake: FakeBotAPI, url: str, secret: str | None, error: str
) -> None:
    with pytest.raises(BadRequest):
        await bot.set_webhook(url, secret_token=secret)
    assert fake.requests[-1].method == "setWebhook"
    assert fake.requests[-1].params["url"] == url
    assert fake.requests[-1].description == f"Bad Request: {error}"
    assert fake.webhook is None


async def test_webhook_ports_that_telegram_allows(bot: telegram.Bot) -> None:
    for port in (443, 80, 88, 8443):
        assert await bot.set_webhook(f"https://bot.example.com:{port}/hook")


async def test_local_mode_accepts_local_http_webhooks() -> None:
    async with FakeBotAPI(local_mode=True) as fake:
        data = {"url": "http://127.0.0.1:8080/hook"}
        status, body = await raw_call(fake, "setWebhook", data=data)
        assert (status, body["result"]) == (200, True)


async def test_deliver_to_webhook(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    received: list[tuple[str | None, dict]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    local = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        await bot.set_webhook("https://bot.example.com/hook", secret_token="s3cret")
        update = fake.text_message(CHAT, "/start")
        assert await fake.deliver_to_webhook(update, url=local) == 200
    finally:
        await runner.cleanup()
    secret, body = received[0]
    assert secret == "s3cret"
    assert body["message"]["text"] == "/start"
    assert "update_id" in body


# ---- sendPhoto -------------------------------------------------------------------------------


async def test_send_photo(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    message = await bot.send_photo(
        CHAT, png(64, 48), caption="<i>Map</i> of 1.500 m", parse_mode=ParseMode.HTML
    )
    assert message.caption == "Map of 1.500 m"
    assert message.caption_entities[0].type == "italic"
    assert message.photo[-1].width == 64 and message.photo[-1].height == 48
    upload = fake.sent("sendPhoto")[0].files["photo"]
    assert upload.data.startswith(b"\x89PNG")

    again = await bot.send_photo(CHAT, message.photo[-1].file_id)
    assert again.photo
    by_url = await bot.send_photo(CHAT, "https://example.com/map.png")
    assert by_url.photo

    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(CHAT, "not-a-file-id")
    with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
        await bot.send_photo(CHAT, b"this is not an image")
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_photo(CHAT, png(), caption="c" * 1025)
    await bot.send_photo(CHAT, png(), caption="c" * 1024)
    status, body = await raw_call(fake, "sendPhoto", data={"chat_id": CHAT})
    assert (status, body["description"]) == (400, "Bad Request: there is no photo in the request")


# ---- waiting ---------------------------------------------------------------------------------


async def test_wait_for(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    async def send_later() -> None:
        await asyncio.sleep(0.2)
        await bot.send_message(CHAT, "one")
        await bot.send_message(CHAT, "two")

    task = asyncio.create_task(send_later())
    records = await fake.wait_for("sendMessage", count=2, timeout=5)
    await task
    assert [r.params["text"] for r in records] == ["one", "two"]
    found = await fake.wait_for(lambda r: r.params.get("text") == "two")
    assert found[0].result["text"] == "two"

    with pytest.raises(TimeoutError) as caught:
        await fake.wait_for("sendPhoto", timeout=0.2)
    message = str(caught.value)
    assert "1 successful sendPhoto call(s), found 0" in message
    assert "sendMessage 200 x2" in message


# ---- a whole python-telegram-bot Application -------------------------------------------------


async def test_ptb_application_polls_and_replies(fake: FakeBotAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text("Welcome!", reply_markup=keyboard("help"))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("Opening help")
        await update.callback_query.edit_message_reply_markup(None)

    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{fake.url}/bot")
        .base_file_url(f"{fake.url}/file/bot")
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(pressed))
    async with application:
        await application.start()
        await application.updater.start_polling(poll_interval=0, timeout=1)
        try:
            fake.inject(fake.text_message(CHAT, "/start"))
            [reply] = await fake.wait_for("sendMessage", timeout=10)
            assert reply.params["text"] == "Welcome!"
            assert reply.params["chat_id"] == CHAT

            fake.inject(fake.callback_query(CHAT, reply.result["message_id"], "help"))
            [answer] = await fake.wait_for("answerCallbackQuery", timeout=10)
            assert answer.params["text"] == "Opening help"
            await fake.wait_for("editMessageReplyMarkup", timeout=10)
        finally:
            await application.updater.stop()
            await application.stop()
    assert fake.sent("deleteWebhook")  # PTB's polling bootstrap
