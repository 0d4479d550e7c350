"""The demo page's own server: clear 4xx answers to bad input, a clear 502 when the assistant
is down, a strict content policy, and Rasa's token never in anything it sends."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from aiohttp.web import Application

from common.processes import free_port
from demo.app import create_app
from demo.scenarios import ScenarioError, load_scenarios
from demo.settings import PACKAGE_DIR, DemoSettings

AiohttpClient = Callable[[Application], Awaitable[TestClient]]
TOKEN = "rasa-token-that-must-stay-on-the-server"
SENDER = "demo-0123456789abcdef"


def unused_url() -> str:
    """An address where nothing listens: the assistant and the registry are down."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
async def client(aiohttp_client: AiohttpClient) -> TestClient:
    settings = DemoSettings(rasa_url=unused_url(), registry_url=unused_url(), rasa_api_token=TOKEN)
    return await aiohttp_client(create_app(settings))


async def expect_error(response: Any, status: int, code: str) -> str:
    assert response.status == status
    body = await response.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]["message"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("not json", "bad_json"),
        ("[1, 2]", "missing_text"),
        ('{"text": ""}', "missing_text"),
        ('{"text": "   "}', "missing_text"),
        ('{"text": 42}', "missing_text"),
        ('{"message": "hello"}', "missing_text"),
        ('{"text": "' + "a" * 1001 + '"}', "text_too_long"),
        ('{"text": "hi", "session": "not-hex"}', "bad_session"),
        ('{"text": "hi", "session": 42}', "bad_session"),
    ],
)
async def test_a_bad_message_body_gets_a_400_that_says_what_is_wrong(
    client: TestClient, body: str, code: str
) -> None:
    response = await client.post(
        f"/api/conversations/{SENDER}/messages", data=body, headers=JSON_TYPE
    )
    await expect_error(response, 400, code)


JSON_TYPE = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        ('{"text": "hi"}', {"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
        ('{"text": "hi"}', {}, 415, "unsupported_media_type"),
        ('{"text": "hi"}', {"Content-Type": "application/json; charset=bogus"}, 415, None),
        ("[" * 1200 + "]" * 1200, JSON_TYPE, 400, "bad_json"),
        ('{"text": "hi \\ud800"}', JSON_TYPE, 400, "invalid_text"),
    ],
)
async def test_bodies_that_crashed_the_server_or_came_cross_site_are_refused(
    client: TestClient, body: str, headers: dict[str, str], status: int, code: str | None
) -> None:
    response = await client.post(
        f"/api/conversations/{SENDER}/messages", data=body.encode(), headers=headers
    )
    assert response.status == status
    error = (await response.json())["error"]
    assert error["message"] and (code is None or error["code"] == code)


async def test_another_site_cannot_post_through_a_visitors_browser(client: TestClient) -> None:
    for headers in (
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
    ):
        response = await client.post(
            f"/api/conversations/{SENDER}/messages", json={"text": "hi"}, headers=headers
        )
        await expect_error(response, 403, "foreign_origin")
    wrong_host = await client.get("/api/scenarios", headers={"Host": "rebound.evil.example"})
    await expect_error(wrong_host, 400, "unknown_host")


async def test_a_very_long_static_path_is_a_404_not_a_crash(client: TestClient) -> None:
    await expect_error(await client.get("/static/" + "a" * 5000), 404, "not_found")


@pytest.mark.parametrize("sender", ["telegram-12345", "demo-XYZ", "demo-0123", "../status"])
async def test_only_demo_conversations_can_be_used(client: TestClient, sender: str) -> None:
    """The page cannot post to, or read, the trackers of citizens on other channels."""
    post = await client.post(f"/api/conversations/{sender}/messages", json={"text": "hi"})
    assert post.status in (400, 404)
    read = await client.get(f"/api/conversations/{sender}/turns")
    assert read.status in (400, 404)


async def test_a_conversation_this_page_did_not_start_is_not_shown(client: TestClient) -> None:
    response = await client.get(f"/api/conversations/{SENDER}/turns")
    await expect_error(response, 404, "unknown_conversation")


