"""The registry logs one line per request, with its time, and no personal data."""

from __future__ import annotations

import logging
import re

import pytest
from aiohttp.test_utils import TestClient


async def test_one_masked_line_per_request_with_its_time(
    registry_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="registry.access")
    await registry_client.get("/v1/applications/CIV-2026-00042")
    await registry_client.get("/v1/appointments/APT-123456")
    await registry_client.get("/v1/services", params={"q": "my name is Leila Ben Salah"})

    lines = [r.getMessage() for r in caplog.records if r.name == "registry.access"]
    assert len(lines) == 3
    assert all(re.search(r" \d{3} \d+\.\d+ms$", line) for line in lines)
    assert "GET /v1/applications/CIV-****-***** 200" in lines[0]
    assert "GET /v1/appointments/APT-****** 404" in lines[1]
    assert "?q" in lines[2] and "Leila" not in lines[2]
    assert not any("2026-00042" in line or "123456" in line for line in lines)
