"""HTTP client of the service registry, shared by every action.

One aiohttp session per action-server process (connection reuse), a timeout on every call,
and retries only for requests that are safe to repeat: GET, DELETE of a given reference, and
a booking sent with its idempotency key (the registry makes it once). A booking also carries
a deadline: once this client stops waiting, the registry must not book it any more, so a
citizen who was told "not booked" never has a booking made behind their back.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import time
from contextvars import ContextVar
from typing import Any
from urllib.parse import quote

import aiohttp

from common.conversation import (
    CONVERSATION_ID_HEADER,
    CONVERSATION_TAG_HEADER,
    DEADLINE_HEADER,
    IDEMPOTENCY_KEY_HEADER,
    encode_conversation_id,
)
from common.conversation import conversation_tag as keyed_tag
from common.references import mask_references

log = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:8080"
RETRYABLE_METHODS = frozenset({"GET", "DELETE"})
# Each call carries an opaque tag of the conversation it serves, never the sender id, so that
# the registry's request log can show which calls answered which message (the stage demo).
current_conversation_tag: ContextVar[str | None] = ContextVar("conversation_tag", default=None)
# The stack gives every process the same key; alone, a process makes its own.
_TAG_KEY = os.environ.get("CSA_CONVERSATION_TAG_KEY") or secrets.token_hex(16)


def conversation_tag(sender_id: str) -> str:
    return keyed_tag(_TAG_KEY, sender_id)


class RegistryUnavailable(Exception):
    """The registry did not answer in time, or answered with a server error."""


class RegistryRejected(Exception):
    """The registry refused the request (4xx); message is the registry's explanation."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class RegistryClient:
    def __init__(
        self,
        base_url: str | None = None,
        timeout_seconds: float | None = None,
        retries: int = 2,
        token: str | None = None,
    ) -> None:
        self.base_url = (base_url or os.environ.get("REGISTRY_URL", DEFAULT_URL)).rstrip("/")
        seconds = timeout_seconds or float(os.environ.get("REGISTRY_TIMEOUT_SECONDS", "3"))
        self.timeout = aiohttp.ClientTimeout(total=seconds)
        self.retries = retries
        self.token = token if token is not None else os.environ.get("CSA_REGISTRY_TOKEN", "")
        self._session: aiohttp.ClientSession | None = None

    def _session_for_loop(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        conversation_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """The decoded JSON answer; None for a 404; RegistryRejected for other 4xx."""
        retry_safe = method in RETRYABLE_METHODS or idempotency_key is not None
        attempts = 1 + (self.retries if retry_safe else 0)
        query = {k: v for k, v in (params or {}).items() if v is not None}
        headers = {"Authorization": f"Bearer {self.token}"}
        tag = current_conversation_tag.get()
        if tag:
            headers[CONVERSATION_TAG_HEADER] = tag
        if conversation_id is not None:
            headers[CONVERSATION_ID_HEADER] = encode_conversation_id(conversation_id)
        if idempotency_key is not None:
            headers[IDEMPOTENCY_KEY_HEADER] = idempotency_key
        for attempt in range(1, attempts + 1):
            if idempotency_key is not None:
                # Past this moment this attempt has been given up: the registry must not act.
                headers[DEADLINE_HEADER] = f"{time.time() + self.timeout.total:.3f}"
            try:
                async with self._session_for_loop().request(
                    method, f"{self.base_url}{path}", params=query, json=json, headers=headers
                ) as response:
                    if response.status >= 500:
                        raise RegistryUnavailable(f"{method} {path}: HTTP {response.status}")
                    body = await response.json(content_type=None)
                    if response.status == 404 and method == "GET":
                        return None
                    if response.status >= 400:
                        error = (body or {}).get("error", {})
                        raise RegistryRejected(
                            response.status, error.get("code", ""), error.get("message", "")
                        )
                    return body
            except (TimeoutError, aiohttp.ClientError, ValueError, RegistryUnavailable) as exc:
                log.warning(
                    "registry %s %s failed (attempt %d/%d): %s",
                    method,
                    mask_references(path),
                    attempt,
                    attempts,
                    type(exc).__name__,
                )
                if attempt == attempts:
                    raise RegistryUnavailable(type(exc).__name__) from exc
                await asyncio.sleep(0.2 * attempt)
        raise AssertionError("unreachable")

    # Catalogue --------------------------------------------------------------------------

    async def get_service(self, service_id: str, lang: str) -> dict[str, Any] | None:
        return await self.request(
            "GET", f"/v1/services/{quote(service_id, safe='')}", params={"lang": lang}
        )

    async def list_services(self, lang: str) -> list[dict[str, Any]]:
        body = await self.request("GET", "/v1/services", params={"lang": lang, "limit": 100})
        return body["services"]

    async def search_services(self, text: str, lang: str, limit: int = 5) -> list[dict[str, Any]]:
        if not text.strip():  # an empty query would list everything, unranked
            return []
        body = await self.request(
            "GET", "/v1/services", params={"q": text[:500], "lang": lang, "limit": limit}
        )
        return body["services"]

    async def get_life_event(self, event_id: str, lang: str) -> dict[str, Any] | None:
        return await self.request(
            "GET", f"/v1/life-events/{quote(event_id, safe='')}", params={"lang": lang}
        )

    async def list_life_events(self, lang: str) -> list[dict[str, Any]]:
        body = await self.request("GET", "/v1/life-events", params={"lang": lang})
        return body["life_events"]

    async def search_life_events(self, text: str, lang: str) -> list[dict[str, Any]]:
        if not text.strip():
            return []
        body = await self.request("GET", "/v1/life-events", params={"q": text[:500], "lang": lang})
        return body["life_events"]

    async def find_offices(
        self,
        lang: str,
        service_id: str | None = None,
        city: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        limit: int = 3,
    ) -> list[dict[str, Any]]:
        params = {
            "lang": lang,
            "service": service_id,
            "city": city,
            "lat": latitude,
            "lon": longitude,
            "limit": limit,
        }
        body = await self.request("GET", "/v1/offices", params=params)
        return body["offices"]

    async def find_offices_near(
        self, lang: str, text: str, service_id: str | None = None, limit: int = 3
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Offices (of the service), nearest first to the city the text names, if it names
        one; and that city's name."""
        params = {"lang": lang, "service": service_id, "near": text[:500], "limit": limit}
        body = await self.request("GET", "/v1/offices", params=params)
        return body["offices"], body.get("near_city")

    async def get_office(self, office_id: str, lang: str) -> dict[str, Any] | None:
        return await self.request(
            "GET", f"/v1/offices/{quote(office_id, safe='')}", params={"lang": lang}
        )

    # Applications and appointments --------------------------------------------------------

    async def get_application(self, reference: str, lang: str) -> dict[str, Any] | None:
        return await self.request(
            "GET", f"/v1/applications/{quote(reference, safe='')}", params={"lang": lang}
        )

    async def get_free_slots(
        self, office_id: str, service_id: str, day: str | None = None, days: int = 7
    ) -> list[dict[str, Any]]:
        params = {"service": service_id, "date": day, "days": None if day else days}
        body = await self.request(
            "GET", f"/v1/offices/{quote(office_id, safe='')}/slots", params=params
        )
        return body["days"]

    async def book_appointment(
        self,
        office_id: str,
        service_id: str,
        day: str,
        slot: str,
        conversation_id: str,
        lang: str,
        idempotency_key: str,
    ) -> dict[str, Any]:
        """Book once, however often the request has to be sent (same idempotency key)."""
        payload = {
            "office_id": office_id,
            "service_id": service_id,
            "date": day,
            "time": slot,
            "conversation_id": conversation_id,
        }
        return await self.request(
            "POST",
            "/v1/appointments",
            params={"lang": lang},
            json=payload,
            idempotency_key=idempotency_key,
        )

    async def cancel_appointment(
        self, reference: str, conversation_id: str, lang: str
    ) -> dict[str, Any]:
        return await self.request(
            "DELETE",
            f"/v1/appointments/{quote(reference, safe='')}",
            params={"lang": lang},
            conversation_id=conversation_id,
        )

    async def list_agencies(self, lang: str) -> list[dict[str, Any]]:
        body = await self.request("GET", "/v1/agencies", params={"lang": lang})
        return body["agencies"]

    # Handoff and feedback --------------------------------------------------------------

    async def create_handoff_ticket(
        self, conversation_id: str, service_id: str | None, lang: str, summary: str
    ) -> dict[str, Any]:
        payload = {
            "conversation_id": conversation_id,
            "service_id": service_id,
            "lang": lang,
            "summary": summary,
        }
        return await self.request("POST", "/v1/handoff-tickets", json=payload)

    async def add_ticket_details(
        self, ticket: str, conversation_id: str, details: str
    ) -> dict[str, Any]:
        return await self.request(
            "POST",
            f"/v1/handoff-tickets/{quote(ticket, safe='')}/details",
            json={"details": details},
            conversation_id=conversation_id,
        )

    async def add_feedback(self, conversation_id: str, rating: int) -> dict[str, Any]:
        payload = {"conversation_id": conversation_id, "rating": rating}
        return await self.request("POST", "/v1/feedback", json=payload)


registry = RegistryClient()
