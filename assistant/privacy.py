"""A Rasa input channel that forgets a conversation: DELETE /webhooks/privacy/conversations/<id>.

Rasa's HTTP API can read and append to a tracker but not delete one. Channels (the Telegram
bridge's /forget) call this endpoint with the shared token from the environment. It erases
the conversation everywhere it is stored: first in the registry (tickets, ratings, the link
to appointments, the request log), then the tracker, and answers what it erased. If the
registry cannot be reached, nothing is deleted and the answer says so (502), so the citizen
can try again and no half-forgotten conversation remains.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from common.conversation import (
    CONVERSATION_ID_HEADER,
    CONVERSATION_TAG_HEADER,
    conversation_tag,
    encode_conversation_id,
)

log = logging.getLogger(__name__)
REGISTRY_TIMEOUT = aiohttp.ClientTimeout(total=10)


class RegistryForgetFailed(Exception):
    pass


async def forget_in_registry(sender_id: str) -> dict[str, Any]:
    """Erase the registry's records of sender_id; the counts it answers."""
    url = os.environ.get("REGISTRY_URL", "http://127.0.0.1:8080").rstrip("/")
    headers = {
        "Authorization": f"Bearer {os.environ.get('CSA_REGISTRY_TOKEN', '')}",
        CONVERSATION_ID_HEADER: encode_conversation_id(sender_id),
    }
    tag_key = os.environ.get("CSA_CONVERSATION_TAG_KEY")
    if tag_key:
        headers[CONVERSATION_TAG_HEADER] = conversation_tag(tag_key, sender_id)
    try:
        async with (
            aiohttp.ClientSession(timeout=REGISTRY_TIMEOUT) as session,
            session.delete(f"{url}/v1/conversation-data", headers=headers) as answer,
        ):
            if answer.status != 200:
                raise RegistryForgetFailed(f"HTTP {answer.status}")
            body = await answer.json()
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise RegistryForgetFailed(type(exc).__name__) from exc
    return {k: v for k, v in body.items() if k != "forgotten"}


def innermost(store: TrackerStore) -> TrackerStore:
    """Rasa wraps the configured store (fail-safe, awaitable): reach the real one."""
    while hasattr(store, "_tracker_store"):
        store = store._tracker_store
    return store


def delete_conversation(store: TrackerStore, sender_id: str) -> int:
    """Delete every stored event of sender_id; the number of events deleted."""
    store = innermost(store)
    if isinstance(store, SQLTrackerStore):
        with store.session_scope() as session:
            deleted = (
                session.query(store.SQLEvent)
                .filter(store.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
            return int(deleted)
    if isinstance(store, InMemoryTrackerStore):
        return 1 if store.store.pop(sender_id, None) is not None else 0
    raise NotImplementedError(f"forgetting is not implemented for {type(store).__name__}")


class ConversationPrivacyInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "privacy"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        token = (credentials or {}).get("token")
        if not token:
            raise ValueError("the privacy channel needs a token (CSA_PRIVACY_TOKEN)")
        return cls(str(token))

    def __init__(self, token: str) -> None:
        self.token = token

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        privacy = Blueprint("privacy_webhook", __name__)

        @privacy.route("/conversations/<sender_id>", methods=["DELETE"])
        async def forget(request: Request, sender_id: str) -> HTTPResponse:
            given = request.headers.get("Authorization", "").removeprefix("Bearer ")
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return response.json({"error": "a valid bearer token is required"}, status=401)
            store = request.app.ctx.agent.tracker_store
            if not isinstance(innermost(store), SQLTrackerStore | InMemoryTrackerStore):
                kind = type(innermost(store)).__name__
                return response.json({"error": f"cannot forget in a {kind}"}, status=501)
            try:
                registry = await forget_in_registry(sender_id)
            except RegistryForgetFailed as exc:
                log.warning("forgetting failed: the registry answered %s", exc)
                return response.json(
                    {"forgotten": False, "error": "the registry could not be reached"}, status=502
                )
            deleted = delete_conversation(store, sender_id)
            log.info("forgot a conversation (%d events, registry %s)", deleted, registry)
            return response.json({"forgotten": True, "events_deleted": deleted, **registry})

        return privacy
