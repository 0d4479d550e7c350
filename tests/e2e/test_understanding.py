"""Understanding citizens as they write, through the REST webhook of the running stack: the
whole sentence names the service, the topic or its absence, the life event; close services
are offered as a choice; a procedure inside a situation offers the situation; Arabizi gets an
Arabic answer. And the evaluation command runs on a sample of the dev set."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from .conftest import PROJECT_DIR, Conversation, Stack

ARABIC = re.compile(r"[\u0600-\u06ff]")


def test_a_situation_without_a_service_name_gets_that_services_overview(
    conversation: Conversation,
) -> None:
    conversation.say("someone stole my wallet on the bus, my identity card was in it")
    assert conversation.payloads == [
        {"service_id": "national-id-card", "topic": "overview", "lang": "en"}
    ], conversation.replies


def test_a_topic_asked_in_other_words_is_answered(stack: Stack, conversation: Conversation) -> None:
    conversation.say("gonna renew my passport, what does it cost me at the counter")
    assert conversation.payloads == [{"service_id": "passport", "topic": "fees", "lang": "en"}]
    fee = stack.registry("/v1/services/passport")["channels"][0]["cost"]["amount"]
    assert f"{fee:g} dinars" in conversation.text


def test_two_close_services_are_offered_as_a_choice(conversation: Conversation) -> None:
    conversation.say('/ask_fees{"service": "passport", "service_alternative": "national-id-card"}')
    assert conversation.payloads == [
        {
            "clarify": True,
            "service_ids": ["passport", "national-id-card"],
            "topic": "fees",
            "lang": "en",
        }
    ]
    assert "Did you mean" in conversation.text
    payloads = [b["payload"] for b in conversation.buttons]
    assert payloads == [
        '/ask_fees{"service": "passport"}',
        '/ask_fees{"service": "national-id-card"}',
    ]
    conversation.say(payloads[1])
    assert conversation.payloads[-1]["service_id"] == "national-id-card"


def test_a_procedure_inside_a_situation_gets_the_service_and_offers_the_situation(
    conversation: Conversation,
) -> None:
    conversation.say("my father died this morning at home, where do we go to declare the death?")
    assert conversation.payloads[0]["service_id"] == "death-registration", conversation.replies
    offers = [b["payload"] for b in conversation.buttons]
    assert '/life_event{"life_event": "death-of-a-relative"}' in offers
    conversation.say('/life_event{"life_event": "death-of-a-relative"}')
    assert conversation.payloads[0]["life_event"] == "death-of-a-relative"


def test_a_situation_asked_as_a_whole_gets_the_life_event(conversation: Conversation) -> None:
    conversation.say("my father passed away yesterday, we have no idea what to do now")
    assert conversation.payloads[0]["life_event"] == "death-of-a-relative", conversation.replies


def test_arabizi_is_answered_in_arabic(conversation: Conversation) -> None:
    conversation.say("chhal yaswa el passeport?")
    assert conversation.payloads == [{"service_id": "passport", "topic": "fees", "lang": "ar"}]
    assert ARABIC.search(conversation.text)


def test_the_evaluation_command_runs_on_a_sample_of_the_dev_set(
    stack: Stack, tmp_path: Path
) -> None:
    # What scripts/evaluate_flows.py writes: its per-category table goes into the report.
    (tmp_path / "flows.md").write_text(
        "Command: `python scripts/evaluate_flows.py`\n```\n"
        "category               convs passed   conv%  turns   turn%\n"
        "followup                   3      2   66.7%     12   83.3%\n\n"
        "ALL                    convs passed   conv%  turns   turn%\n"
        "all                       36     33   91.7%    119   95.0%\n```\n",
        encoding="utf-8",
    )
    subprocess.run(
        [
            sys.executable,
            "scripts/evaluate_understanding.py",
            "--rasa-url",
            stack.rasa_url,
            "--limit",
            "2",
            "--out",
            str(tmp_path),
        ],
        cwd=PROJECT_DIR,
        env={**os.environ, "RASA_API_TOKEN": stack.rasa_api_token},
        check=True,
        timeout=600,
    )
    report = (tmp_path / "evaluation.md").read_text(encoding="utf-8")
    assert "### dev set" in report and "### blind set" in report
    assert "## Whole conversations" in report
    assert "followup                   3      2   66.7%" in report
    assert "all                       36     33   91.7%" in report
    for lang in ("en", "fr", "ar"):
        assert f"| {lang} |" in report
        assert (tmp_path / "evaluation" / f"confusion-{lang}.png").stat().st_size > 0
