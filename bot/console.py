"""A console chat with the running assistant over Rasa's REST webhook (like `rasa shell`).

Buttons are listed with numbers: type the number to tap one. The answer-contract payloads
are for machines and are not shown.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any


def send(rasa_url: str, sender: str, text: str) -> list[dict[str, Any]]:
    request = urllib.request.Request(
        f"{rasa_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def chat(rasa_url: str) -> None:
    sender = f"console-{uuid.uuid4().hex[:8]}"
    print("Type a message (Ctrl-D or /quit to leave, /restart to start over).")
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
        except (urllib.error.URLError, OSError) as exc:
            print(f"(the assistant did not answer: {exc})")
            continue
        buttons = []
        for reply in replies:
            if "text" in reply:
                print(f"bot> {reply['text']}")
            for button in reply.get("buttons", []):
                buttons.append(button)
                print(f"     [{len(buttons)}] {button['title']}")
