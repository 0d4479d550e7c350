"""The typed keys of what the registry's application holds (aiohttp AppKeys)."""

from aiohttp import web

from .catalogue import CatalogueSource
from .config import Settings
from .request_log import RequestLog
from .store import Store

CATALOGUE = web.AppKey("catalogue", CatalogueSource)
STORE = web.AppKey("store", Store)
SETTINGS = web.AppKey("settings", Settings)
OPENAPI = web.AppKey("openapi", dict)
REQUEST_LOG = web.AppKey("request_log", RequestLog)
# The catalogue's linked data graph and the documents published from it, built once per
# version of the catalogue (handlers.published).
LINKED_DATA_CACHE = web.AppKey("linked_data_cache", dict)
