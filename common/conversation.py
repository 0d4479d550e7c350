"""How services name a conversation to each other.

The registry stores the conversation id (the channel's sender id) of a booking, a ticket or a
rating, so it can check ownership and forget a conversation. Calls that are only logged carry
an opaque tag instead: a keyed hash of the conversation id, with a key made at each start of
the stack, so nobody can compute the tag of a known sender id from outside.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import quote

# Headers on calls to the registry.
CONVERSATION_ID_HEADER = "X-Conversation-Id"  # whose data a call reads or changes
CONVERSATION_TAG_HEADER = "X-Conversation-Tag"  # for the request log only
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"  # the same booking, retried, is made once
DEADLINE_HEADER = "X-Request-Deadline"  # unix time after which a write must not happen
# Header the Rasa server sends to the action server (endpoints.yml): a shared secret.
ACTION_TOKEN_HEADER = "X-Action-Token"

CONVERSATION_TAG = re.compile(r"^[0-9a-f]{16}$")
MAX_CONVERSATION_ID_LENGTH = 200


def conversation_tag(key: str, conversation_id: str) -> str:
    digest = hmac.new(key.encode(), conversation_id.encode(errors="replace"), hashlib.sha256)
    return digest.hexdigest()[:16]


def host_name(host_header: str) -> str:
    """The name part of a Host header: '127.0.0.1:8080' -> '127.0.0.1', '[::1]:80' -> '::1'."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def encode_conversation_id(conversation_id: str) -> str:
    """The X-Conversation-Id header value: percent-encoded UTF-8, so any sender id fits."""
    return quote(conversation_id, safe="", errors="strict")
