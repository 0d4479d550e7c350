"""Serving an aiohttp application so that every answer is JSON, even the ones aiohttp makes
itself: a request its HTTP parser refuses (a request line or header over 8 KiB, a malformed
request) is answered before any middleware runs, as plain text by default."""

from __future__ import annotations

import asyncio
import logging
import signal
from http import HTTPStatus
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler


class JsonErrorsRequestHandler(RequestHandler):
    def handle_error(
        self,
        request: Any,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if request.writer.output_size > 0:  # as aiohttp: the response is already on its way
            raise ConnectionError("cannot send an error response: one was sent already")
        self.logger.warning("refused a request (HTTP %d): %s", status, type(exc).__name__)
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "error"
        text = "the request could not be read as HTTP" if status == 400 else phrase.lower()
        code = "bad_http_request" if status == 400 else phrase.lower().replace(" ", "_")
        response = web.json_response({"error": {"code": code, "message": text}}, status=status)
        response.force_close()
        return response


async def _serve(
    app: web.Application, host: str, port: int, ready: str, log: logging.Logger
) -> None:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    loop = asyncio.get_running_loop()
    server = runner.server
    assert server is not None
    listener = await loop.create_server(
        lambda: JsonErrorsRequestHandler(server, loop=loop, access_log=None), host, port
    )
    stopping = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    log.info(ready)
    try:
        await stopping.wait()
    finally:
        listener.close()
        await listener.wait_closed()
        await runner.cleanup()


def run_app(app: web.Application, host: str, port: int, ready: str, log: logging.Logger) -> None:
    """Serve app on host:port until SIGINT or SIGTERM; log ready once it listens."""
    asyncio.run(_serve(app, host, port, ready, log))
