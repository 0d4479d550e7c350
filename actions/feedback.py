"""Rating the conversation (1 to 5), stored in the registry."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from common.languages import EASTERN_DIGITS

from .common import RegistryAction, latest_entity, requested_text
from .registry_client import registry

DIGIT = re.compile(r"\d+")


class ValidateFeedbackForm(FormValidationAction):
    def name(self) -> str:
        return "validate_feedback_form"

    async def extract_rating(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        rating = latest_entity(tracker, "rating") or requested_text(tracker, "rating")
        return {"rating": rating} if rating else {}

    def validate_rating(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        found = DIGIT.search(str(value).translate(EASTERN_DIGITS))
        if found is None or not 1 <= int(found.group()) <= 5:
            dispatcher.utter_message(response="utter_rating_invalid")
            return {"rating": None}
        return {"rating": found.group()}


class ActionStoreFeedback(RegistryAction):
    def name(self) -> str:
        return "action_store_feedback"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if not tracker.get_slot("rating"):
            return []
        rating = int(tracker.get_slot("rating"))
        await registry.add_feedback(tracker.sender_id, rating)
        dispatcher.utter_message(response="utter_feedback_thanks", rating=rating)
        return [SlotSet("rating", None)]

    def events_when_unavailable(self) -> list[dict[str, Any]]:
        return [SlotSet("rating", None)]
