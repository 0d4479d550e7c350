"""The typed keys of what the demo page server's application holds (aiohttp AppKeys)."""

from aiohttp import web

from .clients import DemoClients
from .settings import DemoSettings

CLIENTS = web.AppKey("clients", DemoClients)
SETTINGS = web.AppKey("settings", DemoSettings)
SCENARIOS = web.AppKey("scenarios", list)
# Conversations started from the demo page since the server started, oldest first, each with
# the page session it came from: the inspector and the dashboard show these and no other
# conversation of the assistant.
CONVERSATIONS = web.AppKey("conversations", dict)
