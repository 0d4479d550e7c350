"""What every request of the registry goes through: the Host check, the token check for
citizens' data, one masked log line, and JSON errors."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from common.conversation import CONVERSATION_TAG_HEADER, host_name
from common.references import mask_references

from .app_keys import REQUEST_LOG, SETTINGS
from .routes import CITIZEN_DATA
from .validation import ApiError

log = logging.getLogger("registry.access")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Requests about the registry itself, not about citizens: kept out of the request log.
_NOT_IN_REQUEST_LOG = frozenset({"/v1/health", "/v1/request-log"})


@web.middleware
async def access_log(request: web.Request, handler: Handler) -> web.StreamResponse:
    """One line per request: method, masked path, query keys (not values), status, time;
    the same, with the caller's conversation tag, in the in-memory request log. (Control
    characters in the path are escaped by the process's log records, common.logs.)"""
    arrived = time.time()
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        elapsed_ms = (time.perf_counter() - started) * 1000
        path = mask_references(request.path)
        keys = ",".join(sorted(request.query))
        log.info(
            "%s %s%s %d %.1fms",
            request.method,
            path,
            f" ?{keys}" if keys else "",
            status,
            elapsed_ms,
        )
        if request.path not in _NOT_IN_REQUEST_LOG:
            tag = request.headers.get(CONVERSATION_TAG_HEADER)
            request.app[REQUEST_LOG].add(arrived, tag, request.method, path, status, elapsed_ms)


@web.middleware
async def trusted_host(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer only to the host names the registry is meant to be reached by."""
    allowed = request.app[SETTINGS].allowed_hosts
    if "*" not in allowed and host_name(request.host) not in allowed:
        raise ApiError(400, "unknown_host", "this registry does not answer to that host name")
    return await handler(request)


@web.middleware
async def citizen_data_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    route = request.match_info.route.resource
    if route is not None and route.canonical in CITIZEN_DATA:
        token = request.app[SETTINGS].api_token
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token is None or not hmac.compare_digest(given.encode(), token.encode()):
            raise ApiError(
                401,
                "unauthorised",
                "citizens' data needs the registry's token (Authorization: Bearer ...)",
            )
    return await handler(request)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer every error as JSON that says what is wrong; never a bare 500 or an HTML page."""
    try:
        return await handler(request)
    except ApiError as exc:
        return web.json_response(exc.body, status=exc.status)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        body = {"error": {"code": _HTTP_CODES.get(exc.status, "http_error"), "message": exc.reason}}
        if isinstance(exc, web.HTTPNotFound):
            body["error"]["message"] = f"no endpoint at {mask_references(request.path)}"
        elif isinstance(exc, web.HTTPRequestEntityTooLarge):
            body["error"]["message"] = "the request body is too large"
        headers = (
            {"Allow": ",".join(sorted(exc.allowed_methods))}
            if isinstance(exc, web.HTTPMethodNotAllowed)
            else None
        )
        return web.json_response(body, status=exc.status, headers=headers)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, mask_references(request.path))
        return web.json_response(
            {"error": {"code": "internal", "message": "the registry failed; try again later"}},
            status=500,
        )


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}
