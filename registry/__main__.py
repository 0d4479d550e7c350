"""Run the registry: python -m registry (settings from REGISTRY_* environment variables)."""

import logging

from common.http_server import run_app
from common.logs import configure_logging

from .app import create_app
from .config import Settings


def main() -> None:
    configure_logging()
    settings = Settings.from_env()
    log = logging.getLogger("registry")
    if settings.api_token is None:
        log.warning(
            "CSA_REGISTRY_TOKEN is not set: the endpoints of citizens' data answer 401 "
            "(the stack sets it; see the README)"
        )
    # The registry's own middleware logs one masked line per request (no aiohttp access log).
    run_app(
        create_app(settings),
        settings.host,
        settings.port,
        f"registry listening on http://{settings.host}:{settings.port}",
        log,
    )


if __name__ == "__main__":
    main()
