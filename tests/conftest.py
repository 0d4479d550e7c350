"""Shared fixtures: a registry app on its own database and its own copy of the catalogue."""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from aiohttp.web import Application
from registry_access import CITIZEN_HEADERS, REGISTRY_TOKEN

from registry.app import create_app
from registry.config import CATALOGUE_DIR, Settings

CATALOGUE_SOURCE = CATALOGUE_DIR

AiohttpClient = Callable[[Application], Awaitable[TestClient]]


@pytest.fixture
def catalogue_dir(tmp_path: Path) -> Path:
    """A private copy of registry/catalogue_data that a test may edit freely."""
    target = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_SOURCE, target)
    return target


@pytest.fixture
def registry_settings(tmp_path: Path, catalogue_dir: Path) -> Settings:
    return Settings(
        database=tmp_path / "registry.db", catalogue_dir=catalogue_dir, api_token=REGISTRY_TOKEN
    )


@pytest.fixture
async def registry_client(aiohttp_client: AiohttpClient, registry_settings: Settings) -> TestClient:
    """A test client of a registry built from registry_settings (fresh database, copied data),
    calling as the action server does for the conversation CITIZEN."""
    return await aiohttp_client(create_app(registry_settings), headers=CITIZEN_HEADERS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The stage of each test, from where it lives: the whole stack (e2e), the browser."""
    for item in items:
        path = Path(str(item.fspath))
        if path.name == "test_demo_page.py":
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.e2e)
        elif "e2e" in path.parts or path.name == "test_bridge_e2e.py":
            item.add_marker(pytest.mark.e2e)
