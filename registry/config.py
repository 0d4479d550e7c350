"""Registry settings, read from environment variables (documented in the README)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
# The catalogue people edit (YAML files); the registry serves it and the NLU trains on it.
CATALOGUE_DIR = PACKAGE_DIR / "catalogue_data"


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    catalogue_dir: Path = CATALOGUE_DIR
    database: Path = PROJECT_DIR / "var" / "registry.db"
    max_body_bytes: int = 16 * 1024
    booking_horizon_days: int = 60
    slot_minutes: int = 30
    request_log_size: int = 2000  # recent requests kept in memory for the demo's inspector
    # Bearer token for the endpoints that read or change citizens' data (applications,
    # appointments, tickets, ratings, the request log, forgetting). None: they are closed.
    api_token: str | None = field(default=None, repr=False)
    # Host names the registry answers to (a page elsewhere cannot reach it by DNS rebinding);
    # "*" answers any.
    allowed_hosts: tuple[str, ...] = LOCAL_HOSTS
    # Under which every resource of the published catalogue (CPSV-AP linked data) is named:
    # the registry's public address, so that the URIs stay the same wherever it runs.
    base_uri: str = "https://registry.wadi.example/"

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        host = env.get("REGISTRY_HOST", cls.host)
        hosts = env.get("REGISTRY_ALLOWED_HOSTS")
        allowed = (
            tuple(h.strip() for h in hosts.split(",") if h.strip())
            if hosts
            else (*LOCAL_HOSTS, host)
        )
        return cls(
            host=host,
            port=int(env.get("REGISTRY_PORT", cls.port)),
            catalogue_dir=Path(env.get("REGISTRY_CATALOGUE_DIR", cls.catalogue_dir)),
            database=Path(env.get("REGISTRY_DB", cls.database)),
            api_token=env.get("CSA_REGISTRY_TOKEN") or None,
            allowed_hosts=allowed,
            base_uri=env.get("REGISTRY_BASE_URI", cls.base_uri),
        )
