"""A local fake of the Telegram Bot API server, for tests that cannot reach Telegram.

Point any Bot API client at ``FakeBotAPI.url`` (python-telegram-bot:
``ApplicationBuilder().token(TOKEN).base_url(f"{fake.url}/bot")
.base_file_url(f"{fake.url}/file/bot")``), inject updates as a user would cause them, and assert
on what the bot called. Requests are validated the way the real server validates them: the
entity parsers are ports of tdlib's ``parse_html``, ``parse_markdown_v2`` and ``parse_markdown``
(td/telegram/MessageEntity.cpp) and the error descriptions are the ones of the Bot API server
(tdlib/telegram-bot-api, Client.cpp and WebhookActor.cpp). README.md lists what is checked and
where the fake knowingly differs from Telegram.
"""

from __future__ import annotations

import asyncio
import copy
import ipaddress
import itertools
import json
import logging
import re
import secrets
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from aiohttp import ClientSession, ClientTimeout, web

LOGGER = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456789:AAHfakeTokenForLocalTestsOnly0123456"

MAX_TEXT_LENGTH = 4096  # UTF-16 code units after entity parsing
MAX_CAPTION_LENGTH = 1024
MAX_RAW_TEXT_BYTES = 1 << 15  # the Bot API server refuses longer text before parsing it
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_COMMANDS = 100
MAX_COMMAND_LENGTH = 32
MAX_COMMAND_DESCRIPTION_LENGTH = 256
MAX_SECRET_TOKEN_LENGTH = 256
LONG_POLL_MAX_TIMEOUT = 50
WEBHOOK_PORTS = (443, 80, 88, 8443)

# Canonical names of the methods the fake implements, keyed by their lower-case form (the Bot
# API matches method names case-insensitively).
METHODS = {
    name.lower(): name
    for name in (
        "getMe",
        "getUpdates",
        "setWebhook",
        "deleteWebhook",
        "getWebhookInfo",
        "sendMessage",
        "sendPhoto",
        "sendChatAction",
        "answerCallbackQuery",
        "editMessageReplyMarkup",
        "setMyCommands",
        "getMyCommands",
        "deleteMyCommands",
        "getFile",
    )
}

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
)
# "Specify an empty list to receive all update types except chat_member, message_reaction, and
# message_reaction_count (default)."
DEFAULT_ALLOWED_UPDATES = frozenset(UPDATE_TYPES) - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}

# Parameters that Bot API clients send as JSON-serialized strings inside form data.
JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "commands",
        "allowed_updates",
        "entities",
        "caption_entities",
        "scope",
        "link_preview_options",
        "reply_parameters",
        "media",
        "results",
        "permissions",
    }
)
INT_PARAMS = frozenset(
    {
        "message_id",
        "message_thread_id",
        "reply_to_message_id",
        "offset",
        "limit",
        "timeout",
        "max_connections",
        "cache_time",
        "user_id",
    }
)
BOOL_PARAMS = frozenset(
    {
        "show_alert",
        "drop_pending_updates",
        "disable_notification",
        "protect_content",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "has_spoiler",
        "show_caption_above_media",
    }
)

INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
GET_UPDATES_WITH_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)
GET_UPDATES_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, status: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str) -> ApiError:
    return ApiError(400, f"Bad Request: {message}")


class EntityParseError(Exception):
    """Raised by the entity parsers; the API answers "Bad Request: can't parse entities: ..."."""


# --------------------------------------------------------------------------------------------
# Text helpers


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the unit of every Telegram length limit and entity offset."""
    return len(text.encode("utf-16-le")) // 2


def to_bool(value: Any) -> bool:
    """The Bot API server's reading of a boolean argument."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "yes", "1")


def to_int(value: Any, default: int = 0) -> int:
    """The Bot API server's reading of an integer argument: an unparsable one reads as 0."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    match = re.match(r"\s*([+-]?\d+)", str(value))
    return int(match.group(1)) if match else 0


def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def _first_unit(byte: int) -> bool:
    """Whether a UTF-8 byte starts a character."""
    return (byte & 0xC0) != 0x80


def _units(byte: int) -> int:
    """UTF-16 code units of the character that a leading UTF-8 byte starts."""
    return 2 if byte >= 0xF0 else 1


def _is_space(byte: int) -> bool:
    # td::is_space, where the terminating NUL of a C string counts as a space
    return byte in (0x20, 0x09, 0x0D, 0x0A, 0x0B, 0x0C, 0x00)


def _is_alnum(byte: int) -> bool:
    return 0x30 <= byte <= 0x39 or 0x41 <= byte <= 0x5A or 0x61 <= byte <= 0x7A


def _is_alpha(byte: int) -> bool:
    return 0x41 <= byte <= 0x5A or 0x61 <= byte <= 0x7A


def _text(data: bytes | bytearray) -> str:
    return bytes(data).decode("utf-8", "replace")


def checked_link(url: str) -> str | None:
    """A simplified LinkManager::get_checked_link: None where Telegram drops the link."""
    url = url.strip()
    if not url or any(c.isspace() for c in url):
        return None
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", url)
    if scheme:
        if scheme.group(1).lower() in ("http", "https", "tg", "ton", "tonsite", "ftp"):
            return url
        return None
    host = re.split(r"[/?#]", url, maxsplit=1)[0]
    if "." in host.strip("."):
        return "http://" + url
    return None


def _link_entity(kind: dict[str, Any], url: str) -> dict[str, Any] | None:
    user = re.fullmatch(r"tg://user\?id=(\d+)", url.strip())
    if user:
        return {**kind, "type": "text_mention", "user": {"id": int(user.group(1))}}
    link = checked_link(url)
    if link is None:
        return None
    return {**kind, "type": "text_link", "url": link}


# --------------------------------------------------------------------------------------------
# HTML parse mode: a port of tdlib's parse_html, over UTF-8 bytes so that the byte offsets in the
# error messages are Telegram's.

HTML_TAGS = frozenset(
    {
        b"a",
        b"b",
        b"strong",
        b"i",
        b"em",
        b"s",
        b"strike",
        b"del",
        b"u",
        b"ins",
        b"tg-spoiler",
        b"tg-emoji",
        b"tg-time",
        b"span",
        b"pre",
        b"code",
        b"blockquote",
    }
)


def _decode_html_entity(data: bytes, pos: int) -> tuple[int, int]:
    """(code point, position after the entity), or (0, pos) where ``&`` starts no entity."""
    n = len(data)

    def at(i: int) -> int:
        return data[i] if i < n else 0

    end = pos + 1
    code = 0
    if at(pos + 1) == ord("#"):
        end += 1
        if at(pos + 2) == ord("x"):
            end += 1
            while chr(at(end)) in "0123456789abcdefABCDEF":
                code = code * 16 + int(chr(at(end)), 16)
                end += 1
        else:
            while 0x30 <= at(end) <= 0x39:
                code = code * 10 + at(end) - 0x30
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while _is_alpha(at(end)):
            end += 1
        name = data[pos + 1 : end]
        code = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}.get(name, 0)
        if code == 0:
            return 0, pos
    if at(end) == ord(";"):
        end += 1
    return code, end


def parse_html(text: str, *, strict: bool = False) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram's HTML style into (plain text, entities).

    ``strict=True`` also refuses a bare ``&`` or ``>``, which the Bot API documentation says must
    be escaped but which the real server accepts as literal characters.
    """
    data = text.encode("utf-8")
    n = len(data)

    def at(i: int) -> int:
        return data[i] if i < n else 0

    out = bytearray()
    entities: list[dict[str, Any]] = []
    utf16 = 0
    stack: list[tuple[bytes, bytes, int, int]] = []  # tag, argument, utf16 offset, out position
    i = 0
    while i < n:
        c = data[i]
        if c == ord("&"):
            code, end = _decode_html_entity(data, i)
            if code:
                if 0xD800 <= code <= 0xDFFF:
                    raise EntityParseError(
                        "Text contains invalid Unicode characters after decoding HTML entities, "
                        "check for unmatched surrogate code units"
                    )
                utf16 += 2 if code > 0xFFFF else 1
                out += chr(code).encode("utf-8")
                i = end
                continue
            if strict:
                raise EntityParseError(
                    f"Character '&' at byte offset {i} must be escaped as &amp; (strict mode)"
                )
        if c != ord("<"):
            if strict and c == ord(">"):
                raise EntityParseError(
                    f"Character '>' at byte offset {i} must be escaped as &gt; (strict mode)"
                )
            if _first_unit(c):
                utf16 += _units(c)
            out.append(c)
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != ord("/"):
            while not _is_space(at(i)) and at(i) != ord(">"):
                i += 1
            if at(i) == 0:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
            tag = bytes(data[begin + 1 : i]).lower()  # ASCII-only, as td::to_lower
            if tag not in HTML_TAGS:
                raise EntityParseError(
                    f'Unsupported start tag "{_text(tag)}" at byte offset {begin}'
                )
            argument = b""
            while at(i) != ord(">"):
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) == ord(">"):
                    break
                name_begin = i
                while not _is_space(at(i)) and at(i) not in b"=>/\"'":
                    i += 1
                name = bytes(data[name_begin:i])
                if not name:
                    raise EntityParseError(
                        f'Empty attribute name in the tag "{_text(tag)}" at byte offset {begin}'
                    )
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) != ord("="):
                    if at(i) == 0:
                        raise EntityParseError(
                            f'Unclosed start tag "{_text(tag)}" at byte offset {begin}'
                        )
                    if tag == b"blockquote" and name == b"expandable":
                        argument = b"1"
                    continue
                i += 1
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) == 0:
                    raise EntityParseError(
                        f'Unclosed start tag "{_text(tag)}" at byte offset {begin}'
                    )
                if at(i) not in (ord("'"), ord('"')):
                    token_begin = i
                    while _is_alnum(at(i)) or at(i) in (ord("."), ord("-")):
                        i += 1
                    value = bytes(data[token_begin:i]).lower()
                    if not _is_space(at(i)) and at(i) != ord(">"):
                        raise EntityParseError(
                            f"Unexpected end of name token at byte offset {token_begin}"
                        )
                else:
                    quote = at(i)
                    i += 1
                    collected = bytearray()
                    while at(i) != quote and at(i) != 0:
                        if at(i) == ord("&"):
                            code, end = _decode_html_entity(data, i)
                            if code:
                                collected += chr(code).encode("utf-8", "surrogatepass")
                                i = end
                                continue
                        collected.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = bytes(collected)
                if at(i) == 0:
                    raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
                if tag == b"a" and name == b"href":
                    argument = value
                elif tag == b"code" and name == b"class" and value.startswith(b"language-"):
                    argument = value[9:]
                elif tag == b"span" and name == b"class" and value.startswith(b"tg-"):
                    argument = value[3:]
                elif (tag == b"tg-emoji" and name == b"emoji-id") or (
                    tag == b"tg-time" and name == b"unix"
                ):
                    argument = value
                elif tag == b"blockquote" and name == b"expandable":
                    argument = b"1"
            if tag == b"span" and argument != b"spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
                )
            stack.append((tag, argument, utf16, len(out)))
            i += 1  # the '>'
            continue

        # an end tag
        if not stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
        while not _is_space(at(i)) and at(i) != ord(">"):
            i += 1
        end_tag = bytes(data[begin + 2 : i]).lower()
        while _is_space(at(i)) and at(i) != 0:
            i += 1
        if at(i) != ord(">"):
            raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
        tag, argument, offset, out_pos = stack[-1]
        if end_tag and end_tag != tag:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{_text(tag)}>", '
                f'found "</{_text(end_tag)}>"'
            )
        if utf16 > offset:
            _close_html_entity(entities, tag, argument, offset, utf16 - offset, out[out_pos:])
        stack.pop()
        i += 1  # the '>'

    if stack:
        raise EntityParseError(
            f'Can\'t find end tag corresponding to start tag "{_text(stack[-1][0])}"'
        )
    for entity in entities:
        entity.pop("_code_language", None)
    return out.decode("utf-8"), entities


