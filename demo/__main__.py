"""Serve the demo page: python -m demo (settings from the environment, see the README)."""

import logging

from common.http_server import run_app
from common.logs import configure_logging

from .app import create_app
from .scenarios import ScenarioError
from .settings import DemoSettings


def main() -> None:
    configure_logging()
    settings = DemoSettings.from_env()
    try:
        app = create_app(settings)
    except ScenarioError as exc:
        raise SystemExit(f"demo: {exc}") from None
    url = f"http://{settings.host}:{settings.port}/"
    run_app(app, settings.host, settings.port, f"Demo page on {url}", logging.getLogger("demo"))


if __name__ == "__main__":
    main()
