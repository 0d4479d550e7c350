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


@dataclass
class OutgoingMessage:
    """One Telegram message to send: HTML text or a photo, with optional button rows."""

    html_text: str | None = None
    photo_url: str | None = None
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (title, Rasa payload)


def outgoing_messages(replies: list[dict[str, Any]]) -> list[OutgoingMessage]:
    messages: list[OutgoingMessage] = []
    for reply in replies:
        buttons = [(b["title"], b["payload"]) for b in reply.get("buttons", []) if "payload" in b]
        if reply.get("text"):
            pieces = split_text(reply["text"])
            messages.extend(OutgoingMessage(html_text=html.escape(p, quote=False)) for p in pieces)
            messages[-1].buttons = buttons
        elif buttons and messages:
            messages[-1].buttons.extend(buttons)
        if reply.get("image"):
            messages.append(OutgoingMessage(photo_url=reply["image"]))
        # "custom" entries are the machine-readable answer contract: never shown to citizens.
    return messages
