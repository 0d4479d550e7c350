"""How Rasa's replies become Telegram messages."""

from __future__ import annotations

from bot.telegram_channel.render import (
    MESSAGE_LIMIT,
    outgoing_messages,
    split_text,
    utf16_length,
)


def test_text_is_escaped_for_html_so_fees_and_underscores_survive() -> None:
    [message] = outgoing_messages([{"text": "Fee: 1.500 TND (approx.) <cash> & card, name_x_y"}])
    assert message.html_text == "Fee: 1.500 TND (approx.) &lt;cash&gt; &amp; card, name_x_y"


def test_answer_contract_payloads_are_never_shown() -> None:
    replies = [
        {"text": "What Passport costs: 80.000 WDD"},
        {"custom": {"service_id": "passport", "topic": "fees", "lang": "en"}},
    ]
    messages = outgoing_messages(replies)
    assert [m.html_text for m in messages] == ["What Passport costs: 80.000 WDD"]


def test_buttons_go_with_the_last_piece_of_their_reply_and_images_become_photos() -> None:
    replies = [
        {"text": "Pick one", "buttons": [{"title": "A", "payload": "/a"}]},
        {"image": "https://example.org/map.png"},
    ]
    text, photo = outgoing_messages(replies)
    assert text.buttons == [("A", "/a")]
    assert photo.photo_url == "https://example.org/map.png"


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
