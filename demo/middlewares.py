"""JSON errors and a strict content policy for every response of the demo page's server."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from .clients import UpstreamError
from .handlers import DemoError

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Everything the page uses comes from this server: no CDN, no fonts or scripts from elsewhere.
CONTENT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except DemoError as exc:
        return error(exc.status, exc.code, str(exc))
    except UpstreamError as exc:
        return error(502, "upstream_unavailable", str(exc))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = f"There is no page at {request.path}." if exc.status == 404 else exc.reason
        return error(exc.status, exc.reason.lower().replace(" ", "_"), message)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error(500, "internal", "The demo server failed; please try again.")


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers["Content-Security-Policy"] = CONTENT_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
