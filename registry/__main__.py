"""Run the registry: python -m registry (settings from REGISTRY_* environment variables)."""

import logging

from aiohttp import web

from .app import create_app
from .config import Settings


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = Settings.from_env()
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=None,  # the registry's own middleware logs one masked line per request
        print=lambda text: logging.getLogger("registry").info(text.strip()),
    )


if __name__ == "__main__":
    main()
