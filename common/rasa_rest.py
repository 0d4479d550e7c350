"""Talking to the assistant through Rasa's REST webhook, the one way every client does it: the
console chat, the Telegram bridge, the demo page's server, the tests, the benchmark and the
evaluation. A message is a non-empty string from one sender; the answer is a list of replies
(text, buttons, image, custom payload)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import aiohttp

WEBHOOK_PATH = "/webhooks/rest/webhook"
HEALTH_PATH = "/webhooks/rest/"  # answers once the model is loaded


class RasaUnavailable(Exception):
    """Rasa did not answer in time or answered with an error (the message says which)."""


def webhook_url(rasa_url: str) -> str:
    return rasa_url.rstrip("/") + WEBHOOK_PATH


def message_body(sender: str, text: str) -> dict[str, str]:
    """What the webhook takes. Rasa's own webhook fails on an empty message: never send one."""
    if not text.strip():
        raise ValueError("a message to the assistant must not be empty")
    return {"sender": sender, "message": text}


def replies_of(answer: Any) -> list[dict[str, Any]]:
    return [r for r in answer if isinstance(r, dict)] if isinstance(answer, list) else []


def send(rasa_url: str, sender: str, text: str, timeout: float = 60) -> list[dict[str, Any]]:
    """The replies to one message, from a synchronous caller."""
    request = urllib.request.Request(
        webhook_url(rasa_url),
        data=json.dumps(message_body(sender, text)).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return replies_of(json.load(response))
    except urllib.error.HTTPError as exc:
        raise RasaUnavailable(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise RasaUnavailable(type(exc).__name__) from exc


async def send_async(
    session: aiohttp.ClientSession, rasa_url: str, sender: str, text: str
) -> list[dict[str, Any]]:
    """The replies to one message, on an aiohttp session (its timeout applies)."""
    try:
        async with session.post(webhook_url(rasa_url), json=message_body(sender, text)) as answer:
            if answer.status != 200:
                raise RasaUnavailable(f"HTTP {answer.status}")
            return replies_of(await answer.json(content_type=None))
    except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
        raise RasaUnavailable(type(exc).__name__) from exc
