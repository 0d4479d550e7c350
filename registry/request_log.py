"""The registry's most recent requests, kept in memory (never on disk) so that the stage demo
can show which registry calls served which citizen message. Paths are masked as in the access
log, and a conversation is known only by the opaque tag its caller sent."""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import asdict, dataclass

from common.conversation import CONVERSATION_TAG


@dataclass(frozen=True)
class LoggedRequest:
    seq: int
    at: float  # seconds since the epoch, when the request arrived
    conversation: str | None
    method: str
    path: str
    status: int
    ms: float


class RequestLog:
    def __init__(self, size: int) -> None:
        self._entries: deque[LoggedRequest] = deque(maxlen=size)
        self._seq = itertools.count(1)

    def add(
        self, at: float, tag: str | None, method: str, path: str, status: int, ms: float
    ) -> None:
        conversation = tag if tag and CONVERSATION_TAG.match(tag) else None
        entry = LoggedRequest(next(self._seq), at, conversation, method, path, status, ms)
        self._entries.append(entry)

    def entries(self, conversation: str | None, after: int, limit: int) -> list[dict[str, object]]:
        """The oldest `limit` entries after sequence number `after`, of one conversation or all."""
        found = (
            e
            for e in self._entries
            if e.seq > after and (conversation is None or e.conversation == conversation)
        )
        return [asdict(e) for e in itertools.islice(found, limit)]

    def forget(self, conversation: str) -> int:
        """Drop the entries of one conversation; how many there were."""
        kept = [e for e in self._entries if e.conversation != conversation]
        forgotten = len(self._entries) - len(kept)
        self._entries = deque(kept, maxlen=self._entries.maxlen)
        return forgotten