async def test_a_huge_body_and_unknown_paths_get_json_errors(client: TestClient) -> None:
    huge = await client.post(
        f"/api/conversations/{SENDER}/messages", data="x" * (32 * 1024), headers=JSON_TYPE
    )
    assert huge.status == 413
    assert (await huge.json())["error"]["message"]
    await expect_error(await client.get("/api/nothing"), 404, "not_found")
    await expect_error(await client.put("/api/dashboard"), 405, "method_not_allowed")


async def test_bad_languages_and_sessions_in_queries_get_a_400(client: TestClient) -> None:
    await expect_error(await client.get("/api/services?lang=de"), 400, "bad_lang")
    await expect_error(await client.get("/api/dashboard?session=../x"), 400, "bad_session")


async def test_when_the_assistant_is_down_the_page_is_told_so_without_the_token(
    client: TestClient,
) -> None:
    response = await client.post(f"/api/conversations/{SENDER}/messages", json={"text": "hi"})
    message = await expect_error(response, 502, "upstream_unavailable")
    assert "assistant" in message
    # The conversation was started from the page, so its turns may be read: still a clear 502.
    turns = await client.get(f"/api/conversations/{SENDER}/turns")
    message = await expect_error(turns, 502, "upstream_unavailable")
    assert TOKEN not in message and "token" not in message
    dashboard = await client.get("/api/dashboard")
    assert dashboard.status == 502
    assert TOKEN not in await dashboard.text()


async def test_the_page_and_its_assets_are_local_and_never_carry_the_token(
    client: TestClient,
) -> None:
    page = await client.get("/")
    assert page.status == 200
    html = await page.text()
    assert "Content-Security-Policy" in page.headers
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert 'href="static/demo.css"' in html
    assert '<script type="module" src="static/js/main.js">' in html
    # Follow the module graph from the entry point: every module is served, as JavaScript
    # (browsers refuse modules of another type), and none imports from another host.
    pending, seen = ["demo.css", "js/main.js"], set()
    while pending:
        asset = pending.pop()
        seen.add(asset)
        response = await client.get(f"/static/{asset}")
        assert response.status == 200, asset
        text = await response.text()
        assert TOKEN not in text
        # No CDN: nothing the page loads comes from another host.
        assert "https://" not in text and "http://" not in text
        if asset.endswith(".js"):
            assert response.content_type in ("application/javascript", "text/javascript")
            imports = {f"js/{name}" for name in re.findall(r'from "\./([\w-]+\.js)"', text)}
            pending.extend(imports - seen)
    assert {"js/chat.js", "js/inspector.js", "js/dashboard.js", "js/scenarios.js"} <= seen
    assert TOKEN not in html and "http://" not in html and "https://" not in html
    scenarios = await client.get("/api/scenarios")
    assert TOKEN not in await scenarios.text()


def test_the_shipped_scenarios_cover_every_language() -> None:
    scenarios = load_scenarios(PACKAGE_DIR / "scenarios.yml")
    assert {s["id"] for s in scenarios} >= {
        "new-baby",
        "lost-id-card",
        "start-business",
        "application-status",
        "book-appointment",
        "out-of-scope",
    }
    for scenario in scenarios:
        assert set(scenario["titles"]) == set(scenario["steps"]) == {"en", "fr", "ar"}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("- id: x\n  titles: {en: A}\n  steps: {en: [{say: hi}]}\n", "missing for fr, ar"),
        (
            "- id: x\n  titles: {en: A, fr: B, ar: C}\n"
            "  steps: {en: [{say: hi, tap: 1}], fr: [{say: a}], ar: [{say: b}]}\n",
            "either `say` or `tap`",
        ),
        ("{not: a list}\n", "expected a list"),
        ("- [unclosed\n", "scenarios.yml"),
    ],
)
def test_a_broken_scenario_file_is_reported_with_where_and_why(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "scenarios.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=problem):
        load_scenarios(path)
