"""A Rasa input channel that forgets a conversation: DELETE /webhooks/privacy/conversations/<id>.

Rasa's HTTP API can read and append to a tracker but not delete one. Channels (the Telegram
bridge's /forget) call this endpoint with the shared token from the environment.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

log = logging.getLogger(__name__)


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
            try:
                deleted = delete_conversation(store, sender_id)
            except NotImplementedError as exc:
                return response.json({"error": str(exc)}, status=501)
            log.info("forgot a conversation (%d events)", deleted)
            return response.json({"forgotten": True, "events_deleted": deleted})

        return privacy
