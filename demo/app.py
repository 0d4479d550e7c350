"""The demo page server's application factory: settings in, a ready aiohttp Application out."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from .app_keys import CLIENTS, CONVERSATIONS, SCENARIOS, SETTINGS
from .clients import DemoClients
from .middlewares import json_errors, same_origin, security_headers
from .routes import setup_routes
from .scenarios import load_scenarios
from .settings import DemoSettings

MAX_BODY_BYTES = 16 * 1024
# Rasa may take a while on the first message after start (the model warms up).
UPSTREAM_TIMEOUT = aiohttp.ClientTimeout(total=60)


def create_app(settings: DemoSettings | None = None) -> web.Application:
    settings = settings or DemoSettings.from_env()
    app = web.Application(
        middlewares=[security_headers, json_errors, same_origin], client_max_size=MAX_BODY_BYTES
    )
    app[SETTINGS] = settings
    # Read the scenarios now, so a broken file stops start-up with a clear message.
    app[SCENARIOS] = load_scenarios(settings.scenarios_file)
    app[CONVERSATIONS] = {}

    async def upstream_session(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession(timeout=UPSTREAM_TIMEOUT) as session:
            app[CLIENTS] = DemoClients(
                session,
                settings.rasa_url,
                settings.registry_url,
                settings.rasa_api_token,
                settings.registry_token,
            )
            yield

    app.cleanup_ctx.append(upstream_session)
    setup_routes(app)
    return app