def _close_html_entity(
    entities: list[dict[str, Any]],
    tag: bytes,
    argument: bytes,
    offset: int,
    length: int,
    content: bytearray,
) -> None:
    kind: dict[str, Any] = {"offset": offset, "length": length}
    last = entities[-1] if entities else None
    same_span = last is not None and last["offset"] == offset and last["length"] == length
    simple = {
        b"b": "bold",
        b"strong": "bold",
        b"i": "italic",
        b"em": "italic",
        b"u": "underline",
        b"ins": "underline",
        b"s": "strikethrough",
        b"strike": "strikethrough",
        b"del": "strikethrough",
        b"tg-spoiler": "spoiler",
        b"span": "spoiler",
    }
    if tag in simple:
        entities.append({**kind, "type": simple[tag]})
    elif tag == b"tg-emoji":
        try:
            emoji_id = int(argument)
        except ValueError:
            emoji_id = 0
        if emoji_id == 0:
            raise EntityParseError("Invalid custom emoji identifier specified")
        entities.append({**kind, "type": "custom_emoji", "custom_emoji_id": str(emoji_id)})
    elif tag == b"tg-time":
        pass  # accepted; the fake does not model date_time entities
    elif tag == b"a":
        url = _text(argument) if argument else _text(content)
        entity = _link_entity(kind, url)
        if entity is not None:
            entities.append(entity)
    elif tag == b"pre":
        if same_span and last and last["type"] == "code" and last.get("_code_language"):
            last["type"] = "pre"
            last["language"] = last.pop("_code_language")
        else:
            entities.append({**kind, "type": "pre"})
    elif tag == b"code":
        if same_span and last and last["type"] == "pre" and argument:
            last["language"] = _text(argument)
        else:
            entity = {**kind, "type": "code"}
            if argument:
                entity["_code_language"] = _text(argument)
            entities.append(entity)
    elif tag == b"blockquote":
        entities.append({**kind, "type": "expandable_blockquote" if argument else "blockquote"})


# --------------------------------------------------------------------------------------------
# MarkdownV2 parse mode: a port of tdlib's parse_markdown_v2.

_MDV2_TYPES = {
    "Bold": "bold",
    "Italic": "italic",
    "Underline": "underline",
    "Strikethrough": "strikethrough",
    "Spoiler": "spoiler",
    "Code": "code",
    "Pre": "pre",
    "PreCode": "pre",
    "TextUrl": "text_link",
    "CustomEmoji": "custom_emoji",
    "BlockQuote": "blockquote",
    "ExpandableBlockQuote": "expandable_blockquote",
}


@dataclass
class _Open:
    type: str
    argument: bytes
    offset: int  # UTF-16 offset in the result
    byte_offset: int  # in the source, for error messages
    begin: int  # position in the result bytes


def _reserved(char: int) -> EntityParseError:
    return EntityParseError(
        f"Character '{chr(char)}' is reserved and must be escaped with the preceding '\\'"
    )


