"""What the inspector and the dashboard show, computed from Rasa trackers and the registry's
request log. Pure functions: no I/O, so they are tested on recorded trackers."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

FALLBACK_ACTION = "action_fallback"
RATING_ACTION = "action_store_feedback"
# Events of the conversation's machinery, not of what the assistant did for the citizen.
HIDDEN_ACTIONS = frozenset({"action_listen", "action_session_start"})
LANGUAGE_ENTITY = "detected_language"


@dataclass
class Turn:
    """One citizen message and everything that followed it until the next one."""

    text: str
    at: float
    lang: str | None
    intent: dict[str, Any] | None
    runner_up: dict[str, Any] | None
    entities: list[dict[str, Any]]
    slots: dict[str, Any] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    payloads: list[dict[str, Any]] = field(default_factory=list)
    registry_calls: list[dict[str, Any]] = field(default_factory=list)
    answer_ms: float | None = None


def _intent(entry: dict[str, Any] | None) -> dict[str, Any] | None:
    if not entry or not entry.get("name"):
        return None
    return {"name": entry["name"], "confidence": round(float(entry.get("confidence") or 0), 4)}


def _start_turn(event: dict[str, Any], conversation_lang: str | None) -> Turn:
    parse = event.get("parse_data") or {}
    intent = _intent(parse.get("intent"))
    ranking = parse.get("intent_ranking") or []
    runner_up = next(
        (_intent(r) for r in ranking if intent is None or r.get("name") != intent["name"]), None
    )
    entities = parse.get("entities") or []
    # A message with no language of its own (a reference number) is read in the conversation's.
    detected = (e.get("value") for e in entities if e.get("entity") == LANGUAGE_ENTITY)
    lang = next(detected, conversation_lang)
    return Turn(
        text=event.get("text") or "",
        at=float(event.get("timestamp") or 0),
        lang=lang,
        intent=intent,
        runner_up=runner_up,
        entities=[
            {k: e.get(k) for k in ("entity", "value", "extractor")}
            for e in entities
            if e.get("entity") != LANGUAGE_ENTITY
        ],
    )


def turns(events: list[dict[str, Any]], registry_calls: list[dict[str, Any]]) -> list[Turn]:
    """One Turn per citizen message, oldest first, with the registry calls made while it was
    being answered (between it and the next message)."""
    found: list[Turn] = []
    lang = None
    for event in events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "lang":
            lang = event.get("value")
        if kind == "user":
            found.append(_start_turn(event, lang))
            continue
        if not found:
            continue
        turn = found[-1]
        if kind == "slot":
            turn.slots[event.get("name")] = event.get("value")
        elif kind == "action" and event.get("name") not in HIDDEN_ACTIONS:
            turn.actions.append(event["name"])
        elif kind == "bot":
            if event.get("text"):
                turn.replies.append(event["text"])
            custom = (event.get("data") or {}).get("custom")
            if custom:
                turn.payloads.append(custom)
            turn.answer_ms = round((float(event.get("timestamp") or 0) - turn.at) * 1000)
    for index, turn in enumerate(found):
        until = found[index + 1].at if index + 1 < len(found) else float("inf")
        turn.registry_calls = [
            {k: call[k] for k in ("method", "path", "status", "ms")}
            for call in registry_calls
            if turn.at <= call["at"] < until
        ]
    return found


def conversation_lang(tracker: dict[str, Any]) -> str | None:
    return (tracker.get("slots") or {}).get("lang")


def as_json(found: list[Turn]) -> list[dict[str, Any]]:
    return [{k: v for k, v in asdict(t).items() if k != "at"} for t in found]


def stored_ratings(events: list[dict[str, Any]]) -> list[int]:
    """Ratings the feedback action stored: the rating slot's value when the action ran (the
    action clears the slot afterwards)."""
    rating, stored = None, []
    for event in events:
        if event.get("event") == "slot" and event.get("name") == "rating":
            rating = event.get("value")
        elif event.get("event") == "action" and event.get("name") == RATING_ACTION and rating:
            stored.append(int(rating))
    return stored


def dashboard(trackers: list[dict[str, Any]]) -> dict[str, Any]:
    """This demo session at a glance: conversations, messages, the services asked about most,
    the share of messages answered with the fallback, the average rating."""
    messages = fallbacks = conversations = 0
    services: Counter[str] = Counter()
    ratings: list[int] = []
    for tracker in trackers:
        events = tracker.get("events") or []
        found = turns(events, [])
        conversations += bool(found)
        messages += len(found)
        for turn in found:
            fallbacks += FALLBACK_ACTION in turn.actions
            services.update({p["service_id"] for p in turn.payloads if p.get("service_id")})
        ratings += stored_ratings(events)
    return {
        "conversations": conversations,
        "messages": messages,
        "top_services": [{"service_id": s, "count": n} for s, n in services.most_common(5)],
        "fallback_rate": round(fallbacks / messages, 3) if messages else None,
        "average_rating": round(sum(ratings) / len(ratings), 2) if ratings else None,
        "ratings": len(ratings),
    }
