"""The typed keys of what the demo page server's application holds (aiohttp AppKeys)."""

from aiohttp import web

from .clients import DemoClients
from .settings import DemoSettings

CLIENTS = web.AppKey("clients", DemoClients)
SETTINGS = web.AppKey("settings", DemoSettings)
SCENARIOS = web.AppKey("scenarios", list)
# Conversations started from this page since the server started (an ordered set): the
# inspector and the dashboard show these and no other conversation of the assistant.
CONVERSATIONS = web.AppKey("conversations", dict)
