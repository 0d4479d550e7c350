"""Registry settings, read from environment variables (documented in the README)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    catalogue_dir: Path = PACKAGE_DIR / "catalogue"
    database: Path = PROJECT_DIR / "var" / "registry.db"
    max_body_bytes: int = 16 * 1024
    booking_horizon_days: int = 60
    slot_minutes: int = 30
    request_log_size: int = 2000  # recent requests kept in memory for the demo's inspector

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            host=env.get("REGISTRY_HOST", cls.host),
            port=int(env.get("REGISTRY_PORT", cls.port)),
            catalogue_dir=Path(env.get("REGISTRY_CATALOGUE_DIR", cls.catalogue_dir)),
            database=Path(env.get("REGISTRY_DB", cls.database)),
        )
