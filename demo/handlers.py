"""HTTP handlers of the demo page's server. Each validates its input and answers JSON."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from aiohttp import web

from common.conversation import conversation_tag
from common.json_bodies import BodyError, check_media_type, parse_json
from common.languages import LANGUAGES

from . import inspector
from .app_keys import CLIENTS, CONVERSATIONS, SCENARIOS, SETTINGS
from .settings import PACKAGE_DIR

MAX_CONVERSATIONS = 500
MAX_TEXT = 1000
SENDER = re.compile(r"^demo-[0-9a-f]{16}$")
SESSION = re.compile(r"^[0-9a-f]{16}$")  # a page's session: "Today" can count only its own
# What the page renders of a reply; anything else Rasa adds stays on the server.
REPLY_KEYS = ("text", "buttons", "custom")


class DemoError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def sender_of(request: web.Request, known: bool) -> str:
    sender = request.match_info["sender"]
    if not SENDER.match(sender):
        raise DemoError(
            400, "bad_sender", "A conversation id is 'demo-' followed by 16 hex digits."
        )
    if known and sender not in request.app[CONVERSATIONS]:
        raise DemoError(404, "unknown_conversation", "This page has no conversation with that id.")
    return sender


async def message_body(request: web.Request) -> tuple[str, str | None]:
    """The message's text, and the page session it was sent from (if the page says)."""
    try:
        check_media_type(request.content_type, request.charset)
        body = parse_json(await request.read())
    except BodyError as exc:
        hint = ' The body must be JSON: {"text": "..."}' if exc.status == 400 else ""
        raise DemoError(exc.status, exc.code, f"{str(exc).capitalize()}.{hint}") from None
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise DemoError(
            400, "missing_text", "The message is empty: the body needs a non-empty string 'text'."
        )
    if len(text) > MAX_TEXT:
        raise DemoError(400, "text_too_long", f"A message has at most {MAX_TEXT} characters.")
    session = body.get("session")
    if session is not None and not (isinstance(session, str) and SESSION.match(session)):
        raise DemoError(400, "bad_session", "A page session is 16 hex digits.")
    return text.strip(), session


def page_lang(request: web.Request) -> str:
    lang = request.query.get("lang", "en")
    if lang not in LANGUAGES:
        raise DemoError(
            400, "bad_lang", f"lang is one of {', '.join(LANGUAGES)}, not {lang[:20]!r}."
        )
    return lang


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(PACKAGE_DIR / "static" / "index.html")


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def scenarios(request: web.Request) -> web.Response:
    return web.json_response({"scenarios": request.app[SCENARIOS]})


async def send_message(request: web.Request) -> web.Response:
    sender = sender_of(request, known=False)
    text, session = await message_body(request)
    conversations = request.app[CONVERSATIONS]
    conversations[sender] = session or conversations.get(sender)
    while len(conversations) > MAX_CONVERSATIONS:
        del conversations[next(iter(conversations))]
    replies = await request.app[CLIENTS].send_message(sender, text)
    return web.json_response(
        {"replies": [{k: r[k] for k in REPLY_KEYS if k in r} for r in replies]}
    )


async def conversation_turns(request: web.Request) -> web.Response:
    sender = sender_of(request, known=True)
    clients = request.app[CLIENTS]
    tracker, calls = await asyncio.gather(
        clients.get_tracker(sender),
        clients.registry_calls(
            conversation_tag(request.app[SETTINGS].conversation_tag_key, sender)
        ),
    )
    found = inspector.turns(tracker.get("events") or [], calls)
    return web.json_response(
        {"lang": inspector.conversation_lang(tracker), "turns": inspector.as_json(found)}
    )


async def services(request: web.Request) -> web.Response:
    names = await request.app[CLIENTS].service_names(page_lang(request))
    return web.json_response({"services": names})


async def dashboard(request: web.Request) -> web.Response:
    """Today's figures for one page session (?session=), or for every page of this server."""
    session = request.query.get("session")
    if session is not None and not SESSION.match(session):
        raise DemoError(400, "bad_session", "A page session is 16 hex digits.")
    clients = request.app[CLIENTS]
    senders = [
        sender
        for sender, started_in in request.app[CONVERSATIONS].items()
        if session is None or started_in == session
    ]
    trackers: list[dict[str, Any]] = await asyncio.gather(
        *(clients.get_tracker(sender) for sender in senders)
    )
    return web.json_response(inspector.dashboard(trackers))
