"""A console chat with the running assistant over Rasa's REST webhook (like `rasa shell`).

Buttons are listed with numbers: type the number to tap one. The answer-contract payloads
are for machines and are not shown.
"""

from __future__ import annotations

import uuid

from common.rasa_rest import RasaUnavailable, send

# Marks that keep Arabic lines right to left in chat apps; a terminal shows them as garbage.
_DIRECTION_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u2066\u2067\u2068\u2069"))


def for_terminal(text: str) -> str:
    return text.translate(_DIRECTION_MARKS)


def chat(rasa_url: str) -> None:
    sender = f"console-{uuid.uuid4().hex[:8]}"
    print(
        "Type a message (/restart to start over; Ctrl-D or /quit closes the chat, "
        "the stack keeps serving)."
    )
    buttons: list[dict[str, str]] = []
    while True:
        try:
            text = input("you> ").strip()
        except EOFError:
            print()
            return
        if text == "/quit":
            return
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        if not text:
            continue
        try:
            replies = send(rasa_url, sender, text)
        except RasaUnavailable as exc:
            print(f"(the assistant did not answer: {exc})")
            continue
        buttons = []
        for reply in replies:
            if "text" in reply:
                print(f"bot> {for_terminal(reply['text'])}")
            for button in reply.get("buttons", []):
                buttons.append(button)
                print(f"     [{len(buttons)}] {button['title']}")
