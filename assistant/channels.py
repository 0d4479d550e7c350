"""Rasa's REST webhook (/webhooks/rest/webhook), with the checks Rasa's own lacks.

Rasa's RestInput answers 500 to an empty body or a JSON array, takes text/plain bodies (so a
page on any site can post through a visitor's browser) and answers to any Host header. This
channel keeps Rasa's URL and reply format and refuses such requests with a JSON error first.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from common.conversation import MAX_CONVERSATION_ID_LENGTH, host_name
from common.json_bodies import BodyError, check_media_type, is_text, parse_json, readable_text

MAX_MESSAGE_LENGTH = 5000
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def allowed_hosts() -> frozenset[str]:
    extra = os.environ.get("RASA_ALLOWED_HOSTS", "")
    return frozenset(
        {*LOCAL_HOSTS, os.environ.get("CSA_HOST", "127.0.0.1")}
        | {h.strip().lower() for h in extra.split(",") if h.strip()}
    )


def error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": {"code": code, "message": message}}, status=status)


def check_request(request: Request, hosts: frozenset[str]) -> tuple[HTTPResponse | None, Any]:
    """A JSON error for a request Rasa must not get, or None and the cleaned body."""
    if "*" not in hosts and host_name(request.host) not in hosts:
        return error(400, "unknown_host", "this assistant does not answer to that host name"), None
    origin = request.headers.get("Origin")
    if origin and "*" not in hosts and host_name(origin.split("://", 1)[-1]) not in hosts:
        return error(403, "foreign_origin", "requests from other sites are not accepted"), None
    media_type, _, params = request.headers.get("Content-Type", "").partition(";")
    try:
        check_media_type(media_type, params.partition("charset=")[2] or None)
        body = parse_json(request.body, allow_lone_surrogates=True)
    except BodyError as exc:
        return error(exc.status, exc.code, str(exc)), None
    if not isinstance(body, dict):
        return error(400, "bad_json", 'the body must be {"sender": "...", "message": "..."}'), None
    message, sender = body.get("message"), body.get("sender", "default")
    if not isinstance(message, str) or not message.strip():
        return error(400, "missing_message", "message must be a non-empty string"), None
    if len(message) > MAX_MESSAGE_LENGTH:
        too_long = f"a message has at most {MAX_MESSAGE_LENGTH} characters"
        return error(400, "message_too_long", too_long), None
    if not isinstance(sender, str) or not 0 < len(sender) <= MAX_CONVERSATION_ID_LENGTH:
        bad = f"sender must be 1 to {MAX_CONVERSATION_ID_LENGTH} characters of Unicode text"
        return error(400, "bad_sender", bad), None
    if not is_text(sender):
        return error(400, "bad_sender", "sender must be valid Unicode text"), None
    # A lone surrogate in the text would crash language processing: the citizen still gets
    # an answer, to what could be read.
    return None, {**body, "message": readable_text(message)}


class CheckedRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"  # Rasa's URL: /webhooks/rest/webhook

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        hosts = allowed_hosts()

        @blueprint.middleware("request")
        async def refuse_what_rasa_cannot_take(request: Request) -> HTTPResponse | None:
            if request.method != "POST":
                return None
            refusal, body = check_request(request, hosts)
            if refusal is None:
                request.parsed_json = body  # what RestInput reads, cleaned
            return refusal

        return blueprint
