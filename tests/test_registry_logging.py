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


TAG = "0123456789abcdef"


async def test_request_log_keeps_masked_requests_of_a_conversation(
    registry_client: TestClient,
) -> None:
    await registry_client.get("/v1/health")
    await registry_client.get("/v1/services/passport", headers={"X-Conversation-Tag": TAG})
    await registry_client.get(
        "/v1/applications/CIV-2026-00042", headers={"X-Conversation-Tag": TAG}
    )
    await registry_client.get("/v1/services/nothing-such", headers={"X-Conversation-Tag": "x" * 16})

    response = await registry_client.get("/v1/request-log", params={"conversation": TAG})
    assert response.status == 200
    entries = (await response.json())["requests"]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("GET", "/v1/services/passport", 200),
        ("GET", "/v1/applications/CIV-****-*****", 200),
    ]
    assert all(e["conversation"] == TAG and e["ms"] >= 0 for e in entries)
    assert entries[0]["seq"] < entries[1]["seq"]

    everything = (await (await registry_client.get("/v1/request-log")).json())["requests"]
    # Health checks and reading the log are not logged; a malformed tag is dropped, not stored.
    assert [e["path"] for e in everything] == [
        "/v1/services/passport",
        "/v1/applications/CIV-****-*****",
        "/v1/services/nothing-such",
    ]
    assert everything[2]["conversation"] is None

    after = (
        await (
            await registry_client.get("/v1/request-log", params={"after": entries[0]["seq"]})
        ).json()
    )["requests"]
    assert [e["seq"] for e in after] == [everything[1]["seq"], everything[2]["seq"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"conversation": "Leila"}, "conversation"),
        ({"after": "-1"}, "after"),
        ({"limit": "0"}, "limit"),
        ({"limit": "many"}, "limit"),
    ],
)
async def test_request_log_rejects_bad_queries_with_the_field(
    registry_client: TestClient, params: dict[str, str], field: str
) -> None:
    response = await registry_client.get("/v1/request-log", params=params)
    assert response.status == 400
    assert (await response.json())["error"]["field"] == field
