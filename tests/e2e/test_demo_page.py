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
from axe_playwright_python.sync_playwright import Axe
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
    fees = [
        f"{c['cost']['amount']:g} {passport['currency']['unit']['other']}"
        for c in passport["channels"]
    ]
    page.goto(stack.demo_url)

    ask(page, "how much does a passport cost?")

    answer = page.locator("#messages .message.bot").last
    for fee in fees:
        expect(answer).to_contain_text(fee)
    turn = page.locator("#inspector .turn").first
    # In plain words for the audience; the intent names one click away.
    expect(turn.locator(".understood")).to_contain_text(f"fees · {passport['title']}")
    expect(turn.locator(".asked")).to_contain_text(passport["competent_authority"]["name"])
    expect(turn.locator(".intent-name")).to_be_hidden()
    page.click("#toggle-technical")
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
    # The inspector shows the button's words too, not the payload it sent.
    expect(page.locator("#inspector .turn").first.locator(".citizen-text")).to_have_text(title)
    expect(page.locator("#inspector .turn").first.locator(".intent-name")).to_have_text("inform")
    screenshot(page, "button-tapped")


def test_a_scenario_plays_to_the_end_with_one_click(page: Page, stack: Stack) -> None:
    status = stack.registry("/v1/applications/CIV-2026-00042")
    page.goto(f"{stack.demo_url}/?pace=fast")
    page.click("button.page-lang[data-lang='en']")

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


def test_today_counts_this_presenters_session_and_can_switch_to_everyone(
    browser: Browser, page: Page, stack: Stack
) -> None:
    other = browser.new_context(viewport={"width": 1280, "height": 720})
    other_page = other.new_page()
    other_page.goto(stack.demo_url)  # another presenter, at the same time
    ask(other_page, "what documents do I need for a driving licence?")
    other.close()
    page.goto(f"{stack.demo_url}/?lang=fr")
    ask(page, "tell me a joke about cats")
    ask(page, "how long does a passport take?")

    expect(page.locator("#dash-conversations")).to_have_text("1")
    expect(page.locator("#dash-messages")).to_have_text("2")
    # Service names in the page's language.
    passport = stack.registry("/v1/services/passport?lang=fr")["title"]
    expect(page.locator("#dash-services")).to_have_text(re.compile(rf"^{passport}\s*1$"))
    expect(page.locator("#dash-fallback")).to_have_text(re.compile(r"^\d+\s?%$"))
    everyone = http_json("GET", f"{stack.demo_url}/api/dashboard")
    assert everyone["conversations"] >= 2
    page.click("button.scope[data-scope='all']")
    expect(page.locator("#dash-conversations")).to_have_text(str(everyone["conversations"]))


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


# The stage: a projector at 1280x720 or 1920x1080, in each language ---------------------------

