"""Changing the conversation's language ("speak French", Telegram's /lang)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from common.topics import INTENT_OF_TOPIC

from .common import LANGUAGES, latest_entity

# The recogniser this sure of a topic in a language switch: the message asks it too ("can
# you answer in English? how much does it cost?").
ASKED_TOPIC = 0.5


def topic_asked_with(tracker: Tracker) -> str | None:
    """The topic a message asks besides switching the language, from the recogniser's
    reading of it (language.rasa_components records it in the parse data)."""
    topics = (tracker.latest_message.get("recognition") or {}).get("topics") or []
    if not topics:
        return None
    topic, probability = topics[0]
    asked = topic in INTENT_OF_TOPIC and topic != "overview" and probability >= ASKED_TOPIC
    return topic if asked else None


class ActionSetLanguage(Action):
    def name(self) -> str:
        return "action_set_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        wanted = latest_entity(tracker, "language")
        if wanted not in LANGUAGES:
            dispatcher.utter_message(response="utter_ask_language")
            return []
        # Responses are rendered with the slots as they were before this action, so pick the
        # new language's variation of the confirmation here.
        dispatcher.utter_message(text=response_text(domain, "utter_language_set", wanted))
        events: list[dict[str, Any]] = [SlotSet("lang", wanted)]
        topic = topic_asked_with(tracker)
        if topic and (tracker.get_slot("service_id") or latest_entity(tracker, "service")):
            # Answered in the new language, for the service named or in context.
            events += [SlotSet("topic", topic), FollowupAction("action_answer_service_question")]
        return events


def response_text(domain: dict[str, Any], response: str, lang: str) -> str:
    """The text of response's variation for lang (the unconditioned one if there is none)."""
    variations = domain["responses"][response]
    for variation in variations:
        if any(
            c.get("name") == "lang" and c.get("value") == lang
            for c in variation.get("condition") or []
        ):
            return variation["text"]
    return next(v["text"] for v in variations if not v.get("condition"))