def parse_markdown_v2(text: str) -> tuple[str, list[dict[str, Any]]]:
    data = text.encode("utf-8")
    n = len(data)

    def at(i: int) -> int:
        return data[i] if i < n else 0

    def read_parenthesised(start: int) -> tuple[bytearray, int]:
        """The bytes up to the closing ")", backslash escapes resolved, and where it stopped."""
        j = start
        collected = bytearray()
        while j < n and data[j] != ord(")"):
            if data[j] == ord("\\") and 0 < at(j + 1) <= 126:
                collected.append(data[j + 1])
                j += 2
                continue
            collected.append(data[j])
            j += 1
        return collected, j

    out = bytearray()
    entities: list[dict[str, Any]] = []
    stack: list[_Open] = []
    utf16 = 0
    have_blockquote = False
    can_start_blockquote = True
    i = 0
    while i < n:
        c = data[i]
        if c == ord("\\") and 0 < at(i + 1) <= 126:
            i += 1
            utf16 += 1
            out.append(data[i])
            if data[i] != ord("\r"):
                can_start_blockquote = data[i] == ord("\n")
            i += 1
            continue

        reserved = b"_*[]()~`>#+-=|{}.!\n"
        if stack and stack[-1].type in ("Code", "Pre", "PreCode"):
            reserved = b"`"
        if c not in reserved:
            if _first_unit(c):
                utf16 += _units(c)
                if c != ord("\r"):
                    can_start_blockquote = False
            out.append(c)
            i += 1
            continue

        is_end = False
        if stack:
            top = stack[-1].type
            if have_blockquote and c == ord("\n") and (i + 1 == n or at(i + 1) != ord(">")):
                is_end = True
            elif top == "Bold":
                is_end = c == ord("*")
            elif top == "Italic":
                is_end = c == ord("_") and at(i + 1) != ord("_")
            elif top == "Code":
                is_end = c == ord("`")
            elif top in ("Pre", "PreCode"):
                is_end = c == ord("`") and at(i + 1) == ord("`") and at(i + 2) == ord("`")
            elif top in ("TextUrl", "CustomEmoji"):
                is_end = c == ord("]")
            elif top == "Underline":
                is_end = c == ord("_") and at(i + 1) == ord("_")
            elif top == "Strikethrough":
                is_end = c == ord("~")
            elif top == "Spoiler":
                is_end = c == ord("|") and at(i + 1) == ord("|")

        if not is_end:
            kind: str | None
            argument = b""
            byte_offset = i
            if c == ord("_"):
                if at(i + 1) == ord("_"):
                    kind = "Underline"
                    i += 1
                else:
                    kind = "Italic"
            elif c == ord("*"):
                kind = "Bold"
            elif c == ord("~"):
                kind = "Strikethrough"
            elif c == ord("|"):
                if at(i + 1) != ord("|"):
                    raise _reserved(c)
                i += 1
                kind = "Spoiler"
            elif c == ord("["):
                kind = "TextUrl"
            elif c == ord("`"):
                if at(i + 1) == ord("`") and at(i + 2) == ord("`"):
                    i += 3
                    kind = "Pre"
                    language_end = i
                    while not _is_space(at(language_end)) and at(language_end) != ord("`"):
                        language_end += 1
                    if i != language_end and language_end < n and at(language_end) != ord("`"):
                        kind = "PreCode"
                        argument = bytes(data[i:language_end])
                        i = language_end
                    if at(i) in (ord("\n"), ord("\r")):
                        if at(i + 1) in (ord("\n"), ord("\r")) and at(i) != at(i + 1):
                            i += 2
                        else:
                            i += 1
                    i -= 1
                else:
                    kind = "Code"
            elif c == ord("!"):
                if at(i + 1) != ord("["):
                    raise _reserved(c)
                i += 1
                kind = "CustomEmoji"
            elif c == ord("\n"):
                utf16 += 1
                out.append(c)
                can_start_blockquote = True
                kind = None
            elif c == ord(">"):
                if not can_start_blockquote:
                    raise _reserved(c)
                if have_blockquote:
                    kind = None
                else:
                    kind = "BlockQuote"
                    have_blockquote = True
            else:
                raise _reserved(c)
            if kind is not None:
                stack.append(_Open(kind, argument, utf16, byte_offset, len(out)))
            i += 1
            continue

        # the end of an entity
        kind = stack[-1].type
        if c == ord("\n") and kind != "BlockQuote":
            top = stack[-1]
            closes_expandable = top.byte_offset == i - 2 or (
                top.byte_offset == i - 3 and out and out[-1] == ord("\r")
            )
            if kind != "Spoiler" or not closes_expandable:
                raise EntityParseError(
                    f"Can't find end of {kind} entity at byte offset {top.byte_offset}"
                )
            stack.pop()
            kind = stack[-1].type
            if kind != "BlockQuote":
                raise EntityParseError(
                    f"Can't find end of {kind} entity at byte offset {stack[-1].byte_offset}"
                )
            kind = "ExpandableBlockQuote"
        top = stack[-1]
        argument = top.argument
        skip = utf16 == top.offset
        entity: dict[str, Any] | None = None
        if kind in ("Underline", "Spoiler"):
            i += 1
        elif kind in ("Pre", "PreCode"):
            i += 2
        elif kind == "TextUrl":
            if at(i + 1) != ord("("):
                url = _text(out[top.begin :])
            else:
                i += 2
                url_begin = i
                collected, i = read_parenthesised(i)
                if at(i) != ord(")"):
                    raise EntityParseError(f"Can't find end of a URL at byte offset {url_begin}")
                url = _text(collected)
            entity = _link_entity({}, url)
            if entity is None:
                skip = True
        elif kind == "CustomEmoji":
            if at(i + 1) != ord("("):
                raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
            i += 2
            url_begin = i
            collected, i = read_parenthesised(i)
            if at(i) != ord(")"):
                raise EntityParseError(
                    f"Can't find end of a custom emoji URL at byte offset {url_begin}"
                )
            emoji = re.fullmatch(r"tg://emoji\?id=(\d+)", _text(collected))
            if not emoji or int(emoji.group(1)) == 0:
                raise EntityParseError("Invalid custom emoji identifier specified")
            entity = {"type": "custom_emoji", "custom_emoji_id": emoji.group(1)}
        elif kind in ("BlockQuote", "ExpandableBlockQuote"):
            have_blockquote = False
            out.append(data[i])
            can_start_blockquote = True
            utf16 += 1
            skip = False
        if not skip:
            entity = entity or {"type": _MDV2_TYPES[kind]}
            entity["offset"] = top.offset
            entity["length"] = utf16 - top.offset
            if kind == "PreCode":
                entity["language"] = _text(argument)
            entities.append(entity)
        stack.pop()
        i += 1

    if have_blockquote:
        kind = "BlockQuote"
        if stack and stack[-1].type == "Spoiler" and stack[-1].byte_offset == n - 2:
            stack.pop()
            kind = "ExpandableBlockQuote"
        if stack and stack[-1].type == "BlockQuote":
            length = utf16 - stack[-1].offset
            if length:
                entities.append(
                    {"type": _MDV2_TYPES[kind], "offset": stack[-1].offset, "length": length}
                )
            stack.pop()
    if stack:
        raise EntityParseError(
            f"Can't find end of {stack[-1].type} entity at byte offset {stack[-1].byte_offset}"
        )
    return out.decode("utf-8"), entities


# --------------------------------------------------------------------------------------------
# Legacy Markdown parse mode: a port of tdlib's parse_markdown.


def parse_markdown(text: str) -> tuple[str, list[dict[str, Any]]]:
    data = text.encode("utf-8")
    n = len(data)

    def at(i: int) -> int:
        return data[i] if i < n else 0

    out = bytearray()
    entities: list[dict[str, Any]] = []
    utf16 = 0
    i = 0
    while i < n:
        c = data[i]
        if c == ord("\\") and at(i + 1) in b"_*`[":
            i += 1
            out.append(data[i])
            utf16 += 1
            i += 1
            continue
        if c not in b"_*`[":
            if _first_unit(c):
                utf16 += _units(c)
            out.append(c)
            i += 1
            continue
        begin = i
        end_char = ord("]") if c == ord("[") else c
        is_pre = False
        i += 1
        language = b""
        if c == ord("`") and at(i) == ord("`") and at(i + 1) == ord("`"):
            i += 2
            is_pre = True
            language_end = i
            while not _is_space(at(language_end)) and at(language_end) != ord("`"):
                language_end += 1
            if i != language_end and language_end < n and at(language_end) != ord("`"):
                language = bytes(data[i:language_end])
                i = language_end
            if at(i) in (ord("\n"), ord("\r")):
                if at(i + 1) in (ord("\n"), ord("\r")) and at(i) != at(i + 1):
                    i += 2
                else:
                    i += 1
        offset = utf16
        while i < n and (
            data[i] != end_char
            or (is_pre and not (at(i + 1) == ord("`") and at(i + 2) == ord("`")))
        ):
            if _first_unit(data[i]):
                utf16 += _units(data[i])
            out.append(data[i])
            i += 1
        if i == n:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {begin}")
        if offset != utf16:
            kind = {"offset": offset, "length": utf16 - offset}
            if c == ord("_"):
                entities.append({**kind, "type": "italic"})
            elif c == ord("*"):
                entities.append({**kind, "type": "bold"})
            elif c == ord("["):
                if at(i + 1) != ord("("):
                    url = _text(data[begin + 1 : i])
                else:
                    i += 2
                    url_begin = i
                    while i < n and data[i] != ord(")"):
                        i += 1
                    url = _text(data[url_begin:i])
                entity = _link_entity(kind, url)
                if entity is not None:
                    entities.append(entity)
            elif is_pre:
                entity = {**kind, "type": "pre"}
                if language:
                    entity["language"] = _text(language)
                entities.append(entity)
            else:
                entities.append({**kind, "type": "code"})
        if is_pre:
            i += 2
        i += 1
    return out.decode("utf-8"), entities


# --------------------------------------------------------------------------------------------
# Formatted text as the Bot API server builds it


_TRIMMED = " \t\r\n\v\f"


