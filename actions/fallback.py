"""What the assistant says when it did not understand, or the request is out of scope:
what it can do and, when the registry finds some, the closest services. Never a guessed answer."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from common.payloads import intent_payload

from .common import RegistryAction, conversation_lang, fallback_payload, latest_text
from .contacts import contact_lines, refresh_if_stale
from .registry_client import RegistryUnavailable, registry

# Suggestions must be close matches: an unrelated sentence should get no service at all.
SUGGESTION_SCORE = 90.0
# This many fallbacks in a row: the citizen is stuck, and is offered a person.
STUCK_AFTER = 2


def fallbacks_in_a_row(tracker: Tracker) -> int:
    """How many of the assistant's last replies were the fallback, up to another answer."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "bot":
            continue
        if not ((event.get("data") or {}).get("custom") or {}).get("fallback"):
            break
        count += 1
    return count


async def answer_fallback(
    dispatcher: CollectingDispatcher, tracker: Tracker, lang: str
) -> list[dict[str, Any]]:
    """The fallback's reply; the one service it suggests, if only one, goes into context
    ("how much is it?" next is about that service)."""
    text = latest_text(tracker)
    try:
        matches = [] if text.startswith("/") else await registry.search_services(text, lang, 3)
    except RegistryUnavailable:
        matches = []  # suggestions are a bonus; what the assistant can do is still worth saying
    close = [m for m in matches if m["score"] >= SUGGESTION_SCORE]
    if not close and fallbacks_in_a_row(tracker) >= STUCK_AFTER - 1:
        # Stuck: a person, the agency's phone and hours, or starting over.
        await refresh_if_stale()
        contacts = contact_lines(tracker.get_slot("service_id"), lang)
        dispatcher.utter_message(
            response="utter_fallback_offer_person",
            contacts=contacts or "-",
            json_message=fallback_payload(lang),
        )
        return []
    buttons = [
        {"title": m["title"], "payload": intent_payload("ask_overview", service=m["identifier"])}
        for m in close
    ]
    response = "utter_fallback_with_suggestions" if close else "utter_fallback"
    dispatcher.utter_message(
        response=response, buttons=buttons, json_message=fallback_payload(lang)
    )
    return [SlotSet("service_id", close[0]["identifier"])] if len(close) == 1 else []


class ActionFallback(RegistryAction):
    def name(self) -> str:
        return "action_fallback"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        lang = conversation_lang(tracker)
        in_context = await answer_fallback(dispatcher, tracker, lang)
        # Also the core fallback: revert the message, or the same unsure prediction would
        # come back and the fallback would repeat until Rasa's circuit breaker. The language
        # the message was written in is kept.
        return [UserUtteranceReverted(), SlotSet("lang", lang), *in_context]

    def events_when_unavailable(self) -> list[dict[str, Any]]:
        # Still the core fallback: the unsure message is reverted even when the registry failed.
        return [UserUtteranceReverted()]
