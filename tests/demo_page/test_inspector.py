"""What the inspector and the dashboard make of a Rasa tracker (events in Rasa 3.6's format)."""

from __future__ import annotations

from typing import Any

from demo.inspector import as_json, dashboard, turns


def user(text: str, at: float, intent: str, confidence: float, **extra: Any) -> dict[str, Any]:
    ranking = [{"name": intent, "confidence": confidence}, *extra.pop("ranking", [])]
    return {
        "event": "user",
        "timestamp": at,
        "text": text,
        "parse_data": {
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": ranking,
            "entities": extra.pop("entities", []),
        },
    }


def action(name: str, at: float) -> dict[str, Any]:
    return {"event": "action", "name": name, "timestamp": at}


def slot(name: str, value: Any, at: float) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value, "timestamp": at}


def bot(text: str, at: float, custom: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"event": "bot", "text": text, "timestamp": at, "data": {"custom": custom}}


PASSPORT_FEES = {"service_id": "passport", "topic": "fees", "lang": "ar"}
EVENTS = [
    action("action_session_start", 99.0),
    action("action_listen", 99.5),
    user(
        "قداش يكلف الباسبور؟",
        100.0,
        "ask_fees",
        0.93,
        ranking=[{"name": "ask_documents", "confidence": 0.04}],
        entities=[
            {"entity": "service", "value": "passport", "extractor": "CRFEntityExtractor"},
            {"entity": "detected_language", "value": "ar", "extractor": "LanguageDetector"},
        ],
    ),
    slot("lang", "ar", 100.01),
    action("action_answer_service_question", 100.1),
    bot("تكلفة خدمة جواز السفر: 80 دينارا", 100.2),
    bot("", 100.25, PASSPORT_FEES),
    slot("service_id", "passport", 100.3),
    action("action_listen", 100.4),
    user("pizza?", 110.0, "out_of_scope", 0.99),
    action("action_fallback", 110.1),
    bot("Sorry, I can't help with that.", 110.2),
    {"event": "rewind", "timestamp": 110.3},
    user("4", 120.0, "inform", 0.9),
    slot("rating", "4", 120.05),
    action("action_store_feedback", 120.1),
    bot("Thank you for your rating (4/5).", 120.2),
    slot("rating", None, 120.3),
]
CALLS = [
    {
        "seq": 1,
        "at": 100.15,
        "method": "GET",
        "path": "/v1/services/passport",
        "status": 200,
        "ms": 2.5,
    },
    {"seq": 2, "at": 110.15, "method": "GET", "path": "/v1/services", "status": 200, "ms": 7.0},
]


def test_each_citizen_message_is_one_turn_with_what_followed_it() -> None:
    first, second, third = as_json(turns(EVENTS, CALLS))

    assert first["text"] == "قداش يكلف الباسبور؟"
    assert first["lang"] == "ar"
    assert first["intent"] == {"name": "ask_fees", "confidence": 0.93}
    assert first["runner_up"] == {"name": "ask_documents", "confidence": 0.04}
    # The detected language is shown on its own, not as an entity.
    assert first["entities"] == [
        {"entity": "service", "value": "passport", "extractor": "CRFEntityExtractor"}
    ]
    assert first["slots"] == {"lang": "ar", "service_id": "passport"}
    assert first["actions"] == ["action_answer_service_question"]
    assert first["payloads"] == [PASSPORT_FEES]
    assert first["registry_calls"] == [
        {"method": "GET", "path": "/v1/services/passport", "status": 200, "ms": 2.5}
    ]
    assert first["answer_ms"] == 250

    # "pizza?" has no language of its own: it is read in the conversation's.
    assert second["lang"] == "ar"
    assert second["actions"] == ["action_fallback"]
    assert [c["path"] for c in second["registry_calls"]] == ["/v1/services"]
    assert third["registry_calls"] == []


def test_dashboard_counts_conversations_services_fallbacks_and_stored_ratings() -> None:
    other = [user("passport fees", 5.0, "ask_fees", 0.9), bot("...", 5.1, PASSPORT_FEES)]
    summary = dashboard([{"events": EVENTS}, {"events": other}, {"events": []}])

    assert summary == {
        "conversations": 2,
        "messages": 4,
        "top_services": [{"service_id": "passport", "count": 2}],
        "fallback_rate": 0.25,
        "average_rating": 4.0,
        "ratings": 1,
    }


def test_an_empty_session_has_no_rates() -> None:
    assert dashboard([]) == {
        "conversations": 0,
        "messages": 0,
        "top_services": [],
        "fallback_rate": None,
        "average_rating": None,
        "ratings": 0,
    }