def format_text(
    text: str, parse_mode: str, raw_entities: str, *, strict_html: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """(text, entities) for a text or caption, or ApiError as the Bot API server answers."""
    if len(text.encode("utf-8")) > MAX_RAW_TEXT_BYTES:
        raise bad_request("text is too long")
    mode = parse_mode.strip().lower()
    entities: list[dict[str, Any]] = []
    if text and mode and mode != "none":
        parsers: dict[str, Callable[[str], tuple[str, list[dict[str, Any]]]]] = {
            "html": lambda t: parse_html(t, strict=strict_html),
            "markdownv2": parse_markdown_v2,
            "markdown": parse_markdown,
        }
        if mode not in parsers:
            raise bad_request("unsupported parse_mode")
        try:
            text, entities = parsers[mode](text)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    elif raw_entities:
        entities = _explicit_entities(raw_entities)
    return _trim(text, entities)


def _explicit_entities(raw: str) -> list[dict[str, Any]]:
    try:
        value = json.loads(raw)
    except ValueError:
        return []
    if not isinstance(value, list):
        return []
    entities = []
    for item in value:
        if not isinstance(item, dict):
            raise bad_request("can't parse MessageEntity: expected an Object")
        for name in ("offset", "length"):
            if not isinstance(item.get(name), int):
                raise bad_request(f"can't parse MessageEntity: Can't find field \"{name}\"")
        if not isinstance(item.get("type"), str):
            raise bad_request("can't parse MessageEntity: Can't find field \"type\"")
        entities.append(dict(item))
    return entities


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram strips leading and trailing white space; entities move and are clipped."""
    stripped = text.strip(_TRIMMED)
    if stripped == text:
        kept = [e for e in entities if e["length"] > 0]
    else:
        shift = utf16_length(text[: len(text) - len(text.lstrip(_TRIMMED))])
        total = utf16_length(stripped)
        kept = []
        for entity in entities:
            start = clamp(entity["offset"] - shift, 0, total)
            end = clamp(entity["offset"] + entity["length"] - shift, 0, total)
            if end > start:
                kept.append({**entity, "offset": start, "length": end - start})
    kept.sort(key=lambda e: (e["offset"], -e["length"]))
    return stripped, kept


# --------------------------------------------------------------------------------------------
# Reply markup


@dataclass
class Markup:
    kind: str  # "inline_keyboard", "keyboard", "remove_keyboard" or "force_reply"
    value: dict[str, Any]


def _json_field_error(name: str, kind: str) -> ApiError:
    return bad_request(f'field "{name}" must be of type {kind}')


def parse_reply_markup(raw: str) -> Markup | None:
    """The Bot API server's reading of ``reply_markup``; None where it means no markup."""
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(value, dict):
        raise bad_request("object expected as reply markup")

    rows: list[list[Any]] = []
    keyboard = value.get("keyboard")
    if keyboard is not None:
        if not isinstance(keyboard, list):
            raise _json_field_error("keyboard", "Array")
        for row in keyboard:
            if not isinstance(row, list):
                raise bad_request('field "keyboard" must be an Array of Arrays')
            for button in row:
                if isinstance(button, dict):
                    if "text" not in button:
                        raise bad_request("can't parse keyboard button: Can't find field \"text\"")
                elif not isinstance(button, str):
                    raise bad_request(
                        "can't parse keyboard button: KeyboardButton must be a String or an Object"
                    )
            rows.append(row)

    inline_rows: list[list[dict[str, Any]]] = []
    inline = value.get("inline_keyboard")
    if inline is not None:
        if not isinstance(inline, list):
            raise _json_field_error("inline_keyboard", "Array")
        for row in inline:
            if not isinstance(row, list):
                raise bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
                )
            inline_rows.append([_inline_button(button) for button in row])

    if rows:
        return Markup("keyboard", value)
    if inline_rows:
        return Markup("inline_keyboard", {"inline_keyboard": inline_rows})
    if to_bool(value.get("remove_keyboard", False)) or to_bool(value.get("hide_keyboard", False)):
        return Markup("remove_keyboard", value)
    if to_bool(value.get("force_reply", False)):
        return Markup("force_reply", value)
    return None


def _inline_button(button: Any) -> dict[str, Any]:
    def fail(message: str) -> ApiError:
        return bad_request(f"can't parse inline keyboard button: {message}")

    if not isinstance(button, dict):
        raise fail("InlineKeyboardButton must be an Object")
    if "text" not in button or button["text"] is None:
        raise fail('Can\'t find field "text"')
    if not isinstance(button["text"], str):
        raise fail('Field "text" must be of type String')
    actions = [
        name
        for name in INLINE_BUTTON_ACTIONS
        if button.get(name) is not None
        and not (name in ("url", "callback_data") and button.get(name) == "")
    ]
    if not actions:
        raise fail("Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        # Documented ("Exactly one of the optional fields must be used"); the real server would
        # silently take the first field in its own order. See README.md.
        raise fail(
            "Exactly one of the optional fields must be used to specify type of the button, "
            f"found {', '.join(actions)}"
        )
    return {key: val for key, val in button.items() if val is not None}


def check_inline_keyboard(markup: Markup | None) -> None:
    """The checks that Telegram's servers (not the Bot API front end) make on buttons."""
    if markup is None or markup.kind != "inline_keyboard":
        return
    for row in markup.value["inline_keyboard"]:
        for button in row:
            if button["text"] == "":
                raise bad_request("BUTTON_TEXT_INVALID")
            data = button.get("callback_data")
            if isinstance(data, str) and len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")


# --------------------------------------------------------------------------------------------
# Records


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes

    def __repr__(self) -> str:
        return f"<UploadedFile {self.field}={self.filename!r}, {len(self.data)} bytes>"


@dataclass
class RecordedRequest:
    """One call to the fake, recorded when its answer was sent."""

    method: str  # Telegram's camelCase name, or the name as received for an unknown method
    params: dict[str, Any]  # JSON-typed fields decoded, numbers and booleans converted
    timestamp: float
    status: int = 0  # the HTTP status of the answer
    response: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)  # the arguments as the server reads them
    files: dict[str, UploadedFile] = field(default_factory=dict)
    http_method: str = "POST"
    token: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return self.response.get("result")

    @property
    def description(self) -> str | None:
        return self.response.get("description")

    def summary(self) -> str:
        line = f"{self.method} {self.status}"
        if not self.ok and self.description:
            line += f" ({self.description})"
        return line


@dataclass
class _Answer:
    result: Any
    description: str | None = None


@dataclass
class _Poll:
    event: asyncio.Event = field(default_factory=asyncio.Event)
    conflict: str | None = None


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None
    remaining: int


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    data: bytes | None
    file_size: int
    file_path: str
    extra: dict[str, Any] = field(default_factory=dict)


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG; None where unknown."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None


_IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM")


def _is_image(data: bytes) -> bool:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return True
    return any(data.startswith(signature) for signature in _IMAGE_SIGNATURES)


_BOT_COMMAND = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])")


_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}(?!\w)")


def user_text_entities(text: str) -> list[dict[str, Any]]:
    """The bot_command and mention (@username) entities Telegram attaches to a user's text."""
    found = [("bot_command", match) for match in _BOT_COMMAND.finditer(text)]
    commands = [match.span() for _, match in found]
    found += [
        ("mention", match)
        for match in _MENTION.finditer(text)
        if not any(start <= match.start() < end for start, end in commands)
    ]
    return [
        {
            "type": kind,
            "offset": utf16_length(text[: match.start()]),
            "length": utf16_length(match.group(0)),
        }
        for kind, match in sorted(found, key=lambda item: item[1].start())
    ]


# --------------------------------------------------------------------------------------------
# The server


