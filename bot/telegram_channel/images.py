"""Images in Rasa's replies: Telegram fetches a photo URL itself, from the internet, so an image
on a private host (the registry, the demo machine) is fetched here and uploaded instead."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from urllib.parse import urlsplit

import aiohttp

log = logging.getLogger(__name__)

PHOTO_LIMIT_BYTES = 10 * 1024 * 1024  # Telegram's limit for an uploaded photo
FETCH_TIMEOUT_SECONDS = 10


async def reaches_telegram(url: str) -> bool:
    """Whether Telegram's servers can fetch the URL: http(s), and every address of its host
    public (a name that does not resolve here is taken as private)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(parts.hostname, None)
    except (OSError, UnicodeError):
        return False
    addresses = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}
    return bool(addresses) and all(address.is_global for address in addresses)


async def photo_to_send(url: str) -> str | bytes | None:
    """The URL for Telegram to fetch, or the image's bytes to upload; None if neither works."""
    if await reaches_telegram(url):
        return url
    try:
        timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
            if response.status != 200:
                raise aiohttp.ClientError(f"HTTP {response.status}")
            content = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                content += chunk
                if len(content) > PHOTO_LIMIT_BYTES:
                    break
    except (TimeoutError, aiohttp.ClientError, ValueError, socket.gaierror) as exc:
        log.warning("image %s could not be fetched (%s): not sent", url, exc)
        return None
    if len(content) > PHOTO_LIMIT_BYTES:
        log.warning("image %s is larger than Telegram's 10 MB: not sent", url)
        return None
    return bytes(content)
