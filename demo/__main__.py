"""Serve the demo page: python -m demo (settings from the environment, see the README)."""

import logging

from aiohttp import web

from .app import create_app
from .scenarios import ScenarioError
from .settings import DemoSettings


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # aiohttp's access log would print query strings; the page's own calls carry no secrets,
    # but keep it quiet like the registry's masked log.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    settings = DemoSettings.from_env()
    try:
        app = create_app(settings)
    except ScenarioError as exc:
        raise SystemExit(f"demo: {exc}") from None
    print(f"Demo page on http://{settings.host}:{settings.port}/", flush=True)
    web.run_app(app, host=settings.host, port=settings.port, print=None)


if __name__ == "__main__":
    main()