class FakeBotAPI:
    """A fake Telegram Bot API server on 127.0.0.1, for one bot token.

    Use ``await fake.start()`` / ``await fake.stop()`` or ``async with FakeBotAPI() as fake``.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "fake_test_bot",
        bot_first_name: str = "Fake Test Bot",
        local_mode: bool = False,
        strict_chats: bool = False,
        strict_html: bool = False,
    ) -> None:
        """
        Args:
            token: the only token the fake accepts; others get 401 Unauthorized.
            local_mode: behave like a telegram-bot-api server started with ``--local``, which
                accepts http webhooks on any port and addresses (Telegram's does not).
            strict_chats: answer "chat not found" for chats the fake has not seen in an update
                (Telegram's behaviour); by default unknown numeric chats are accepted.
            strict_html: also refuse a bare ``&`` or ``>`` in HTML text (the documentation's
                rule; the real server accepts them as literal characters).
        """
        self.token = token
        self.local_mode = local_mode
        self.strict_chats = strict_chats
        self.strict_html = strict_html
        bot_id = to_int(token.split(":", 1)[0]) or 123456789
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }

        self.requests: list[RecordedRequest] = []
        self.webhook: dict[str, Any] | None = None  # the last accepted setWebhook parameters
        self.dropped_updates: list[dict[str, Any]] = []  # injected but not in allowed_updates
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}

        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(10001)
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self._poll: _Poll | None = None
        self._new_record = asyncio.Event()
        self._failures: dict[str, list[_Failure]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._message_ids: dict[int, itertools.count] = {}
        self._bot_messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._user_messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._inline_messages: dict[str, dict[str, Any]] = {}
        self._callback_queries: dict[str, dict[str, Any]] = {}
        self._callback_ids = itertools.count(4_000_000_000_000_000_001)
        self._files: dict[str, _StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._blocked: set[int] = set()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.url = ""

    # ---- lifecycle -------------------------------------------------------------------------

    async def start(self) -> FakeBotAPI:
        if self._runner is not None:
            raise RuntimeError("the fake Bot API is already started")
        self._closing = False
        self._new_record = asyncio.Event()
        runner = web.AppRunner(
            self.create_app(), handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        site = web.SockSite(runner, sock)
        await site.start()
        self._runner = runner
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self

    async def stop(self) -> None:
        self._closing = True
        if self._poll is not None:
            self._poll.event.set()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> FakeBotAPI:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """For ``telegram.Bot(token, base_url=fake.base_url)``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    # ---- the aiohttp application: all routes are here ---------------------------------------

    def create_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_route("*", "/bot{token}/", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        return app

    def _handlers(self) -> dict[str, Callable[..., Any]]:
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendChatAction": self._send_chat_action,
            "answerCallbackQuery": self._answer_callback_query,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getFile": self._get_file,
        }

    async def _handle_method(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        received = request.match_info.get("method", "")
        method = METHODS.get(received.lower(), received)
        record = RecordedRequest(
            method=method,
            params={},
            timestamp=time.time(),
            http_method=request.method,
            token=token,
        )
        try:
            args, files = await _read_arguments(request)
            record.raw, record.files = args, files
            record.params = _decode_params(args, files)
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            if received.lower() not in METHODS:
                raise ApiError(404, "Not Found")
            self._take_failure(method)
            answer = await self._handlers()[method](args, files)
            if not isinstance(answer, _Answer):
                answer = _Answer(answer)
            body: dict[str, Any] = {"ok": True, "result": answer.result}
            if answer.description:
                body["description"] = answer.description
            status = 200
        except ApiError as exc:
            body, status = exc.body(), exc.status
        except Exception as exc:  # a bug in the fake: answer and record it rather than hang up
            LOGGER.exception("the fake Bot API failed on %s", method)
            error = ApiError(500, f"Internal Server Error: the fake failed: {exc!r}")
            body, status = error.body(), error.status
        record.status, record.response = status, body
        self._record(record)
        return web.json_response(body, status=status)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        path = request.match_info["path"]
        for stored in self._files.values():
            if stored.file_path == path:
                return web.Response(
                    body=stored.data or b"", content_type="application/octet-stream"
                )
        return web.json_response(ApiError(404, "Not Found").body(), status=404)

    def _record(self, record: RecordedRequest) -> None:
        self.requests.append(record)
        event, self._new_record = self._new_record, asyncio.Event()
        event.set()

    # ---- test controls ---------------------------------------------------------------------

    def sent(self, method: str) -> list[RecordedRequest]:
        """The recorded calls of ``method`` (any letter case) that succeeded."""
        name = METHODS.get(method.lower(), method)
        return [r for r in self.requests if r.method == name and r.ok]

    def calls(self, method: str) -> list[RecordedRequest]:
        """All recorded calls of ``method``, failed ones included."""
        name = METHODS.get(method.lower(), method)
        return [r for r in self.requests if r.method == name]

    async def wait_for(
        self,
        what: str | Callable[[RecordedRequest], bool],
        count: int = 1,
        timeout: float = 10.0,
    ) -> list[RecordedRequest]:
        """Wait until ``count`` recorded requests match, and return all that match.

        ``what`` is a method name (matching its successful calls, as ``sent``) or a predicate on
        any RecordedRequest. Raises TimeoutError listing what the fake received.
        """
        if isinstance(what, str):
            name = METHODS.get(what.lower(), what)

            def predicate(record: RecordedRequest) -> bool:
                return record.method == name and record.ok

            wanted = f"{count} successful {name} call(s)"
        else:
            predicate = what
            wanted = f"{count} request(s) matching {getattr(what, '__name__', repr(what))}"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            matches = [r for r in self.requests if predicate(r)]
            if len(matches) >= count:
                return matches
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"waited {timeout:g}s for {wanted}, found {len(matches)}; "
                    f"the fake received: {self.describe_requests()}"
                )
            try:
                await asyncio.wait_for(self._new_record.wait(), remaining)
            except TimeoutError:
                continue

    def describe_requests(self, last: int = 30) -> str:
        """A one-line summary of the recorded requests (repeated getUpdates collapsed)."""
        if not self.requests:
            return "nothing"
        parts: list[str] = []
        for key, group in itertools.groupby(r.summary() for r in self.requests[-last:]):
            size = len(list(group))
            parts.append(f"{key} x{size}" if size > 1 else key)
        skipped = len(self.requests) - last
        prefix = f"({skipped} earlier) " if skipped > 0 else ""
        return prefix + "; ".join(parts)

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int = 2,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error, then work normally.

        429 answers "Too Many Requests: retry after N" with ``parameters.retry_after``; 500
        "Internal Server Error"; 502 "Bad Gateway"; other statuses their HTTP phrase.
        """
        if method.lower() not in METHODS:
            raise ValueError(f"the fake does not implement {method!r}")
        name = METHODS[method.lower()]
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            elif status == 500:
                description = "Internal Server Error"
            else:
                try:
                    description = HTTPStatus(status).phrase
                except ValueError:
                    description = f"Error {status}"
        self._failures.setdefault(name, []).append(
            _Failure(status, description, retry_after if status == 429 else None, times)
        )

    def _take_failure(self, method: str) -> None:
        queue = self._failures.get(method)
        if not queue:
            return
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            queue.pop(0)
        parameters = {"retry_after": failure.retry_after} if failure.retry_after else None
        raise ApiError(failure.status, failure.description, parameters)

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sending to their private chat gets 403, as on Telegram."""
        self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self._blocked.discard(user_id)

    def _writable_chat(self, raw: str) -> dict[str, Any]:
        """The chat to send to, unless its user blocked the bot."""
        chat = self._resolve_chat(raw)
        if chat["id"] in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def inject(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates (waking a long poll); returns it with its update_id.

        As on Telegram, an update whose type is not in the bot's allowed_updates is not queued
        (it is kept in ``dropped_updates``). A callback query becomes answerable once injected.
        """
        update = copy.deepcopy(update)
        update.setdefault("update_id", next(self._update_ids))
        kind = next((key for key in update if key != "update_id"), None)
        if kind not in self._allowed_updates:
            self.dropped_updates.append(update)
            return update
        self._remember_update(update)
        self._updates.append(update)
        if self._poll is not None:
            self._poll.event.set()
        return update

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Injected updates not yet confirmed by a getUpdates offset."""
        return list(self._updates)

    def bot_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """The messages the bot has sent (as currently stored, edits applied)."""
        return [
            copy.deepcopy(message)
            for (chat, _), message in self._bot_messages.items()
            if chat_id is None or chat == chat_id
        ]

    async def deliver_to_webhook(
        self, update: dict[str, Any], url: str | None = None, timeout: float = 10.0
    ) -> int:
        """POST an update to the webhook as Telegram would; returns the HTTP status.

        The update is sent as JSON with the X-Telegram-Bot-Api-Secret-Token header of the last
        setWebhook. ``url`` overrides the destination (for example the local address the bot's
        webhook server listens on, behind what would be its public https URL).
        """
        if self.webhook is None and url is None:
            raise RuntimeError("no webhook is set; call setWebhook first or pass url=")
        update = copy.deepcopy(update)
        update.setdefault("update_id", next(self._update_ids))
        self._remember_update(update)
        headers = {}
        secret = (self.webhook or {}).get("secret_token")
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        target = url or (self.webhook or {})["url"]
        async with (
            ClientSession(timeout=ClientTimeout(total=timeout)) as session,
            session.post(target, json=update, headers=headers) as response,
        ):
            await response.read()
            return response.status

    # ---- update builders -------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        username: str | None = "test_user",
        *,
        last_name: str | None = None,
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return copy.deepcopy(user)

    def chat(
        self,
        chat_id: int,
        chat_type: str = "private",
        *,
        first_name: str = "Test",
        username: str | None = "test_user",
        title: str | None = None,
    ) -> dict[str, Any]:
        if chat_type == "private":
            chat: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": first_name}
            if username:
                chat["username"] = username
        else:
            chat = {"id": chat_id, "type": chat_type, "title": title or "Test group"}
        self._chats[chat_id] = chat
        return copy.deepcopy(chat)

    def _sender(
        self,
        chat_id: int,
        user_id: int | None,
        chat_type: str,
        first_name: str,
        username: str | None,
        title: str | None = None,
        language_code: str | None = "en",
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        if user_id is None:
            user_id = chat_id if chat_type == "private" else 10_001
        if chat_type == "private" and user_id != chat_id:
            raise ValueError("in a private chat the chat id is the user id")
        user = self.user(user_id, first_name, username, language_code=language_code)
        chat = self.chat(chat_id, chat_type, first_name=first_name, username=username, title=title)
        return user, chat

    def _user_message(
        self,
        chat_id: int,
        user_id: int | None,
        chat_type: str,
        first_name: str,
        username: str | None,
        content: dict[str, Any],
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        user, chat = self._sender(
            chat_id, user_id, chat_type, first_name, username, language_code=language_code
        )
        message = {
            "message_id": self._next_message_id(chat_id),
            "from": user,
            "chat": chat,
            "date": int(time.time()),
            **content,
        }
        self._user_messages[(chat_id, message["message_id"])] = message
        return {"message": copy.deepcopy(message)}

    def text_message(
        self,
        chat_id: int,
        text: str,
        user_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Test",
        username: str | None = "test_user",
        language_code: str | None = "en",
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        """An Update with a text message from a user; bot commands and @mentions get their
        entities. language_code: the user's client language, as Telegram sends it;
        reply_to_message_id: a message of the chat (the bot's or a user's) this one answers."""
        content: dict[str, Any] = {"text": text}
        entities = user_text_entities(text)
        if entities:
            content["entities"] = entities
        if reply_to_message_id is not None:
            key = (chat_id, reply_to_message_id)
            replied = self._bot_messages.get(key) or self._user_messages.get(key)
            if replied is None:
                raise LookupError(f"no message {reply_to_message_id} in chat {chat_id}")
            content["reply_to_message"] = {
                k: v for k, v in copy.deepcopy(replied).items() if k != "reply_to_message"
            }
        return self._user_message(
            chat_id, user_id, chat_type, first_name, username, content, language_code
        )

    def edited_message(
        self, chat_id: int, text: str, message_id: int | None = None
    ) -> dict[str, Any]:
        """An Update editing the user's message ``message_id`` (default: their last one)."""
        if message_id is None:
            ids = [mid for (chat, mid) in self._user_messages if chat == chat_id]
            if not ids:
                raise LookupError(f"no user message in chat {chat_id} to edit")
            message_id = max(ids)
        original = self._user_messages.get((chat_id, message_id))
        if original is None:
            raise LookupError(f"no user message {message_id} in chat {chat_id}")
        edited = copy.deepcopy(original)
        edited["text"] = text
        edited.pop("entities", None)
        entities = user_text_entities(text)
        if entities:
            edited["entities"] = entities
        edited["edit_date"] = int(time.time())
        self._user_messages[(chat_id, message_id)] = edited
        return {"edited_message": copy.deepcopy(edited)}

    def location_message(
        self, chat_id: int, latitude: float, longitude: float, user_id: int | None = None
    ) -> dict[str, Any]:
        content = {"location": {"latitude": latitude, "longitude": longitude}}
        return self._user_message(chat_id, user_id, "private", "Test", "test_user", content)

    def photo_message(
        self, chat_id: int, caption: str | None = None, user_id: int | None = None
    ) -> dict[str, Any]:
        content: dict[str, Any] = {"photo": self._photo_sizes(None, (1280, 960))}
        if caption:
            content["caption"] = caption
        return self._user_message(chat_id, user_id, "private", "Test", "test_user", content)

    def voice_message(
        self, chat_id: int, duration: int = 3, user_id: int | None = None
    ) -> dict[str, Any]:
        stored = self._store_file("voice", b"OggS", "voice", ".oga")
        content = {
            "voice": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "duration": duration,
                "mime_type": "audio/ogg",
                "file_size": 6_000 * duration,
            }
        }
        return self._user_message(chat_id, user_id, "private", "Test", "test_user", content)

    def sticker_message(
        self, chat_id: int, emoji: str = "👍", user_id: int | None = None
    ) -> dict[str, Any]:
        stored = self._store_file("sticker", b"RIFF\x00\x00\x00\x00WEBP", "stickers", ".webp")
        content = {
            "sticker": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": emoji,
                "file_size": 20_000,
            }
        }
        return self._user_message(chat_id, user_id, "private", "Test", "test_user", content)

    def document_message(
        self,
        chat_id: int,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        user_id: int | None = None,
    ) -> dict[str, Any]:
        stored = self._store_file("document", b"%PDF-1.4\n", "documents", "")
        content: dict[str, Any] = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": 12_345,
            }
        }
        if caption:
            content["caption"] = caption
        return self._user_message(chat_id, user_id, "private", "Test", "test_user", content)

    def contact_message(
        self,
        chat_id: int,
        phone_number: str = "+21620000000",
        first_name: str = "Test",
        user_id: int | None = None,
    ) -> dict[str, Any]:
        contact = {
            "phone_number": phone_number,
            "first_name": first_name,
            "user_id": user_id if user_id is not None else chat_id,
        }
        return self._user_message(
            chat_id, user_id, "private", "Test", "test_user", {"contact": contact}
        )

    def callback_query(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        user_id: int | None = None,
        *,
        check_data: bool = True,
    ) -> dict[str, Any]:
        """An Update for a press on a button of message ``message_id`` that the bot sent.

        With ``check_data`` (the default) ``data`` must be the callback_data of one of the
        message's buttons, as it always is when a real client sends it.
        """
        message = self._bot_messages.get((chat_id, message_id))
        if message is None:
            sent = sorted(mid for (chat, mid) in self._bot_messages if chat == chat_id)
            raise LookupError(
                f"the bot sent no message {message_id} in chat {chat_id} (it sent {sent})"
            )
        if check_data:
            buttons = [
                button.get("callback_data")
                for row in message.get("reply_markup", {}).get("inline_keyboard", [])
                for button in row
            ]
            if data not in buttons:
                raise ValueError(
                    f"message {message_id} has no button with callback_data {data!r} "
                    f"(its buttons carry {buttons}); pass check_data=False to send it anyway"
                )
        chat = self._chats.get(chat_id, message["chat"])
        if user_id is None:
            user_id = chat_id if chat.get("type") == "private" else 10_001
        user = copy.deepcopy(self._users.get(user_id)) or self.user(user_id)
        query = {
            "id": str(next(self._callback_ids)),
            "from": user,
            "message": copy.deepcopy(message),
            "chat_instance": str(-(abs(chat_id) * 7919 % 10**18) - 1),
            "data": data,
        }
        return {"callback_query": query}

    def _remember_update(self, update: dict[str, Any]) -> None:
        query = update.get("callback_query")
        if isinstance(query, dict) and "id" in query:
            self._callback_queries.setdefault(str(query["id"]), {"answered": False})
            if query.get("inline_message_id"):
                self._inline_messages.setdefault(query["inline_message_id"], {})
        for key in ("message", "edited_message", "channel_post"):
            message = update.get(key)
            if isinstance(message, dict):
                chat = message.get("chat")
                if isinstance(chat, dict) and "id" in chat:
                    self._chats.setdefault(chat["id"], chat)
                sender = message.get("from")
                if isinstance(sender, dict) and "id" in sender:
                    self._users.setdefault(sender["id"], sender)

    # ---- state helpers ---------------------------------------------------------------------

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _resolve_chat(self, raw: str) -> dict[str, Any]:
        raw = raw.strip()
        if not raw:
            raise bad_request("chat_id is empty")
        if re.fullmatch(r"-?\d+", raw):
            chat_id = int(raw)
            if chat_id in self._chats:
                return copy.deepcopy(self._chats[chat_id])
            if self.strict_chats or chat_id == 0:
                raise bad_request("chat not found")
            if chat_id > 0:
                return {"id": chat_id, "type": "private"}
            kind = "supergroup" if raw.startswith("-100") and len(raw) > 13 else "group"
            return {"id": chat_id, "type": kind, "title": ""}
        if raw.startswith("@"):
            for chat in self._chats.values():
                if chat.get("username", "").lower() == raw[1:].lower():
                    return copy.deepcopy(chat)
        raise bad_request("chat not found")

    def _store_file(self, kind: str, data: bytes | None, folder: str, suffix: str) -> _StoredFile:
        number = next(self._file_counter)
        stored = _StoredFile(
            file_id=f"{kind[:2].upper()}ACAgQAAxkBAAI{number:06d}{secrets.token_hex(8)}",
            file_unique_id=f"AQAD{number:04d}{secrets.token_hex(3)}",
            kind=kind,
            data=data,
            file_size=len(data) if data else 0,
            file_path=f"{folder}/file_{number}{suffix}",
        )
        self._files[stored.file_id] = stored
        return stored

    def _photo_sizes(self, data: bytes | None, size: tuple[int, int]) -> list[dict[str, Any]]:
        width, height = size
        longest = max(width, height, 1)
        sizes = []
        for limit in [*(x for x in (90, 320, 800, 1280) if x < longest), min(longest, 2560)]:
            scale = min(1.0, limit / longest)
            w, h = max(1, round(width * scale)), max(1, round(height * scale))
            stored = self._store_file("photo", data, "photos", ".jpg")
            stored.extra = {"width": w, "height": h}
            if data:
                stored.file_size = max(1, len(data) * w * h // max(1, width * height))
            else:
                stored.file_size = max(1, w * h // 8)
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": stored.file_size,
                    "width": w,
                    "height": h,
                }
            )
        return sizes

    def _update_allowed_updates(self, raw: str) -> None:
        if not raw:
            return
        try:
            value = json.loads(raw)
        except ValueError:
            return
        if not isinstance(value, list):
            return
        wanted = frozenset(item for item in value if item in UPDATE_TYPES)
        self._allowed_updates = wanted or DEFAULT_ALLOWED_UPDATES

    def _conflict_poll(self, message: str) -> None:
        if self._poll is not None:
            self._poll.conflict = message
            self._poll.event.set()
            self._poll = None

    # ---- method handlers -------------------------------------------------------------------

    async def _get_me(self, args: dict[str, str], files: dict[str, UploadedFile]) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, args: dict[str, str], files: dict[str, UploadedFile]) -> Any:
        if self.webhook is not None:
            raise ApiError(409, GET_UPDATES_WITH_WEBHOOK)
        offset = to_int(args.get("offset"), 0)
        limit = clamp(to_int(args.get("limit"), 100), 1, 100)
        timeout = clamp(to_int(args.get("timeout"), 0), 0, LONG_POLL_MAX_TIMEOUT)
        self._update_allowed_updates(args.get("allowed_updates", ""))
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        if self._updates or timeout == 0 or self._closing:
            return copy.deepcopy(self._updates[:limit])

        self._conflict_poll(GET_UPDATES_CONFLICT)
        poll = _Poll()
        self._poll = poll
        try:
            await asyncio.wait_for(poll.event.wait(), timeout)
        except TimeoutError:
            pass
        finally:
            if self._poll is poll:
                self._poll = None
        if poll.conflict:
            raise ApiError(409, poll.conflict)
        return copy.deepcopy(self._updates[:limit])

    async def _set_webhook(self, args: dict[str, str], files: dict[str, UploadedFile]) -> Any:
        url = args.get("url", "")
        if not url:
            return await self._delete_webhook(args, files)
        parts = self._check_webhook_url(url)
        secret = args.get("secret_token", "")
        if len(secret) > MAX_SECRET_TOKEN_LENGTH:
            raise bad_request("secret token is too long")
        if not re.fullmatch(r"[A-Za-z0-9_-]*", secret):
            raise bad_request("secret token contains unallowed characters")
        if not self.local_mode:
            self._check_webhook_target(parts, args.get("ip_address", ""))
        max_connections = clamp(to_int(args.get("max_connections"), 40), 1, 100)
        drop = to_bool(args.get("drop_pending_updates", ""))
        self._update_allowed_updates(args.get("allowed_updates", ""))
        params = {
            "url": url,
            "secret_token": secret or None,
            "max_connections": max_connections,
            "ip_address": args.get("ip_address") or None,
            "allowed_updates": sorted(self._allowed_updates),
            "drop_pending_updates": drop,
            "has_custom_certificate": "certificate" in files,
        }
        same = self.webhook is not None and all(
            self.webhook.get(key) == params[key] for key in ("url", "secret_token", "ip_address")
        )
        if drop:
            self._updates.clear()
        self._conflict_poll("Conflict: terminated by setWebhook request")
        self.webhook = params
        if same and not drop:
            return _Answer(True, "Webhook is already set")
        return _Answer(True, "Webhook was set")

    def _check_webhook_url(self, url: str) -> Any:
        candidate = url if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", url) else "https://" + url
        try:
            parts = urlsplit(candidate)
            port = parts.port
        except ValueError:
            raise bad_request("invalid webhook URL specified") from None
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise bad_request("invalid webhook URL specified")
        if port == 0:
            raise bad_request("invalid webhook URL specified")
        return parts

    def _check_webhook_target(self, parts: Any, ip_address: str) -> None:
        if parts.scheme.lower() != "https":
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        port = parts.port or 443
        if port not in WEBHOOK_PORTS:
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        host = ip_address or parts.hostname
        if host.lower() == "localhost":
            host = "127.0.0.1"
        try:
            address = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return  # a host name: the fake cannot resolve it, so it accepts it
        if address.version == 6:
            raise bad_request("bad webhook: IPv6-only addresses are not allowed")
        if not address.is_global:
            raise bad_request(f"bad webhook: IP address {address} is reserved")

    async def _delete_webhook(self, args: dict[str, str], files: dict[str, UploadedFile]) -> Any:
        if to_bool(args.get("drop_pending_updates", "")):
            self._updates.clear()
        was_set = self.webhook is not None
        self.webhook = None
        return _Answer(True, "Webhook was deleted" if was_set else "Webhook is already deleted")

    async def _get_webhook_info(self, args: dict[str, str], files: dict[str, UploadedFile]) -> Any:
        info: dict[str, Any] = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook is not None:
            info["url"] = self.webhook["url"]
            info["has_custom_certificate"] = self.webhook["has_custom_certificate"]
            info["max_connections"] = self.webhook["max_connections"]
            if self.webhook["ip_address"]:
                info["ip_address"] = self.webhook["ip_address"]
            if self._allowed_updates != DEFAULT_ALLOWED_UPDATES:
                info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    def _reply_to(self, args: dict[str, str], chat_id: int) -> dict[str, Any] | None:
        message_id = to_int(args.get("reply_to_message_id"), 0)
        allow_missing = to_bool(args.get("allow_sending_without_reply", ""))
        raw = args.get("reply_parameters", "")
        if raw:
            try:
                value = json.loads(raw)
            except ValueError:
                raise bad_request("can't parse reply parameters JSON object") from None
            if not isinstance(value, dict):
                raise bad_request("object expected as reply parameters")
            message_id = to_int(value.get("message_id"), 0)
            allow_missing = to_bool(value.get("allow_sending_without_reply", False))
            if value.get("chat_id") not in (None, chat_id, str(chat_id)):
                return None  # a reply to another chat: not modelled
        if message_id <= 0:
            return None
        key = (chat_id, message_id)
        target = self._bot_messages.get(key) or self._user_messages.get(key)
        if target is None:
            if allow_missing:
                return None
            raise bad_request("message to be replied not found")
        return copy.deepcopy(target)

    def _store_bot_message(
        self,
        chat: dict[str, Any],
        content: dict[str, Any],
        markup: Markup | None,
        reply_to: dict[str, Any] | None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat["id"]),
            "from": copy.deepcopy(self.bot_user),
            "chat": chat,
            "date": int(time.time()),
        }
        if reply_to is not None:
            reply_to.pop("reply_to_message", None)
            message["reply_to_message"] = reply_to
        message.update(content)
        # A Message carries only an inline keyboard as its reply_markup.
        if markup is not None and markup.kind == "inline_keyboard":
            message["reply_markup"] = copy.deepcopy(markup.value)
        self._bot_messages[(chat["id"], message["message_id"])] = message
        return copy.deepcopy(message)

    def _fill_mentions(self, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for entity in entities:
            if entity.get("type") == "text_mention" and isinstance(entity.get("user"), dict):
                user_id = entity["user"]["id"]
                entity["user"] = copy.deepcopy(
                    self._users.get(user_id, {"id": user_id, "is_bot": False, "first_name": ""})
                )
        return entities

    async def _send_message(self, args: dict[str, str], files: dict[str, UploadedFile]) -> Any:
        raw_text = args.get("text", "")
        if raw_text == "":
            raise bad_request("message text is empty")
        text, entities = format_text(
            raw_text,
            args.get("parse_mode", ""),
            args.get("entities", ""),
            strict_html=self.strict_html,
        )
        markup = parse_reply_markup(args.get("reply_markup", ""))
        chat = self._writable_chat(args.get("chat_id", ""))
        reply_to = self._reply_to(args, chat["id"])
        if not text:
            raise bad_request("message must be non-empty")
        if utf16_length(text) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        check_inline_keyboard(markup)
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = self._fill_mentions(entities)
        return self._store_bot_message(chat, content, markup, reply_to)

    async def _send_photo(self, args: dict[str, str], files: dict[str, UploadedFile]) -> Any:
        photo: UploadedFile | str | None = files.get("photo")
        if photo is None:
            value = args.get("photo", "")
            if value.startswith("attach://"):
                photo = files.get(value[len("attach://") :])
            elif value:
                photo = value
        if photo is None:
            raise bad_request("there is no photo in the request")
        caption, entities = format_text(
            args.get("caption", ""),
            args.get("parse_mode", ""),
            args.get("caption_entities", ""),
            strict_html=self.strict_html,
        )
        markup = parse_reply_markup(args.get("reply_markup", ""))
        chat = self._writable_chat(args.get("chat_id", ""))
        reply_to = self._reply_to(args, chat["id"])
        if isinstance(photo, UploadedFile):
            if not _is_image(photo.data):
                raise bad_request("IMAGE_PROCESS_FAILED")
            sizes = self._photo_sizes(photo.data, _image_size(photo.data) or (800, 600))
        elif re.match(r"https?://", photo, re.IGNORECASE):
            sizes = self._photo_sizes(None, (800, 600))
        else:
            stored = self._files.get(photo.strip())
            if stored is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            sizes = self._photo_sizes(stored.data, (1280, 960))
        if utf16_length(caption) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        check_inline_keyboard(markup)
        content: dict[str, Any] = {"photo": sizes}
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = self._fill_mentions(entities)
        return self._store_bot_message(chat, content, markup, reply_to)

    async def _send_chat_action(self, args: dict[str, str], files: dict[str, UploadedFile]) -> Any:
        action = args.get("action", "").strip().lower()
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._writable_chat(args.get("chat_id", ""))
        return True

    async def _answer_callback_query(
        self, args: dict[str, str], files: dict[str, UploadedFile]
    ) -> Any:
        query_id = args.get("callback_query_id", "").strip()
        text = args.get("text", "")
        state = self._callback_queries.get(query_id)
        if state is None or state["answered"]:
            raise ApiError(400, QUERY_TOO_OLD)
        if utf16_length(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        state["answered"] = True
        self.callback_answers[query_id] = {
            "text": text or None,
            "show_alert": to_bool(args.get("show_alert", "")),
            "url": args.get("url") or None,
            "cache_time": to_int(args.get("cache_time"), 0),
        }
        return True

    async def _edit_message_reply_markup(
        self, args: dict[str, str], files: dict[str, UploadedFile]
    ) -> Any:
        markup = parse_reply_markup(args.get("reply_markup", ""))
        if markup is not None and markup.kind != "inline_keyboard":
            raise bad_request("inline keyboard expected")
        new = markup.value if markup is not None else None
        inline_id = args.get("inline_message_id", "")
        if inline_id:
            stored = self._inline_messages.get(inline_id)
            if stored is None:
                raise bad_request("MESSAGE_ID_INVALID")
            if stored.get("reply_markup") == new:
                raise ApiError(400, NOT_MODIFIED)
            check_inline_keyboard(markup)
            stored["reply_markup"] = new
            return True
        chat = self._resolve_chat(args.get("chat_id", ""))
        key = (chat["id"], to_int(args.get("message_id"), 0))
        message = self._bot_messages.get(key)
        if message is None:
            if key in self._user_messages:
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        if message.get("reply_markup") == new:
            raise ApiError(400, NOT_MODIFIED)
        check_inline_keyboard(markup)
        if new is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = copy.deepcopy(new)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _command_scope(self, args: dict[str, str]) -> str:
        raw = args.get("scope", "")
        if not raw:
            scope: dict[str, Any] = {"type": "default"}
        else:
            try:
                scope = json.loads(raw)
            except ValueError:
                raise bad_request("can't parse BotCommandScope JSON object") from None
            if not isinstance(scope, dict):
                raise bad_request("can't parse BotCommandScope: BotCommandScope must be an Object")
            kind = scope.get("type")
            if not isinstance(kind, str):
                raise bad_request("can't parse BotCommandScope: Can't find field \"type\"")
            if kind not in (
                "default",
                "all_private_chats",
                "all_group_chats",
                "all_chat_administrators",
                "chat",
                "chat_administrators",
                "chat_member",
            ):
                raise bad_request("can't parse BotCommandScope: Unsupported type specified")
            if kind in ("chat", "chat_administrators", "chat_member"):
                if scope.get("chat_id") in (None, ""):
                    raise bad_request("can't parse BotCommandScope: Empty chat_id specified")
                user_id = to_int(scope.get("user_id"), 0)
                if kind == "chat_member" and user_id <= 0:
                    raise bad_request("can't parse BotCommandScope: Invalid user_id specified")
                chat = self._resolve_chat(str(scope["chat_id"]))
                scope = {"type": kind, "chat_id": chat["id"]}
                if kind == "chat_member":
                    scope["user_id"] = user_id
            else:
                scope = {"type": kind}
        language = args.get("language_code", "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        return json.dumps(scope, sort_keys=True) + "|" + language

    async def _set_my_commands(self, args: dict[str, str], files: dict[str, UploadedFile]) -> Any:
        raw = args.get("commands", "")
        commands: list[dict[str, str]] = []
        if raw:
            try:
                value = json.loads(raw)
            except ValueError:
                raise bad_request("can't parse commands JSON object") from None
            if not isinstance(value, list):
                raise bad_request("expected an Array of BotCommand")
            for item in value:
                if not isinstance(item, dict):
                    raise bad_request("can't parse BotCommand: expected an Object")
                for name in ("command", "description"):
                    if name not in item:
                        raise bad_request(f"can't parse BotCommand: Can't find field \"{name}\"")
                    if not isinstance(item[name], str):
                        raise bad_request(
                            f'can\'t parse BotCommand: Field "{name}" must be of type String'
                        )
                commands.append({"command": item["command"], "description": item["description"]})
        key = self._command_scope(args)
        cleaned = []
        for item in commands:
            command = item["command"].strip()
            if command.startswith("/"):
                command = command[1:]
            if not command:
                raise bad_request("command must be non-empty")
            if len(command) > MAX_COMMAND_LENGTH:
                raise bad_request(f"command length must not exceed {MAX_COMMAND_LENGTH}")
            description = item["description"].strip()
            if not description:
                raise bad_request("command description must be non-empty")
            if len(description) > MAX_COMMAND_DESCRIPTION_LENGTH:
                raise bad_request(
                    f"command description length must not exceed {MAX_COMMAND_DESCRIPTION_LENGTH}"
                )
            cleaned.append({"command": command, "description": description})
        if len(cleaned) > MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for item in cleaned:
            if not re.fullmatch(r"[a-z0-9_]+", item["command"]):
                raise bad_request("BOT_COMMAND_INVALID")
        if cleaned:
            self.commands[_split_key(key)] = cleaned
        else:
            self.commands.pop(_split_key(key), None)
        return True

    async def _get_my_commands(self, args: dict[str, str], files: dict[str, UploadedFile]) -> Any:
        key = self._command_scope(args)
        return copy.deepcopy(self.commands.get(_split_key(key), []))

    async def _delete_my_commands(
        self, args: dict[str, str], files: dict[str, UploadedFile]
    ) -> Any:
        self.commands.pop(_split_key(self._command_scope(args)), None)
        return True

    async def _get_file(self, args: dict[str, str], files: dict[str, UploadedFile]) -> Any:
        stored = self._files.get(args.get("file_id", "").strip())
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }


def _split_key(key: str) -> tuple[str, str]:
    scope, _, language = key.rpartition("|")
    return scope, language


# --------------------------------------------------------------------------------------------
# Request arguments


async def _read_arguments(
    request: web.Request,
) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Arguments as the Bot API server reads them: query string, then the body (form,
    multipart or JSON). JSON values that are objects or arrays become their JSON text."""
    args: dict[str, str] = {key: value for key, value in request.query.items()}
    files: dict[str, UploadedFile] = {}
    if not request.can_read_body:
        return args, files
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON encoded request body") from None
        if isinstance(body, dict):
            for key, value in body.items():
                args[key] = _argument_text(value)
        return args, files
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = UploadedFile(
                    field=key,
                    filename=value.filename,
                    content_type=value.content_type,
                    data=value.file.read(),
                )
            else:
                args[key] = str(value)
    return args, files


def _argument_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _decode_params(args: dict[str, str], files: dict[str, UploadedFile]) -> dict[str, Any]:
    """The recorded form of the arguments: JSON fields decoded, numbers and booleans typed."""
    params: dict[str, Any] = {}
    for key, value in args.items():
        if key in JSON_PARAMS:
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        elif key in INT_PARAMS or (key == "chat_id" and re.fullmatch(r"-?\d+", value.strip())):
            params[key] = to_int(value)
        elif key in BOOL_PARAMS:
            params[key] = to_bool(value)
        else:
            params[key] = value
    params.update(files)
    return params


def iter_entities_text(text: str, entities: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    """(type, covered text) for each entity, with UTF-16 offsets resolved (handy in asserts)."""
    encoded = text.encode("utf-16-le")
    return [
        (
            entity["type"],
            encoded[entity["offset"] * 2 : (entity["offset"] + entity["length"]) * 2].decode(
                "utf-16-le"
            ),
        )
        for entity in entities
    ]
