"""JSON errors and a strict content policy for every response of the demo page's server."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from common.conversation import host_name

from .app_keys import SETTINGS
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
        message = "There is no page at that address." if exc.status == 404 else exc.reason
        return error(exc.status, exc.reason.lower().replace(" ", "_"), message)
    except OSError:  # a static path the file system refuses (too long, bad characters)
        return error(404, "not_found", "There is no page at that address.")
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


LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@web.middleware
async def same_origin(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Serve only the host names the page is meant to be opened with (no DNS rebinding), and
    take changes only from the page itself: a page on another site cannot post through a
    presenter's browser (its Origin differs; a browser always sends one on such a request)."""
    allowed = {*LOCAL_HOSTS, request.app[SETTINGS].host.lower()}
    if host_name(request.host) not in allowed:
        return error(400, "unknown_host", "This page does not answer to that host name.")
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        origin = request.headers.get("Origin")
        fetch_site = request.headers.get("Sec-Fetch-Site", "same-origin")
        if (origin and origin != f"{request.scheme}://{request.host}") or fetch_site not in (
            "same-origin",
            "none",
        ):
            return error(403, "foreign_origin", "Requests from other sites are not accepted.")
    return await handler(request)
