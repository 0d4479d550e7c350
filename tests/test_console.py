"""The console chat: what a user types goes to the assistant, buttons are tapped by number,
and the direction marks of Arabic replies do not reach the terminal."""

from __future__ import annotations

from typing import Any

import pytest

from bot import console


def test_a_chat_sends_messages_taps_buttons_by_number_and_shows_arabic_without_marks(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    typed = iter(["chhal el passeport", "1", "/quit"])
    sent: list[str] = []

    def send(url: str, sender: str, text: str) -> list[dict[str, Any]]:
        sent.append(text)
        return [
            {
                "text": "\u200fتكلفة خدمة «\u2068جواز السفر\u2069»",
                "buttons": [{"title": "Passport", "payload": '/ask_fees{"service": "passport"}'}],
            }
        ]

    monkeypatch.setattr(console, "send", send)
    monkeypatch.setattr("builtins.input", lambda prompt: next(typed))
    console.chat("http://127.0.0.1:1")
    shown = capsys.readouterr().out
    assert sent == ["chhal el passeport", '/ask_fees{"service": "passport"}']
    assert "تكلفة خدمة «جواز السفر»" in shown and "[1] Passport" in shown
    assert not any(mark in shown for mark in "\u200e\u200f\u2066\u2067\u2068\u2069")
