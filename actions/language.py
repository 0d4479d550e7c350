"""Changing the conversation's language ("speak French", Telegram's /lang)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .common import LANGUAGES, latest_entity


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
        return [SlotSet("lang", wanted)]


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