PROJECTORS = [(1280, 720), (1920, 1080)]
QUESTIONS = {
    "en": "how much does a passport cost?",
    "fr": "combien coûte un passeport ?",
    "ar": "كم سعر جواز السفر؟",
}
# The inspector's plain view is read from the back of the room (demo/static/demo.css says
# why); the chat as well.
PRESENTER_MIN_PX = 20
# Boxes whose content must fit inside them: no text cut or pushed out.
FITTING = [
    ".topbar",
    ".toolbar",
    ".pane-head",
    ".composer",
    ".kpi",
    ".services li",
    ".turn-head",
    ".summary p",
    ".citizen-text",
    ".scenario-footer",
    ".message",
]
OVERFLOWS = """selectors => {
  const found = [];
  for (const selector of selectors) {
    for (const box of document.querySelectorAll(selector)) {
      if (!box.getClientRects().length) continue;          // not shown
      const outer = box.getBoundingClientRect();
      if (box.scrollWidth > box.clientWidth + 1) found.push(`${selector} scrolls sideways`);
      for (const child of box.querySelectorAll("*")) {
        if (!child.getClientRects().length) continue;
        const inner = child.getBoundingClientRect();
        if (inner.left < outer.left - 1 || inner.right > outer.right + 1)
          found.push(`${selector} > ${child.tagName.toLowerCase()}.${child.className}: ` +
            `"${child.textContent.slice(0, 30)}" sticks out`);
      }
    }
  }
  return found;
}"""
BELOW_THE_FOLD = """selectors => selectors.filter(selector => {
  const box = document.querySelector(selector).getBoundingClientRect();
  return box.bottom > window.innerHeight + 1 || box.right > window.innerWidth + 1;
})"""
CLIPPED = """selectors => selectors.filter(selector => {
  const node = document.querySelector(selector);
  const box = node.getBoundingClientRect();
  const pane = (node.closest(".pane") || document.body).getBoundingClientRect();
  return box.top < pane.top - 1 || box.bottom > pane.bottom + 1 || box.bottom > window.innerHeight;
})"""
# What the presenter and the room must see whole, whatever was scrolled to.
ALWAYS_SHOWN = [
    ".topbar",
    "#chat .pane-head",
    ".composer",
    "#inspector .pane-head",
    "#dashboard",
    ".scenarios-pane .pane-head",
    "#scenario-status",
    ".player",
]
PLACEHOLDER_CUT = """input => {
  const style = getComputedStyle(input);
  const context = document.createElement("canvas").getContext("2d");
  context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return context.measureText(input.placeholder).width > room;
}"""


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
@pytest.mark.parametrize(("width", "height"), PROJECTORS)
def test_the_presenter_layout_fits_a_projector(
    browser: Browser, stack: Stack, width: int, height: int, lang: str
) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(REPLY_TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{stack.demo_url}/?presenter&lang={lang}")
    ask(page, QUESTIONS[lang])
    expect(page.locator("#inspector .turn")).to_have_count(1)
    expect(page.locator("#dash-messages")).to_have_text("1")

    assert page.evaluate(OVERFLOWS, FITTING) == []
    assert page.evaluate(BELOW_THE_FOLD, [".topbar", ".composer", "#dashboard", "#turns"]) == []
    assert page.evaluate(CLIPPED, ALWAYS_SHOWN) == []
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    header = page.locator(".topbar").bounding_box()
    assert header and header["height"] < 0.1 * height, "the header is on one line"
    assert not page.locator("#input").evaluate(PLACEHOLDER_CUT)
    for selector in ("#inspector .summary", "#messages .message.bot"):
        size = page.locator(selector).first.evaluate("e => getComputedStyle(e).fontSize")
        assert float(size.removesuffix("px")) >= PRESENTER_MIN_PX, (selector, size)
    # Nothing raw for the audience: no intent or action names, no JSON, no conversation id.
    shown = page.locator("main").inner_text()
    assert not re.search(r"\b[a-z]+_[a-z_]+\b|[{}]|demo-[0-9a-f]{16}", shown), shown
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    serious = serious_accessibility_problems(page)
    page.screenshot(path=str(ARTIFACTS / f"presenter-{width}x{height}-{lang}.png"))
    assert serious == [], serious
    assert errors == []
    context.close()


def serious_accessibility_problems(page: Page) -> list[str]:
    """axe-core's serious and critical findings (WCAG 2.1 AA rules), one line each, once the
    page is still (a card fading in is measured at its final colours, not halfway)."""
    page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished))")
    results = Axe().run(page, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21aa"]})
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_the_light_page_has_no_serious_accessibility_problem(page: Page, stack: Stack) -> None:
    page.goto(stack.demo_url)
    ask(page, "I want to book an appointment for a national ID card")
    answered = page.locator("#messages .message.bot").count()
    page.locator("#messages .message.bot .buttons button").first.click()  # the others fade
    expect(page.locator("#messages .message.bot")).not_to_have_count(answered)
    assert serious_accessibility_problems(page) == []


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_every_scenario_plays_on_a_720p_projector_with_nothing_cut(
    browser: Browser, stack: Stack, lang: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(REPLY_TIMEOUT_MS)
    page.goto(f"{stack.demo_url}/?presenter&pace=fast&lang={lang}")
    scenarios = page.locator("button.scenario")
    expect(scenarios.first).to_be_visible()
    for index in range(scenarios.count()):
        scenario = scenarios.nth(index)
        name = scenario.get_attribute("data-scenario")
        scenario.click()
        expect(page.locator("#scenario-status")).to_have_attribute("data-state", "done")
        page.screenshot(path=str(ARTIFACTS / f"scenario-1280x720-{lang}-{name}.png"))
        assert page.evaluate(OVERFLOWS, FITTING) == [], name
        assert page.evaluate(CLIPPED, ALWAYS_SHOWN) == [], name
        shown = page.locator("main").inner_text()
        assert not re.search(r"\b[a-z]+_[a-z_]+\b|[{}]|demo-[0-9a-f]{16}", shown), (name, shown)
    context.close()


def test_a_typed_arabic_reference_keeps_its_digits_in_typed_order(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.demo_url}/?lang=ar")
    ask(page, "وين وصل ملفي CIV-٢٠٢٦-٠٠٠٤٢")
    bubble = page.locator("#messages .message.user").last
    # Left to right on screen: CIV, then ٢٠٢٦, then ٠٠٠٤٢, as typed.
    lefts = bubble.evaluate(
        """bubble => ["CIV", "٢٠٢٦", "٠٠٠٤٢"].map(part => {
          const walker = document.createTreeWalker(bubble, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.data.indexOf(part);
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + part.length);
            return range.getBoundingClientRect().left;
          }
          return null;
        })"""
    )
    assert None not in lefts and lefts == sorted(lefts), lefts
    screenshot(page, "arabic-reference")


def test_an_example_question_is_asked_when_clicked(page: Page, stack: Stack) -> None:
    page.goto(stack.demo_url)
    example = page.locator("#messages button.example").first
    question = example.inner_text()
    example.click()
    expect(page.locator("#messages .message.user")).to_have_text(question)
    expect(page.locator("#messages .message.bot").first).to_be_visible()


def test_the_page_speaks_arabic_right_to_left(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.demo_url}/?lang=ar")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("#send")).to_have_text("إرسال")
    expect(page.locator("#chat-title")).to_have_text("المحادثة")
    ask(page, QUESTIONS["ar"])
    title = stack.registry("/v1/services/passport?lang=ar")["title"]
    expect(page.locator("#inspector .turn .understood")).to_contain_text(title)
    expect(page.locator("#dash-services")).to_contain_text(title)
    # The scenario badges sit on the right, where an Arabic reader starts.
    scenario = page.locator("button.scenario").first
    title = scenario.locator(".scenario-title").bounding_box()
    box = scenario.bounding_box()
    assert title and box
    badge_and_padding = box["x"] + box["width"] - (title["x"] + title["width"])
    assert 30 < badge_and_padding < 80, badge_and_padding
    screenshot(page, "arabic-page")


def test_a_scenario_can_be_paused_stepped_and_replayed(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.demo_url}/?pace=fast")
    page.click("button.scenario[data-scenario='application-status']")
    page.click("#pause-scenario")
    expect(page.locator("#scenario-status")).to_have_attribute("data-state", "paused")
    users = page.locator("#messages .message.user")
    expect(users).to_have_count(1)
    page.wait_for_timeout(1500)  # paused: nothing more is asked
    expect(users).to_have_count(1)
    page.click("#step-scenario")
    expect(users).to_have_count(2)
    expect(page.locator("#scenario-status")).to_have_attribute("data-state", "paused")
    page.click("#pause-scenario")  # resume
    expect(page.locator("#scenario-status")).to_have_attribute("data-state", "done")
    page.click("#replay-scenario")
    expect(page.locator("#scenario-status")).to_have_attribute("data-state", "done")
    expect(users).to_have_count(3)


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
