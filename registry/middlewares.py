"""Request logging and JSON errors for every response of the registry."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from .handlers import REQUEST_LOG
from .request_log import CONVERSATION_HEADER
from .validation import ApiError

log = logging.getLogger("registry.access")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Reference numbers identify a citizen's file: keep the agency code, hide the rest.
_APPLICATION_REF = re.compile(r"\b([A-Za-z]{3})[- ]?\d{4}[- ]?\d{5}\b")
_APPOINTMENT_REF = re.compile(r"\b(APT)-?\d{6}\b", re.IGNORECASE)


def mask_references(text: str) -> str:
    text = _APPLICATION_REF.sub(r"\1-****-*****", text)
    return _APPOINTMENT_REF.sub(r"\1-******", text)


# Requests about the registry itself, not about citizens: kept out of the request log.
_NOT_IN_REQUEST_LOG = frozenset({"/v1/health", "/v1/request-log"})


@web.middleware
async def access_log(request: web.Request, handler: Handler) -> web.StreamResponse:
    """One line per request: method, masked path, query keys (not values), status, time;
    the same, with the caller's conversation tag, in the in-memory request log."""
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
            tag = request.headers.get(CONVERSATION_HEADER)
            request.app[REQUEST_LOG].add(arrived, tag, request.method, path, status, elapsed_ms)


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
            body["error"]["message"] = f"no endpoint at {request.path}"
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
