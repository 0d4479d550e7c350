"""Rasa replies as Telegram messages: HTML-escaped text in pieces within Telegram's limit,
buttons as inline keyboards, images as photos. Answer-contract payloads are not shown."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

# Telegram counts UTF-16 code units after entity parsing; plain escaped text parses to itself.
MESSAGE_LIMIT = 4096
SENTENCE_END = re.compile(r"(?<=[.!?؟。])\s+")


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pieces of at most limit UTF-16 units, cut at line ends, else sentence ends, else words."""
    if utf16_length(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for unit in _units(text, limit):
        candidate = f"{current}{unit}"
        if current and utf16_length(candidate) > limit:
            pieces.append(current.rstrip())
            current = unit.lstrip()
        else:
            current = candidate
    if current.strip():
        pieces.append(current.rstrip())
    return pieces


def _units(text: str, limit: int) -> list[str]:
    """Lines, with any line too long broken into sentences, then words, then characters."""
    units: list[str] = []
    for line in text.splitlines(keepends=True):
        if utf16_length(line) <= limit:
            units.append(line)
            continue
        for sentence in _split_keep(line, SENTENCE_END):
            if utf16_length(sentence) <= limit:
                units.append(sentence)
                continue
            for word in _split_keep(sentence, re.compile(r"(?<=\s)")):
                while utf16_length(word) > limit:  # a single endless "word": cut it
                    units.append(word[: limit // 2])
                    word = word[limit // 2 :]
                units.append(word)
    return units


def _split_keep(text: str, pattern: re.Pattern[str]) -> list[str]:
    parts, start = [], 0
    for match in pattern.finditer(text):
        parts.append(text[start : match.end()])
        start = match.end()
    parts.append(text[start:])
    return [part for part in parts if part]


@dataclass(frozen=True)
class Button:
    """A tap that sends a Rasa payload, or a link that opens a web page."""

    title: str
    payload: str | None = None
    url: str | None = None


@dataclass
class OutgoingMessage:
    """One Telegram message to send: HTML text or a photo, with optional button rows."""

    html_text: str | None = None
    photo_url: str | None = None
    buttons: list[Button] = field(default_factory=list)


def buttons_of(reply: dict[str, Any]) -> list[Button]:
    buttons = []
    for button in reply.get("buttons", []):
        title = str(button.get("title") or "").strip()
        if not title:
            continue  # Telegram refuses a button without text
        if button.get("payload"):
            buttons.append(Button(title, payload=str(button["payload"])))
        elif button.get("url"):  # Rasa's web_url buttons
            buttons.append(Button(title, url=str(button["url"])))
    return buttons


def outgoing_messages(replies: list[dict[str, Any]], choose_prompt: str) -> list[OutgoingMessage]:
    """choose_prompt: the text sent with buttons that come without any (Telegram needs one)."""
    messages: list[OutgoingMessage] = []
    for reply in replies:
        buttons = buttons_of(reply)
        text = str(reply.get("text") or "")
        if text.strip():  # a blank text would be refused by Telegram, and lose what follows
            pieces = split_text(text)
            messages.extend(OutgoingMessage(html_text=html.escape(p, quote=False)) for p in pieces)
            messages[-1].buttons = buttons
        elif buttons and messages and messages[-1].html_text is not None:
            messages[-1].buttons.extend(buttons)
        elif buttons:
            messages.append(OutgoingMessage(html_text=html.escape(choose_prompt), buttons=buttons))
        if reply.get("image"):
            messages.append(OutgoingMessage(photo_url=reply["image"]))
        # "custom" entries are the machine-readable answer contract: never shown to citizens.
    return messages
