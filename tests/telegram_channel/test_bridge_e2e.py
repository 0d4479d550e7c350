"""The Telegram bridge end to end: the real bridge, Rasa server, actions and registry, started
by scripts/start.sh with a token, talking to the local fake Bot API instead of Telegram."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import psutil
import pytest

from tests.e2e.conftest import PROJECT_DIR, Stack, free_port, http_json, new_stack
from tests.telegram_channel.fake_bot_api import FakeBotAPI, RecordedRequest

TOKEN = "123456789:AAHfakeTokenForLocalTestsOnly0123456"
RASA_TIMEOUT_SECONDS = 6
BOT = "@fake_test_bot"  # the fake's bot: in groups, citizens name it or reply to it


class FakeInThread:
    """The fake Bot API on its own event loop, so that synchronous tests can drive it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.fake: FakeBotAPI = self.run(self._start())

    async def _start(self) -> FakeBotAPI:
        return await FakeBotAPI(token=TOKEN).start()

    def run(self, coroutine: Any, timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        async def on_loop() -> Any:
            return function(*args, **kwargs)

        return self.run(on_loop())

    def inject(self, builder: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self.call(lambda: self.fake.inject(getattr(self.fake, builder)(*args, **kwargs)))

    def messages_to(
        self, chat_id: int, count: int = 1, timeout: float = 60
    ) -> list[RecordedRequest]:
        """Wait until the bot has sent count more messages to chat_id; return them all."""

        def to_chat(record: RecordedRequest) -> bool:
            return (
                record.method == "sendMessage"
                and record.ok
                and record.params.get("chat_id") == chat_id
            )

        return self.run(self.fake.wait_for(to_chat, count=count, timeout=timeout), timeout + 5)

    def stop(self) -> None:
        self.run(self.fake.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


class Chat:
    """One Telegram chat as the fake sees it."""

    _next_id = 9000

    def __init__(self, telegram: FakeInThread) -> None:
        Chat._next_id += 1
        self.id = Chat._next_id
        self.telegram = telegram
        self.seen = 0

    def say(self, text: str, expect: int = 1) -> list[RecordedRequest]:
        self.telegram.inject("text_message", self.id, text)
        return self.replies(expect)

    def replies(self, expect: int = 1, timeout: float = 60) -> list[RecordedRequest]:
        """The next expect messages the bot sends to this chat."""
        records = self.telegram.messages_to(self.id, self.seen + expect, timeout)
        new = records[self.seen :]
        self.seen = len(records)
        return new


def texts(records: list[RecordedRequest]) -> str:
    return "\n".join(str(r.params.get("text", "")) for r in records)


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeInThread]:
    fake = FakeInThread()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def stack(telegram: FakeInThread, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = new_stack(
        tmp_path_factory.mktemp("telegram-stack"),
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=f"{telegram.fake.url}/bot",
        RASA_TIMEOUT_SECONDS=str(RASA_TIMEOUT_SECONDS),
    )
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


def tracker(stack: Stack, sender_id: str) -> dict[str, Any]:
    """The conversation as Rasa stores it (its HTTP API, which needs the stack's token)."""
    url = f"{stack.rasa_url}/conversations/{sender_id}/tracker?token={stack.rasa_api_token}"
    return http_json("GET", url)


def test_commands_are_registered_with_telegram(stack: Stack, telegram: FakeInThread) -> None:
    calls = telegram.call(telegram.fake.sent, "setMyCommands")
    commands = {c["command"] for c in calls[0].params["commands"]}
    assert commands == {"start", "help", "lang", "reset", "forget", "status"}
    assert {c.params.get("language_code") for c in calls} == {None, "fr", "ar"}


def test_a_service_question_is_answered_with_registry_facts(
    stack: Stack, telegram: FakeInThread
) -> None:
    chat = Chat(telegram)
    [reply] = chat.say("how much does a passport cost?")
    fee = stack.registry("/v1/services/passport")["channels"][0]["cost"]["amount"]
    assert f"{fee:g} dinars" in reply.params["text"]
    assert reply.params["parse_mode"] == "HTML"
    assert "service_id" not in reply.params["text"]  # the answer contract is not shown
    typing = telegram.call(telegram.fake.sent, "sendChatAction")
    assert any(r.params["chat_id"] == chat.id and r.params["action"] == "typing" for r in typing)


def test_a_button_tap_is_answered_and_sent_as_its_payload(
    stack: Stack, telegram: FakeInThread
) -> None:
    chat = Chat(telegram)
    [menu] = chat.say("/help")
    rows = menu.params["reply_markup"]["inline_keyboard"]
    button = rows[0][0]  # "Documents for a passport"
    message_id = menu.response["result"]["message_id"]
    update = telegram.inject("callback_query", chat.id, message_id, button["callback_data"])
    [answer] = chat.replies()
    documents = stack.registry("/v1/services/passport")["required_evidence"]
    assert documents[0] in answer.params["text"]
    answered = telegram.call(telegram.fake.sent, "answerCallbackQuery")
    assert update["callback_query"]["id"] in {r.params["callback_query_id"] for r in answered}


def test_a_shared_location_gets_the_nearest_offices(stack: Stack, telegram: FakeInThread) -> None:
    office = stack.registry("/v1/offices?limit=1")["offices"][0]
    chat = Chat(telegram)
    telegram.inject("location_message", chat.id, office["latitude"], office["longitude"])
    [reply] = chat.replies()
    assert office["name"] in reply.params["text"].split("\n")[1]


@pytest.mark.parametrize("builder", ["photo_message", "voice_message", "sticker_message"])
def test_other_content_gets_a_polite_reply(
    telegram: FakeInThread, stack: Stack, builder: str
) -> None:
    chat = Chat(telegram)
    telegram.inject(builder, chat.id)
    [reply] = chat.replies()
    assert "text messages" in reply.params["text"]


def test_updates_not_addressed_to_the_bot_get_no_reply(
    telegram: FakeInThread, stack: Stack
) -> None:
    chat = Chat(telegram)
    chat.say("hello")
    me = telegram.call(telegram.fake.user, chat.id)
    bot = {"id": 123456789, "is_bot": True, "first_name": "Wadi", "username": "wadi_bot"}
    private = telegram.call(telegram.fake.chat, chat.id)
    now = int(time.time())
    telegram.inject("edited_message", chat.id, "hello again")
    telegram.call(
        telegram.fake.inject,
        {
            "message_reaction": {
                "chat": private,
                "message_id": 1,
                "user": me,
                "date": now,
                "old_reaction": [],
                "new_reaction": [{"type": "emoji", "emoji": "👍"}],
            }
        },
    )
    telegram.call(
        telegram.fake.inject,
        {
            "my_chat_member": {
                "chat": private,
                "from": me,
                "date": now,
                "old_chat_member": {"user": bot, "status": "kicked", "until_date": 0},
                "new_chat_member": {"user": bot, "status": "member"},
            }
        },
    )
    group = Chat(telegram)
    group.id = -100_000 - group.id
    member = telegram.call(telegram.fake.user, 81)
    in_group = telegram.call(telegram.fake.chat, group.id, "group")
    for n, content in enumerate(
        [
            {"new_chat_members": [member]},
            {"pinned_message": {"message_id": 1, "chat": in_group, "date": now}},
        ]
    ):
        message = {"message_id": 500 + n, "from": member, "chat": in_group, "date": now, **content}
        telegram.call(telegram.fake.inject, {"message": message})
    telegram.inject(
        "text_message", group.id, "/start@some_other_bot", user_id=81, chat_type="group"
    )
    # The next message each chat gets is the answer to its next question, nothing before it.
    [answer] = chat.say("how much does a passport cost?")
    assert "dinars" in answer.params["text"]
    telegram.inject(
        "text_message",
        group.id,
        f"{BOT} how much is a driving licence?",
        user_id=81,
        chat_type="group",
    )
    [group_answer] = group.replies()
    assert "dinars" in group_answer.params["text"]


def test_a_photo_caption_is_read_as_the_question(telegram: FakeInThread, stack: Stack) -> None:
    chat = Chat(telegram)
    telegram.inject("photo_message", chat.id, caption="how much does a passport cost?")
    [reply] = chat.replies()
    assert "dinars" in reply.params["text"]


def test_an_unknown_command_points_to_help(telegram: FakeInThread, stack: Stack) -> None:
    chat = Chat(telegram)
    [reply] = chat.say("/foo")
    assert "/help" in reply.params["text"] and "text messages" not in reply.params["text"]


def test_a_tap_then_a_text_at_once_are_answered_in_that_order(
    stack: Stack, telegram: FakeInThread
) -> None:
    chat = Chat(telegram)
    [menu] = chat.say("/help")
    button = menu.params["reply_markup"]["inline_keyboard"][0][0]  # documents for a passport
    message_id = menu.response["result"]["message_id"]
    fake = telegram.fake

    def tap_then_type() -> None:  # both in one getUpdates answer, as from a quick citizen
        fake.inject(fake.callback_query(chat.id, message_id, button["callback_data"]))
        fake.inject(fake.text_message(chat.id, "how much is a driving licence?"))

    telegram.call(tap_then_type)
    tap_answer, text_answer = chat.replies(2)
    documents = stack.registry("/v1/services/passport")["required_evidence"]
    assert documents[0] in tap_answer.params["text"]
    assert "dinars" in text_answer.params["text"]


@pytest.mark.parametrize(("language_code", "word"), [("fr", "Bonjour"), ("ar", "مرحبا")])
def test_start_answers_in_the_language_of_the_telegram_client(
    stack: Stack, telegram: FakeInThread, language_code: str, word: str
) -> None:
    chat = Chat(telegram)
    telegram.inject("text_message", chat.id, "/start", language_code=language_code)
    replies = chat.replies(2)
    assert word in texts(replies), texts(replies)


def test_a_button_that_expired_says_so_and_shows_the_menu_again(
    stack: Stack, telegram: FakeInThread
) -> None:
    chat = Chat(telegram)
    [menu] = chat.say("/help")
    message_id = menu.response["result"]["message_id"]
    # A key the bridge no longer holds, as for one of the oldest of very many buttons.
    telegram.inject("callback_query", chat.id, message_id, "0" * 64, check_data=False)
    expired, again = chat.replies(2)
    assert "expired" in expired.params["text"]
    assert again.params["reply_markup"]["inline_keyboard"]


def test_one_members_forget_leaves_the_other_members_buttons_working(
    stack: Stack, telegram: FakeInThread
) -> None:
    group = -300_000 - Chat(telegram).id
    telegram.inject("text_message", group, "/help", user_id=95, chat_type="group")
    [menu] = telegram.messages_to(group, 1)
    button = menu.params["reply_markup"]["inline_keyboard"][0][0]
    telegram.inject("text_message", group, "/forget", user_id=96, chat_type="group")
    telegram.messages_to(group, 2)
    message_id = menu.response["result"]["message_id"]
    telegram.inject("callback_query", group, message_id, button["callback_data"], user_id=95)
    answer = telegram.messages_to(group, 3)[2]
    documents = stack.registry("/v1/services/passport")["required_evidence"]
    assert documents[0] in answer.params["text"]


def test_buttons_and_the_chosen_language_survive_a_restart_of_the_bridge(
    stack: Stack, telegram: FakeInThread
) -> None:
    chat = Chat(telegram)
    [chooser] = chat.say("/lang")
    french = chooser.params["reply_markup"]["inline_keyboard"][1][0]
    telegram.inject(
        "callback_query", chat.id, chooser.response["result"]["message_id"], french["callback_data"]
    )
    chat.replies()
    [menu] = chat.say("/help")
    button = menu.params["reply_markup"]["inline_keyboard"][0][0]
    bridge = bridge_process(stack)
    bridge.terminate()  # a clean stop, as on a redeploy; the stack starts it again
    bridge.wait(timeout=30)
    telegram.inject(
        "callback_query", chat.id, menu.response["result"]["message_id"], button["callback_data"]
    )
    [answer] = chat.replies(timeout=120)
    assert "expired" not in answer.params["text"]
    documents = stack.registry("/v1/services/passport")["required_evidence"]
    assert documents[0] in answer.params["text"] or "passeport" in answer.params["text"].lower()
    telegram.inject("photo_message", chat.id)  # the bridge's own words, in the chosen language
    [unsupported] = chat.replies()
    assert "Je ne lis que" in unsupported.params["text"]


def test_in_a_forum_topic_the_answer_goes_to_that_topic(
    stack: Stack, telegram: FakeInThread
) -> None:
    forum = -400_000 - Chat(telegram).id
    fake = telegram.fake

    def ask_in_topic() -> None:
        update = fake.text_message(
            forum, f"{BOT} how much does a passport cost?", user_id=97, chat_type="supergroup"
        )
        update["message"].update(message_thread_id=7, is_topic_message=True)
        update["message"]["chat"]["is_forum"] = True
        fake.inject(update)

    telegram.call(ask_in_topic)
    [answer] = telegram.messages_to(forum, 1)
    assert answer.params.get("message_thread_id") == 7
    assert "dinars" in answer.params["text"]
    typing = [r for r in telegram.call(fake.sent, "sendChatAction") if r.params["chat_id"] == forum]
    assert typing and all(r.params.get("message_thread_id") == 7 for r in typing)


def test_a_double_tap_on_a_language_confirms_once(stack: Stack, telegram: FakeInThread) -> None:
    chat = Chat(telegram)
    [chooser] = chat.say("/lang")
    french = chooser.params["reply_markup"]["inline_keyboard"][1][0]
    message_id = chooser.response["result"]["message_id"]
    fake = telegram.fake

    def double_tap() -> None:
        fake.inject(fake.callback_query(chat.id, message_id, french["callback_data"]))
        fake.inject(fake.callback_query(chat.id, message_id, french["callback_data"]))

    telegram.call(double_tap)
    chat.replies()
    [after] = chat.say("/help")  # the next message is the answer to /help, not a second "OK"
    assert after.params["reply_markup"]["inline_keyboard"]


def test_two_members_of_a_group_keep_their_own_language(
    stack: Stack, telegram: FakeInThread
) -> None:
    group = -200_000 - Chat(telegram).id
    telegram.inject("text_message", group, "/lang", user_id=91, chat_type="group")
    [chooser] = telegram.messages_to(group, 1)
    french = chooser.params["reply_markup"]["inline_keyboard"][1][0]
    assert french["text"] == "Français"
    message_id = chooser.response["result"]["message_id"]
    telegram.inject("callback_query", group, message_id, french["callback_data"], user_id=91)
    telegram.messages_to(group, 2)
    telegram.inject("text_message", group, "/lang", user_id=92, chat_type="group")
    records = telegram.messages_to(group, 3)
    assert records[2].params["text"] == "Choose your language:"


def test_lang_choice_sticks_for_the_chat(stack: Stack, telegram: FakeInThread) -> None:
    chat = Chat(telegram)
    [chooser] = chat.say("/lang")
    options = [row[0] for row in chooser.params["reply_markup"]["inline_keyboard"]]
    french = next(o for o in options if o["text"] == "Français")
    message_id = chooser.response["result"]["message_id"]
    telegram.inject("callback_query", chat.id, message_id, french["callback_data"])
    chat.replies()
    assert tracker(stack, f"telegram-{chat.id}")["slots"]["lang"] == "fr"
    edits = telegram.call(telegram.fake.sent, "editMessageReplyMarkup")
    assert any(e.params.get("message_id") == message_id for e in edits)


def test_reset_starts_over(stack: Stack, telegram: FakeInThread) -> None:
    chat = Chat(telegram)
    chat.say("what documents do I need for a driving licence?")
    [reply] = chat.say("/reset")
    assert "start over" in reply.params["text"]
    assert tracker(stack, f"telegram-{chat.id}")["slots"]["service_id"] is None


def test_forget_erases_the_conversation_everywhere_and_says_what(
    stack: Stack, telegram: FakeInThread
) -> None:
    chat = Chat(telegram)
    sender = f"telegram-{chat.id}"
    chat.say("what documents do I need for a driving licence?")
    ticket, ask_details = chat.say("I want to talk to a real person", expect=2)
    assert "HT-" in ticket.params["text"]
    assert "agent" in ask_details.params["text"]  # what the agent needs, asked next
    [reply] = chat.say("/forget")
    assert "deleted" in reply.params["text"] and "1 request(s) for a person" in reply.params["text"]
    with sqlite3.connect(stack.var_dir / "conversations.db") as db:
        (stored,) = db.execute(
            "SELECT count(*) FROM events WHERE sender_id = ?", (sender,)
        ).fetchone()
    assert stored == 0
    with sqlite3.connect(stack.var_dir / "registry.db") as db:
        (tickets,) = db.execute(
            "SELECT count(*) FROM handoff_tickets WHERE conversation_id = ?", (sender,)
        ).fetchone()
    assert tickets == 0


def test_a_3000_character_message_is_handled(stack: Stack, telegram: FakeInThread) -> None:
    chat = Chat(telegram)
    long_text = ("I need to know many things about my passport renewal. " * 60)[:3000]
    [reply] = chat.say(long_text)
    assert reply.params["text"]


def test_status_command_with_a_reference(stack: Stack, telegram: FakeInThread) -> None:
    chat = Chat(telegram)
    [reply, *_] = chat.say("/status CIV-2026-00042")
    status = stack.registry("/v1/applications/CIV-2026-00042")
    assert status["status_label"] in reply.params["text"]


def test_two_chats_at_once_each_get_their_own_answer(stack: Stack, telegram: FakeInThread) -> None:
    first, second = Chat(telegram), Chat(telegram)
    telegram.inject("text_message", first.id, "how much does a passport cost?")
    telegram.inject("text_message", second.id, "how much is a driving licence?")
    assert "passport" in texts(first.replies()).lower()
    assert "driving" in texts(second.replies()).lower()


def test_in_groups_each_user_has_their_own_conversation(
    stack: Stack, telegram: FakeInThread
) -> None:
    group = -100_555
    telegram.inject(
        "text_message", group, f"{BOT} documents for a passport", user_id=71, chat_type="group"
    )
    telegram.messages_to(group, 1)
    telegram.inject(
        "text_message", group, f"{BOT} and how much is it?", user_id=72, chat_type="group"
    )
    records = telegram.messages_to(group, 2)
    # The second user has no service in context: the assistant asks which one.
    assert "dinars" not in records[1].params["text"]
    service = tracker(stack, f"telegram-{group}-71")["slots"]["service_id"]
    assert service == "passport"


def test_in_a_group_only_what_is_said_to_the_bot_is_answered(
    stack: Stack, telegram: FakeInThread
) -> None:
    """The fake delivers every group message, as Telegram does to a bot that is admin or has
    privacy mode off: members talking among themselves get no answer from the bot."""
    group = -500_000 - Chat(telegram).id
    telegram.inject("text_message", group, "how much is a passport?", user_id=81, chat_type="group")
    telegram.inject(
        "text_message",
        group,
        f"{BOT} what do I need for a passport?",
        user_id=81,
        chat_type="group",
    )
    [answer] = telegram.messages_to(group, 1)
    documents = stack.registry("/v1/services/passport")["required_evidence"]
    assert documents[0] in answer.params["text"]
    message_id = answer.response["result"]["message_id"]
    telegram.inject(
        "text_message",
        group,
        "and how much is it?",
        user_id=81,
        chat_type="group",
        reply_to_message_id=message_id,
    )
    [fees] = telegram.messages_to(group, 2)[1:]
    assert "dinars" in fees.params["text"]
    said = [
        event["text"]
        for event in tracker(stack, f"telegram-{group}-81")["events"]
        if event["event"] == "user"
    ]
    assert said == ["what do I need for a passport?", "and how much is it?"]


def test_a_citizen_who_blocked_the_bot_is_not_written_to_again_and_is_answered_after_unblocking(
    stack: Stack, telegram: FakeInThread
) -> None:
    chat = Chat(telegram)
    fake = telegram.fake
    telegram.call(fake.block, chat.id)
    telegram.inject("text_message", chat.id, "how much does a passport cost?")

    def refused() -> list[RecordedRequest]:
        return [
            r
            for r in telegram.call(fake.calls, "sendMessage")
            if r.params.get("chat_id") == chat.id and r.status == 403
        ]

    deadline = time.monotonic() + 60
    while not refused() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1)  # the error handler has had its chance to write ("something went wrong")
    telegram.call(fake.unblock, chat.id)
    [answer] = chat.say("how much does a passport cost?")
    assert "dinars" in answer.params["text"]
    assert len(refused()) == 1  # the answer only: no apology to a chat that refuses messages
    bridge_log = (stack.var_dir / "logs" / "telegram.log").read_text(errors="replace")
    assert "bot was blocked by the user" in bridge_log


def test_a_429_from_telegram_is_retried_after_retry_after(
    stack: Stack, telegram: FakeInThread
) -> None:
    chat = Chat(telegram)
    telegram.call(telegram.fake.fail_next, "sendMessage", 429, retry_after=2)
    [reply] = chat.say("how much does a passport cost?")
    refused = [r for r in telegram.call(telegram.fake.calls, "sendMessage") if r.status == 429]
    assert refused and reply.timestamp - refused[-1].timestamp >= 2
    assert "dinars" in reply.params["text"]


def test_a_429_on_one_chat_does_not_hold_up_another(stack: Stack, telegram: FakeInThread) -> None:
    held, other = Chat(telegram), Chat(telegram)

    def refused_sends(record: RecordedRequest) -> bool:
        return record.method == "sendMessage" and record.status == 429

    before = len(telegram.call(telegram.fake.calls, "sendMessage"))
    telegram.call(telegram.fake.fail_next, "sendMessage", 429, retry_after=8)
    telegram.inject("text_message", held.id, "how much does a passport cost?")
    earlier = [
        r for r in telegram.call(telegram.fake.calls, "sendMessage")[:before] if r.status == 429
    ]
    refused = telegram.run(
        telegram.fake.wait_for(refused_sends, count=len(earlier) + 1, timeout=60), 65
    )
    [other_answer] = other.say("how much is a driving licence?")
    [held_answer] = held.replies()
    assert other_answer.timestamp - refused[-1].timestamp < 6
    assert held_answer.timestamp - refused[-1].timestamp >= 8


def test_a_long_answer_to_one_chat_is_paced_at_about_one_message_a_second(
    stack: Stack, telegram: FakeInThread
) -> None:
    chat = Chat(telegram)
    replies = chat.say("/start", expect=2)
    gaps = [b.timestamp - a.timestamp for a, b in itertools.pairwise(replies)]
    assert gaps and min(gaps) >= 0.9, gaps


def test_telegram_server_errors_are_retried_with_backoff(
    stack: Stack, telegram: FakeInThread
) -> None:
    chat = Chat(telegram)
    telegram.call(telegram.fake.fail_next, "sendMessage", 502, times=2)
    [reply] = chat.say("how much does a passport cost?")
    failed = [r for r in telegram.call(telegram.fake.calls, "sendMessage") if r.status == 502]
    assert len(failed) == 2
    assert "dinars" in reply.params["text"]


def bridge_process(stack: Stack) -> psutil.Process:
    assert stack.process is not None
    for process in psutil.Process(stack.process.pid).children(recursive=True):
        if "bot.telegram_channel" in process.cmdline():
            return process
    raise LookupError("no Telegram bridge among the stack's processes")


def rasa_process(stack: Stack) -> psutil.Process:
    assert stack.process is not None
    for process in psutil.Process(stack.process.pid).children(recursive=True):
        if "--enable-api" in process.cmdline():
            return process
    raise LookupError("no Rasa server among the stack's processes")


def test_rasa_stopped_mid_conversation_gives_an_apology_then_service(
    stack: Stack, telegram: FakeInThread
) -> None:
    chat = Chat(telegram)
    chat.say("hello")
    rasa = rasa_process(stack)
    rasa.send_signal(signal.SIGSTOP)
    try:
        [apology] = chat.say("how much does a passport cost?")
        assert "not available" in apology.params["text"]
    finally:
        rasa.send_signal(signal.SIGCONT)
    # The bridge kept running: once Rasa is back, the next question gets a normal answer.
    [answer] = chat.say("how much does a driving licence cost?")
    assert "dinars" in answer.params["text"]


def test_the_token_never_appears_in_logs(stack: Stack) -> None:
    logs = [*(stack.var_dir / "logs").glob("*.log"), stack.log_path]
    assert logs
    assert all(TOKEN not in path.read_text(errors="replace") for path in logs)


def test_a_missing_or_malformed_token_stops_start_up_with_one_line() -> None:
    for token in ("", "not-a-token"):
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": token}
        result = subprocess.run(
            [sys.executable, "-m", "bot.telegram_channel"],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "TELEGRAM_BOT_TOKEN" in lines[0] and "BotFather" in lines[0]


def test_webhook_mode_rejects_requests_without_the_secret(
    stack: Stack, telegram: FakeInThread, tmp_path: Any
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": f"{telegram.fake.url}/bot",
        "TELEGRAM_MODE": "webhook",
        "TELEGRAM_WEBHOOK_URL": "https://assistant.wadi.example/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": "s3cret-value",
        "TELEGRAM_WEBHOOK_PORT": str(port),
        "RASA_URL": stack.rasa_url,
    }
    log_path = tmp_path / "webhook.log"
    with log_path.open("wb") as log:
        bridge = subprocess.Popen(
            [sys.executable, "-m", "bot.telegram_channel"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while b"Telegram bridge ready" not in log_path.read_bytes():
            assert bridge.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.3)
        assert telegram.fake.webhook is not None
        assert telegram.fake.webhook["secret_token"] == "s3cret-value"
        chat = Chat(telegram)
        update = {"update_id": 424242, **telegram.call(telegram.fake.text_message, chat.id, "hi")}
        url = f"http://127.0.0.1:{port}/telegram/webhook"
        secret = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-value"}
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            with pytest.raises(urllib.error.HTTPError) as refused:
                http_json("POST", url, update, headers=headers)
            assert refused.value.code == 403
        for not_an_update in (b'{"not": "an update"}', json.dumps([update]).encode(), b"null"):
            request = urllib.request.Request(url, not_an_update, secret, method="POST")
            with pytest.raises(urllib.error.HTTPError) as malformed:
                urllib.request.urlopen(request, timeout=30)
            assert malformed.value.code == 400
        assert http_json("POST", url, update, headers=secret) == {"ok": True}
        assert chat.replies()
    finally:
        bridge.send_signal(signal.SIGTERM)
        bridge.wait(timeout=30)


COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")


def test_every_request_the_bridge_made_is_within_the_bot_api_limits(
    telegram: FakeInThread,
) -> None:
    """Last in this module: every request of all the conversations above, checked against the
    Bot API's documented limits (https://core.telegram.org/bots/api)."""
    requests = telegram.call(lambda: list(telegram.fake.requests))
    assert len(requests) > 100
    for request in requests:
        where = f"{request.method}: {request.params}"
        # Only the failures the tests asked the fake for (429, 502, a citizen who blocked the
        # bot), a double tap's edit, and the polling bridge's conflict once the webhook test's
        # bridge set a webhook.
        assert (
            request.ok
            or request.status in (403, 429, 502)
            or "not modified" in (request.description or "")
            or (request.method == "getUpdates" and request.status == 409)
        ), where
        if request.method == "sendMessage" and request.ok:
            sent = request.result["text"]  # the text after Telegram parsed the HTML
            assert 1 <= len(sent.encode("utf-16-le")) // 2 <= 4096, where
        for row in request.params.get("reply_markup", {}).get("inline_keyboard", []):
            for button in row:
                assert button["text"].strip(), where
                if "callback_data" in button:
                    assert 1 <= len(button["callback_data"].encode()) <= 64, where
                else:
                    assert button["url"].startswith(("https://", "http://", "tg://")), where
        if request.method == "setMyCommands":
            commands = request.params["commands"]
            assert len(commands) <= 100, where
            for command in commands:
                assert COMMAND_NAME.match(command["command"]), where
                assert 1 <= len(command["description"]) <= 256, where
        if request.method == "sendChatAction":
            assert request.params["action"] == "typing", where
