"""The stage demo page, served by the real stack and driven in a real browser (Debian's
Chromium through Playwright, headless). Screenshots go to tests/artifacts/demo/."""

from __future__ import annotations

import os
import re
import secrets
import urllib.error
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from .conftest import PROJECT_DIR, Stack, http_json

CHROMIUM = Path(os.environ.get("CSA_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = PROJECT_DIR / "tests" / "artifacts" / "demo"
# Chromium as root in a container, on a machine with no internet (its background
# connections would only be refused).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPLY_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: scripts/test.sh installs Debian's chromium package")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, stack: Stack) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(REPLY_TIMEOUT_MS)
    yield page
    context.close()


def screenshot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def ask(page: Page, text: str) -> None:
    """Type a message as a citizen would and wait for the assistant's answer to appear."""
    answered = page.locator("#messages .message.bot").count()
    page.fill("#input", text)
    page.press("#input", "Enter")
    expect(page.locator("#messages .message.bot")).not_to_have_count(answered)
    expect(page.locator(".typing")).to_have_count(0)


def test_a_question_gets_the_registrys_fee_and_the_inspector_shows_why(
    page: Page, stack: Stack
) -> None:
    passport = stack.registry("/v1/services/passport")
    fees = [f"{c['cost']['amount']:.3f} {c['cost']['currency']}" for c in passport["channels"]]
    page.goto(stack.demo_url)

    ask(page, "how much does a passport cost?")

    answer = page.locator("#messages .message.bot").last
    for fee in fees:
        expect(answer).to_contain_text(fee)
    turn = page.locator("#inspector .turn").first
    expect(turn.locator(".intent-name")).to_have_text("ask_fees")
    expect(turn.locator(".intent-confidence")).to_have_text(re.compile(r"^\d{1,3}\s?%$"))
    expect(turn.locator(".runner-up")).not_to_be_empty()
    expect(turn.locator(".language")).to_contain_text("en")
    expect(turn.locator(".registry-calls")).to_contain_text("/v1/services/passport")
    expect(turn.locator(".payload")).to_contain_text('"topic": "fees"')
    screenshot(page, "question-and-inspector")


def test_tapping_a_button_sends_it_and_shows_its_title(page: Page, stack: Stack) -> None:
    page.goto(stack.demo_url)
    ask(page, "I want to book an appointment for a national ID card")
    office = page.locator("#messages .message.bot .buttons button").first
    title = office.inner_text()

    answered = page.locator("#messages .message.bot").count()
    office.click()

    expect(page.locator("#messages .message.user").last).to_have_text(title)
    expect(page.locator("#messages .message.bot")).not_to_have_count(answered)
    expect(page.locator("#inspector .turn").first.locator(".intent-name")).to_have_text("inform")
    screenshot(page, "button-tapped")


def test_a_scenario_plays_to_the_end_with_one_click(page: Page, stack: Stack) -> None:
    status = stack.registry("/v1/applications/CIV-2026-00042")
    page.goto(f"{stack.demo_url}/?pace=fast")
    page.click("button.scenario-lang[data-lang='en']")

    page.click("button.scenario[data-scenario='application-status']")

    expect(page.locator("#scenario-status")).to_have_attribute("data-state", "done")
    bot = page.locator("#messages .message.bot")
    expect(bot.last).to_contain_text("CIV-2026-00042")
    expect(bot.last).to_contain_text(status["status_label"])
    # The wrong reference was explained before the right one was looked up.
    expect(page.locator("#messages")).to_contain_text("five digits")
    expect(page.locator("#inspector .turn")).to_have_count(3)
    screenshot(page, "scenario-application-status")


def test_arabic_turns_the_chat_right_to_left_and_presenter_mode_is_readable(
    page: Page, stack: Stack
) -> None:
    page.goto(stack.demo_url)
    expect(page.locator("#chat")).to_have_attribute("dir", "ltr")

    ask(page, "قداش يكلف جواز السفر؟")

    expect(page.locator("#chat")).to_have_attribute("dir", "rtl")
    direction = page.locator("#messages .message.bot").last.evaluate(
        "element => getComputedStyle(element).direction"
    )
    assert direction == "rtl"
    expect(page.locator("#inspector .turn").first.locator(".language")).to_contain_text("ar")
    screenshot(page, "arabic-right-to-left")

    normal_size = font_size(page)
    page.click("#toggle-presenter")
    expect(page.locator("body")).to_have_class(re.compile(r"\bpresenter\b"))
    assert font_size(page) >= max(26, normal_size * 1.3)
    page.click("#toggle-inspector")
    expect(page.locator("#inspector")).to_be_hidden()
    screenshot(page, "presenter-mode")
    page.click("#toggle-inspector")
    expect(page.locator("#inspector")).to_be_visible()


def font_size(page: Page) -> float:
    size = page.locator("#messages .message.bot").last.evaluate(
        "element => getComputedStyle(element).fontSize"
    )
    return float(size.removesuffix("px"))


def test_the_dashboard_counts_this_sessions_conversations(page: Page, stack: Stack) -> None:
    page.goto(stack.demo_url)
    ask(page, "tell me a joke about cats")
    ask(page, "how long does a passport take?")

    dashboard = http_json("GET", f"{stack.demo_url}/api/dashboard")
    assert dashboard["conversations"] >= 1 and dashboard["messages"] >= 2
    expect(page.locator("#dash-messages")).to_have_text(str(dashboard["messages"]))
    expect(page.locator("#dash-services")).to_contain_text(
        stack.registry("/v1/services/passport")["title"]
    )
    expect(page.locator("#dash-fallback")).to_have_text(re.compile(r"\d+\s?%"))


def test_the_rasa_token_never_reaches_the_browser(page: Page, stack: Stack) -> None:
    seen: list[str] = []
    page.on(
        "response",
        lambda response: seen.append(
            f"{response.url} {response.headers} {response.body() if response.ok else ''}"
        ),
    )
    page.goto(stack.demo_url)
    ask(page, "what documents do I need for a passport?")
    page.wait_for_load_state("networkidle")

    assert any("/turns" in entry for entry in seen), "the inspector read the tracker"
    assert all(stack.rasa_api_token not in entry for entry in seen)
    assert stack.rasa_api_token not in page.content()


# Every scenario, in every language, through the page's own API ------------------------------


def play(stack: Stack, scenario: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """Play one scenario as the page does; the turns the inspector then shows."""
    sender = f"demo-{secrets.token_hex(8)}"
    buttons: list[dict[str, str]] = []
    for step in scenario["steps"][lang]:
        if "tap" in step:
            assert len(buttons) >= step["tap"], (scenario["id"], lang, step)
            text = buttons[step["tap"] - 1]["payload"]
        else:
            text = step["say"]
        url = f"{stack.demo_url}/api/conversations/{sender}/messages"
        replies = http_json("POST", url, {"text": text})["replies"]
        assert replies, (scenario["id"], lang, text)
        buttons = [b for r in replies for b in r.get("buttons", [])] or buttons
    return http_json("GET", f"{stack.demo_url}/api/conversations/{sender}/turns")["turns"]


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_every_scenario_plays_in_every_language(stack: Stack, lang: str) -> None:
    scenarios = http_json("GET", f"{stack.demo_url}/api/scenarios")["scenarios"]
    for scenario in scenarios:
        turns = play(stack, scenario, lang)
        fallbacks = ["action_fallback" in t["actions"] for t in turns]
        if scenario["id"] == "out-of-scope":
            assert fallbacks[0], (lang, turns[0])
            continue
        assert not any(fallbacks), (scenario["id"], lang, turns)
        # The assistant answered in the scenario's language, with facts from the registry.
        assert all(p.get("lang") == lang for t in turns for p in t["payloads"]), turns
        assert any(t["registry_calls"] for t in turns), (scenario["id"], lang)


def test_rasas_api_refuses_a_caller_without_the_token(stack: Stack) -> None:
    """The trackers the inspector shows are not open to anyone on the network."""
    with pytest.raises(urllib.error.HTTPError) as refused:
        http_json("GET", f"{stack.rasa_url}/conversations/demo-0123456789abcdef/tracker")
    assert refused.value.code == 401
