"""The stack's security and reliability promises, end to end against the running stack: who
may call what, what survives a crashed or paused service, what /forget erases, and what never
reaches a log file or a command line."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Any

import psutil

from .conftest import Conversation, Stack, http_json

APOLOGY = re.compile(r"can't reach the agencies' systems")
PHONE = re.compile(r"\+999 \d\d \d{3} \d{3}")


def raw_post(url: str, data: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@contextmanager
def paused(process: psutil.Process) -> Iterator[None]:
    process.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        process.send_signal(signal.SIGCONT)


def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def registry_up(stack: Stack) -> bool:
    try:
        return http_json("GET", f"{stack.registry_url}/v1/health", timeout=2)["status"] == "ok"
    except (urllib.error.URLError, OSError):
        return False


# Who may call what ------------------------------------------------------------------


def test_the_action_server_refuses_callers_without_the_rasa_servers_secret(
    stack: Stack, conversation: Conversation
) -> None:
    call = {
        "next_action": "action_cancel_appointment",
        "sender_id": "attacker",
        "tracker": {"sender_id": "victim", "slots": {"appointment_reference": "APT-000001"}},
        "domain": {},
        "version": "3.6.2",
    }
    for headers in ({}, {"X-Action-Token": "guessed"}):
        status, body = raw_post(
            f"{stack.actions_url}/webhook",
            json.dumps(call).encode(),
            {"Content-Type": "application/json", **headers},
        )
        assert status == 401, body
    # The Rasa server, which has the secret, still runs actions.
    conversation.say("how much does a passport cost?")
    assert "dinars" in conversation.text


def test_every_service_listens_on_the_configured_host_only(stack: Stack) -> None:
    assert stack.process is not None
    listening = [
        connection.laddr
        for process in psutil.Process(stack.process.pid).children(recursive=True)
        for connection in process.net_connections(kind="inet")
        if connection.status == psutil.CONN_LISTEN
    ]
    assert len(listening) >= 4
    assert {address.ip for address in listening} == {"127.0.0.1"}


def test_no_secret_is_on_any_command_line(stack: Stack) -> None:
    assert stack.process is not None
    processes = [stack.process.pid, *psutil.Process(stack.process.pid).children(recursive=True)]
    command_lines = " ".join(
        " ".join(psutil.Process(p).cmdline() if isinstance(p, int) else p.cmdline())
        for p in processes
    )
    assert "--auth-token" not in command_lines
    for secret in stack.secrets.values():
        assert secret not in command_lines


def test_rasa_webhook_refuses_what_it_cannot_take_and_other_sites(stack: Stack) -> None:
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    body = json.dumps({"sender": "csrf-test", "message": "I want to talk to a person"}).encode()
    for data, headers, status in (
        (body, {"Content-Type": "text/plain"}, 415),
        (b"", {"Content-Type": "application/json"}, 400),
        (b"[]", {"Content-Type": "application/json"}, 400),
        (b'{"sender": "x"}', {"Content-Type": "application/json"}, 400),
        (body, {"Content-Type": "application/json", "Origin": "https://evil.example"}, 403),
        (body, {"Content-Type": "application/json", "Host": "evil.example"}, 400),
    ):
        code, answer = raw_post(url, data, headers)
        assert code == status, (data[:30], headers, answer)
        assert answer["error"]["message"]


def test_a_message_with_a_lone_surrogate_still_gets_an_answer(stack: Stack) -> None:
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    data = b'{"sender": "surrogate-test", "message": "passport fee \\ud800 please"}'
    code, replies = raw_post(url, data, {"Content-Type": "application/json"})
    assert code == 200
    assert any(r.get("text") for r in replies), replies


# Faults: a crashed or paused service --------------------------------------------------


def test_a_killed_registry_is_restarted_and_the_assistant_keeps_answering(
    stack: Stack, conversation: Conversation
) -> None:
    conversation.say("what documents do I need for a passport?")
    stack.process_of("registry").kill()
    conversation.say("and how much is it?")  # while the registry is down
    assert APOLOGY.search(conversation.text), conversation.replies
    assert PHONE.search(conversation.text), "the apology gives a number to call"
    assert "talk to a person" not in conversation.text
    wait_until(lambda: registry_up(stack), 60, "the registry to be restarted")
    conversation.say("how much does a passport cost?")
    assert "dinars" in conversation.text, conversation.replies
    assert b"registry stopped unexpectedly" in stack.log_path.read_bytes()


def test_with_the_registry_down_asking_for_a_person_gives_a_number_not_a_loop(
    stack: Stack, conversation: Conversation
) -> None:
    conversation.say("how long does a driving licence take?")
    with paused(stack.process_of("registry")):
        conversation.say("I want to talk to a real person")
        assert APOLOGY.search(conversation.text), conversation.replies
        assert PHONE.search(conversation.text)
        assert "ask to talk to a person" not in conversation.text


def book_until_confirmation(conversation: Conversation) -> None:
    conversation.say("I want to book an appointment for a passport")
    for _ in range(3):  # office, day, time
        assert conversation.buttons, conversation.replies
        conversation.say(conversation.buttons[0]["payload"])
    assert "book" in conversation.text.lower(), conversation.replies


def appointments_of(stack: Stack, sender: str) -> list[dict[str, Any]]:
    with closing(sqlite3.connect(stack.var_dir / "registry.db")) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT * FROM appointments WHERE conversation_id = ?", (sender,))
        return [dict(r) for r in rows]


def test_a_confirmation_while_the_registry_is_paused_books_nothing_behind_the_citizens_back(
    stack: Stack, conversation: Conversation
) -> None:
    book_until_confirmation(conversation)
    registry = stack.process_of("registry")
    with paused(registry):
        conversation.say("yes")
        told = conversation.text
    time.sleep(3)  # the registry now handles what it received while paused
    booked = [a for a in appointments_of(stack, conversation.sender) if a["status"] == "booked"]
    if APOLOGY.search(told):
        assert booked == [], "the citizen was told it failed, yet a booking was made"
    else:
        assert [a["reference"] for a in booked] == re.findall(r"APT-\d{6}", told)
    # Confirming again books exactly once.
    book_until_confirmation(conversation)
    conversation.say("yes")
    [reference] = re.findall(r"APT-\d{6}", conversation.text)
    booked = [a for a in appointments_of(stack, conversation.sender) if a["status"] == "booked"]
    assert [a["reference"] for a in booked] == [reference]


# Forgetting ----------------------------------------------------------------------------


def test_forget_leaves_no_row_about_the_conversation_in_any_database(
    stack: Stack, conversation: Conversation
) -> None:
    conversation.say("I want to talk to a real person")
    assert re.search(r"HT-\d{6}", conversation.text)
    book_until_confirmation(conversation)
    conversation.say("yes")
    assert re.search(r"APT-\d{6}", conversation.text)

    request = urllib.request.Request(
        f"{stack.rasa_url}/webhooks/privacy/conversations/{conversation.sender}",
        method="DELETE",
        headers={"Authorization": f"Bearer {stack.secrets['CSA_PRIVACY_TOKEN']}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        erased = json.load(response)
    assert erased["forgotten"] is True
    assert erased["handoff_tickets_deleted"] == 1
    assert erased["appointments_anonymised"] == 1
    assert erased["events_deleted"] > 0
    for database in ("registry.db", "conversations.db"):
        with closing(sqlite3.connect(stack.var_dir / database)) as db:
            for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
                dump = json.dumps(db.execute(f"SELECT * FROM {table}").fetchall())
                assert conversation.sender not in dump, (database, table)


# Logs -----------------------------------------------------------------------------------


def test_no_reference_token_or_user_text_in_any_log_file_after_the_fault_runs(
    stack: Stack, conversation: Conversation
) -> None:
    marker = "my secret phrase zebra-7731"
    conversation.say(f"what is the status of CIV-2026-00042, {marker}")
    with paused(stack.process_of("registry")):
        conversation.say("status of INT-2026-01318 please")
    logs = [*(stack.var_dir / "logs").glob("*.log"), stack.log_path]
    text = "\n".join(path.read_text(errors="replace") for path in logs)
    for secret in stack.secrets.values():
        assert secret not in text
    assert not re.search(r"[A-Z]{3}-20\d\d-\d{5}", text)
    assert not re.search(r"APT-\d{6}", text)
    assert marker not in text
