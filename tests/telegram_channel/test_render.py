"""How Rasa's replies become Telegram messages."""

from __future__ import annotations

from typing import Any

from bot.telegram_channel.render import (
    MESSAGE_LIMIT,
    Button,
    OutgoingMessage,
    split_text,
    utf16_length,
)
from bot.telegram_channel.render import outgoing_messages as render

CHOOSE = "Choose:"


def outgoing_messages(replies: list[dict[str, Any]]) -> list[OutgoingMessage]:
    return render(replies, CHOOSE)


def test_text_is_escaped_for_html_so_fees_and_underscores_survive() -> None:
    [message] = outgoing_messages([{"text": "Fee: 1.500 TND (approx.) <cash> & card, name_x_y"}])
    assert message.html_text == "Fee: 1.500 TND (approx.) &lt;cash&gt; &amp; card, name_x_y"


def test_answer_contract_payloads_are_never_shown() -> None:
    replies = [
        {"text": "Fees for the passport: 80 dinars"},
        {"custom": {"service_id": "passport", "topic": "fees", "lang": "en"}},
    ]
    messages = outgoing_messages(replies)
    assert [m.html_text for m in messages] == ["Fees for the passport: 80 dinars"]


def test_buttons_go_with_the_last_piece_of_their_reply_and_images_become_photos() -> None:
    replies = [
        {"text": "Pick one", "buttons": [{"title": "A", "payload": "/a"}]},
        {"image": "https://example.org/map.png"},
    ]
    text, photo = outgoing_messages(replies)
    assert text.buttons == [Button("A", payload="/a")]
    assert photo.photo_url == "https://example.org/map.png"


def test_a_blank_reply_is_skipped_and_the_next_ones_are_still_sent() -> None:
    replies = [{"text": "  \n "}, {"text": "Here is the answer"}]
    assert [m.html_text for m in outgoing_messages(replies)] == ["Here is the answer"]


def test_buttons_without_any_text_come_with_a_short_prompt() -> None:
    [message] = outgoing_messages([{"buttons": [{"title": "Yes", "payload": "/affirm"}]}])
    assert message.html_text == CHOOSE
    assert message.buttons == [Button("Yes", payload="/affirm")]


def test_link_buttons_become_link_buttons_and_untitled_buttons_are_left_out() -> None:
    replies = [
        {
            "text": "Apply online",
            "buttons": [
                {"title": "Open the form", "url": "https://services.wadi.example/passport"},
                {"title": " ", "payload": "/affirm"},
            ],
        }
    ]
    [message] = outgoing_messages(replies)
    assert message.buttons == [
        Button("Open the form", url="https://services.wadi.example/passport")
    ]


def test_long_replies_are_split_at_line_ends_within_the_limit() -> None:
    lines = [f"Line {n}: " + "word " * 30 for n in range(200)]
    pieces = split_text("\n".join(lines))
    assert len(pieces) > 1
    assert all(utf16_length(p) <= MESSAGE_LIMIT for p in pieces)
    rejoined = [line.rstrip() for line in "\n".join(pieces).split("\n")]
    assert rejoined == [line.rstrip() for line in lines]  # nothing lost, no line cut


def test_one_endless_line_is_split_at_sentences_then_words() -> None:
    sentence = "Bring your identity card and a recent photo. "
    pieces = split_text(sentence * 200)
    assert all(utf16_length(p) <= MESSAGE_LIMIT for p in pieces)
    assert all(p.endswith(".") for p in pieces)
    words = ("x" * 50 + " ") * 200
    assert all(utf16_length(p) <= MESSAGE_LIMIT for p in split_text(words))


def test_emoji_count_twice_as_telegram_counts_utf16() -> None:
    text = "🙂" * 3000  # 6000 UTF-16 units
    pieces = split_text(text)
    assert len(pieces) == 2
    assert all(utf16_length(p) <= MESSAGE_LIMIT for p in pieces)
    assert "".join(pieces) == text
