"""Changing the conversation's language ("speak French", Telegram's /lang)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
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
        # The confirmation follows as its own action, so it is rendered in the new language.
        return [SlotSet("lang", wanted), FollowupAction("utter_language_set")]
