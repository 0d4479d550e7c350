"""What the stack's boundaries refuse or redact, tested on their own: Rasa's checked REST
channel, the redaction of Rasa's structured log events, the safe log records of every process,
and the keyed conversation tag."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest

from assistant.channels import check_request
from assistant.redaction import redact_user_content
from common.conversation import conversation_tag, host_name
from common.logs import install_safe_records

HOSTS = frozenset({"127.0.0.1", "localhost"})
JSON = {"Content-Type": "application/json"}
LATIN1_JSON = "application/json; charset=latin-1"


def request(body: Any, headers: dict[str, str] | None = None, host: str = "127.0.0.1:5005") -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return SimpleNamespace(body=raw, headers={**JSON, **(headers or {})}, host=host)


@pytest.mark.parametrize(
    ("body", "headers", "host", "status"),
    [
        (b"", None, "127.0.0.1:5005", 400),
        ([], None, "127.0.0.1:5005", 400),
        ({"sender": "a"}, None, "127.0.0.1:5005", 400),
        ({"sender": "a", "message": "   "}, None, "127.0.0.1:5005", 400),
        ({"sender": "a", "message": 42}, None, "127.0.0.1:5005", 400),
        ({"sender": "", "message": "hi"}, None, "127.0.0.1:5005", 400),
        ({"sender": "a", "message": "x" * 5001}, None, "127.0.0.1:5005", 400),
        ({"sender": "a", "message": "hi"}, {"Content-Type": "text/plain"}, "localhost", 415),
        (
            {"sender": "a", "message": "hi"},
            {"Content-Type": "application/json; charset=latin-1"},
            "localhost",
            415,
        ),
        ({"sender": "a", "message": "hi"}, {"Origin": "https://evil.example"}, "localhost", 403),
        ({"sender": "a", "message": "hi"}, None, "rebound.evil.example", 400),
        (b"[" * 1200 + b"]" * 1200, None, "127.0.0.1:5005", 400),
        (b'{"sender": "\\ud800", "message": "hi"}', None, "127.0.0.1:5005", 400),
    ],
)
def test_the_rest_channel_refuses_what_rasa_cannot_take(
    body: Any, headers: dict[str, str] | None, host: str, status: int
) -> None:
    refusal, _ = check_request(request(body, headers, host), HOSTS)
    assert refusal is not None and refusal.status == status
    assert json.loads(refusal.body)["error"]["message"]


def test_the_rest_channel_passes_a_good_message_and_cleans_a_lone_surrogate() -> None:
    refusal, body = check_request(
        request(b'{"sender": "a", "message": "fee \\ud800"}', {"Origin": "http://localhost:8000"}),
        HOSTS,
    )
    assert refusal is None
    assert body == {"sender": "a", "message": "fee \ufffd"}


def test_rasa_log_events_lose_user_text_sender_and_slots() -> None:
    event = {
        "event": "rest.message.received.failure",
        "text": "my phone is +999 55 123 456",
        "sender_id": "telegram-42",
        "slot_values": {"reference_number": "CIV-2026-00042"},
        "count": 3,
    }
    assert redact_user_content(None, "error", dict(event)) == {
        "event": "rest.message.received.failure",
        "text": "[redacted]",
        "sender_id": "[redacted]",
        "slot_values": "[redacted]",
        "count": 3,
    }


def test_every_log_record_is_masked_and_escaped(caplog: pytest.LogCaptureFixture) -> None:
    install_safe_records()
    caplog.set_level(logging.INFO)
    log = logging.getLogger("anywhere")
    log.info("GET %s", "/v1/applications/CIV-2026-00042\nforged INFO line\x00")
    log.info(f"cancel APT-123456 for {'x'}")
    try:
        raise ValueError("bad reference INT-2026-01318")
    except ValueError:
        log.exception("failed")
    first, second, third = caplog.records[-3:]
    assert first.getMessage() == "GET /v1/applications/CIV-****-*****\\nforged INFO line\\x00"
    assert second.getMessage() == "cancel APT-****** for x"
    assert "INT-****-*****" in third.exc_text and "01318" not in third.exc_text


def test_conversation_tags_are_keyed_and_hosts_parsed() -> None:
    assert conversation_tag("key-1", "telegram-42") != conversation_tag("key-2", "telegram-42")
    assert len(conversation_tag("key-1", "telegram-42")) == 16
    assert [host_name(h) for h in ("127.0.0.1:80", "[::1]:8080", "LocalHost", "::1")] == [
        "127.0.0.1",
        "::1",
        "localhost",
        "::1",
    ]
