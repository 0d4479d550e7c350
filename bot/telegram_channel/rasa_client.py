"""The bridge's client of the Rasa server: the REST webhook, and forgetting a conversation."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import aiohttp

from common.rasa_rest import RasaUnavailable, send_async


class RasaClient:
    def __init__(self, base_url: str, timeout_seconds: float, privacy_token: str | None) -> None:
        self.base_url = base_url
        self.privacy_token = privacy_token
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_seconds))

    async def close(self) -> None:
        await self._session.close()

    async def send(self, sender_id: str, message: str) -> list[dict[str, Any]]:
        """Rasa's replies to one message (text, buttons, image, custom), in order."""
        return await send_async(self._session, self.base_url, sender_id, message)

    async def forget(self, sender_id: str) -> dict[str, int]:
        """Erase what the stack stores about this conversation (the Rasa server's privacy
        channel erases it in the registry too); the number of records of each kind."""
        if not self.privacy_token:
            raise RasaUnavailable("CSA_PRIVACY_TOKEN is not set")
        url = f"{self.base_url}/webhooks/privacy/conversations/{quote(sender_id, safe='')}"
        headers = {"Authorization": f"Bearer {self.privacy_token}"}
        try:
            async with self._session.delete(url, headers=headers) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"HTTP {response.status}")
                body = await response.json()
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise RasaUnavailable(type(exc).__name__) from exc
        return {k: v for k, v in body.items() if isinstance(v, int) and not isinstance(v, bool)}
