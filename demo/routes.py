"""Every route of the demo page's server, in one place."""

from aiohttp import web

from . import handlers
from .settings import PACKAGE_DIR


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/", handlers.index)
    app.router.add_get("/healthz", handlers.health)
    app.router.add_get("/api/scenarios", handlers.scenarios)
    app.router.add_post("/api/conversations/{sender}/messages", handlers.send_message)
    app.router.add_get("/api/conversations/{sender}/turns", handlers.conversation_turns)
    app.router.add_get("/api/services", handlers.services)
    app.router.add_get("/api/dashboard", handlers.dashboard)
    app.router.add_static("/static", PACKAGE_DIR / "static")
