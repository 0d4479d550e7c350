"""Rating the conversation (1 to 5), stored in the registry."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from common.languages import EASTERN_DIGITS

from .common import (
    RegistryAction,
    latest_entity,
    latest_intent,
    latest_text,
    requested_text,
)
from .digressions import QuestionsAnsweredForm
from .registry_client import registry

DIGIT = re.compile(r"\d+")


# Messages the rating form reads as a (maybe wrong) answer; any other request makes it step
# aside, and Rasa's rules answer that request.
ANSWER_INTENTS = frozenset({"inform", "nlu_fallback", "affirm", "deny"})


class ValidateFeedbackForm(QuestionsAnsweredForm):
    def name(self) -> str:
        return "validate_feedback_form"

    def steps_aside(self, tracker: Tracker) -> bool:
        not_a_rating = not self.is_answer("rating", latest_text(tracker))
        return not_a_rating and latest_intent(tracker) not in ANSWER_INTENTS

    @staticmethod
    def is_answer(slot: str, text: str) -> bool:
        return text.startswith("/") or DIGIT.search(text.translate(EASTERN_DIGITS)) is not None

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
