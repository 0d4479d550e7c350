"""Run the action server: python -m actions (instead of `rasa run actions`).

Rasa SDK's own runner listens on every interface (SANIC_HOST defaults to 0.0.0.0) and runs
any action for anyone who can reach it. This one listens on ACTIONS_HOST only and answers
/webhook and /actions only to callers that send the shared secret that the Rasa server sends
(endpoints.yml: action_endpoint.headers), compared in constant time. /health stays open for
the supervisor.
"""

from __future__ import annotations

import hmac
import logging
import os
import sys

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from common.conversation import ACTION_TOKEN_HEADER
from common.logs import configure_logging

from .contacts import warm_up_contacts

log = logging.getLogger("actions")
OPEN_PATHS = frozenset({"/health"})


def main() -> None:
    configure_logging()
    utils.update_sanic_log_level()
    token = os.environ.get("CSA_ACTION_TOKEN", "")
    if not token:
        log.error("CSA_ACTION_TOKEN is not set: the action server refuses to start without it")
        sys.exit(2)
    host = os.environ.get("ACTIONS_HOST", "127.0.0.1")
    port = int(os.environ.get("ACTIONS_PORT", "5055"))

    app = create_app("actions", cors_origins=None)

    @app.on_request
    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(ACTION_TOKEN_HEADER, "")
        if not hmac.compare_digest(given.encode(), token.encode()):
            return response.json({"error": "only the Rasa server may call the actions"}, 401)
        return None

    @app.after_server_start
    async def contacts(app: object, loop: object) -> None:
        await warm_up_contacts()

    log.info("action server listening on http://%s:%d", host, port)
    app.run(host, port, access_log=False, motd=False)


if __name__ == "__main__":
    main()
