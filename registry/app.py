"""The registry's application factory: settings in, a ready aiohttp Application out."""

from __future__ import annotations

from collections.abc import AsyncIterator

import yaml
from aiohttp import web

from .app_keys import CATALOGUE, LINKED_DATA_CACHE, OPENAPI, REQUEST_LOG, SETTINGS, STORE
from .catalogue import YAML_LOADER, CatalogueSource
from .config import PACKAGE_DIR, Settings
from .middlewares import access_log, citizen_data_auth, json_errors, trusted_host
from .request_log import RequestLog
from .routes import setup_routes
from .store import Store


async def _store_context(app: web.Application) -> AsyncIterator[None]:
    store = await Store.open(app[SETTINGS].database)
    await store.seed_applications(app[CATALOGUE].get().applications)
    app[STORE] = store
    yield
    await store.close()


def create_app(settings: Settings | None = None) -> web.Application:
    settings = settings or Settings.from_env()
    app = web.Application(
        middlewares=[access_log, json_errors, trusted_host, citizen_data_auth],
        client_max_size=settings.max_body_bytes,
    )
    app[SETTINGS] = settings
    # Load the catalogue now, so a broken data file stops start-up with a clear message.
    app[CATALOGUE] = CatalogueSource(settings.catalogue_dir)
    app[REQUEST_LOG] = RequestLog(settings.request_log_size)
    app[LINKED_DATA_CACHE] = {}
    app[OPENAPI] = yaml.load(
        (PACKAGE_DIR / "openapi.yaml").read_text(encoding="utf-8"), Loader=YAML_LOADER
    )
    app.cleanup_ctx.append(_store_context)
    setup_routes(app)
    return app
