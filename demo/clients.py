"""The demo server's calls to the Rasa server (REST channel, tracker API) and to the
registry's request log. Errors never carry the request URL: it holds Rasa's token."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp

from common.rasa_rest import RasaUnavailable, send_async

log = logging.getLogger(__name__)


class UpstreamError(Exception):
    """Rasa or the registry did not answer as expected; the message is safe to show."""


class DemoClients:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        rasa_url: str,
        registry_url: str,
        token: str | None,
        registry_token: str = "",
    ) -> None:
        self.session = session
        self.rasa_url = rasa_url
        self.registry_url = registry_url
        self._token = token
        self._registry_headers = {"Authorization": f"Bearer {registry_token}"}
        self._service_names: dict[str, list[dict[str, str]]] = {}

    async def _json(self, what: str, method: str, url: str, **kwargs: Any) -> Any:
        try:
            async with self.session.request(method, url, **kwargs) as response:
                if response.status >= 400:
                    log.warning("%s answered HTTP %d", what, response.status)
                    raise UpstreamError(
                        f"{what.capitalize()} answered with an error (HTTP {response.status})."
                    )
                return await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            # Log the kind of failure only: the exception text may contain the token.
            log.warning("%s failed: %s", what, type(exc).__name__)
            raise UpstreamError(f"{what.capitalize()} is not reachable right now.") from None

    async def send_message(self, sender: str, text: str) -> list[dict[str, Any]]:
        """The assistant's replies, through Rasa's REST channel (as any client would)."""
        try:
            return await send_async(self.session, self.rasa_url, sender, text)
        except RasaUnavailable as exc:
            log.warning("the assistant failed: %s", exc)
            raise UpstreamError("The assistant is not reachable right now.") from None

    async def get_tracker(self, sender: str) -> dict[str, Any]:
        params = {"include_events": "ALL"}
        if self._token:
            params["token"] = self._token
        return await self._json(
            "the assistant's API",
            "GET",
            f"{self.rasa_url}/conversations/{sender}/tracker",
            params=params,
        )

    async def service_names(self, lang: str) -> list[dict[str, str]]:
        """Each catalogued service's title and agency in lang, fetched once per language (the
        page asks for them with every refresh)."""
        if lang not in self._service_names:
            body = await self._json(
                "the registry",
                "GET",
                f"{self.registry_url}/v1/services",
                params={"limit": 100, "lang": lang},
            )
            self._service_names[lang] = [
                {
                    "identifier": service["identifier"],
                    "title": service["title"],
                    "agency": service["competent_authority"]["name"],
                }
                for service in body.get("services", [])
            ]
        return self._service_names[lang]

    async def registry_calls(self, tag: str) -> list[dict[str, Any]]:
        body = await self._json(
            "the registry",
            "GET",
            f"{self.registry_url}/v1/request-log",
            params={"conversation": tag, "limit": 500},
            headers=self._registry_headers,
        )
        return body.get("requests", [])
