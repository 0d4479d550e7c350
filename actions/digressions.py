"""A question about a service asked while a form waits for an answer ("before I pick a day,
do I have to pay anything?") is answered, and the form asks its question again.

Rasa's form would otherwise take the question as the answer ("I did not understand that
date"). The form's validation answers it instead (with the service of the form, unless the
question names another one) and returns only the topic, so the form stays active, keeps its
slots, and asks for the slot it was waiting for.
"""

from __future__ import annotations

from abc import ABC
from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from common.languages import EASTERN_DIGITS
from common.topics import TOPIC_OF_INTENT

from .common import RegistryFormValidationAction, latest_intent, latest_text
from .services import ActionAnswerServiceQuestion

# "Which documents?", "how much?", "how long?"... Naming a service alone is not among them:
# in a form that asks which service, it is the answer.
QUESTION_INTENTS = frozenset(TOPIC_OF_INTENT) - {"ask_overview"}


def is_question_in_form(tracker: Tracker, is_answer: Callable[[str, str], bool]) -> bool:
    """The form waits for a slot, and the citizen asked a question that does not answer it
    (is_answer(slot, text): the text holds a value of that slot, such as a date)."""
    slot = tracker.get_slot("requested_slot")
    text = latest_text(tracker).strip().translate(EASTERN_DIGITS)
    if slot is None or not text or text.startswith("/"):  # a button is always an answer
        return False
    return latest_intent(tracker) in QUESTION_INTENTS and not is_answer(slot, text)


async def answer_question_in_form(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
) -> list[dict[str, Any]]:
    """The answer, and only the topic's slot: the form's own slots stay as they were."""
    events = await ActionAnswerServiceQuestion().act(dispatcher, tracker, domain)
    return [e for e in events if e.get("name") == "topic"]


class QuestionsAnsweredForm(RegistryFormValidationAction, ABC):
    """A form's validation that answers a question asked while it waits (is_answer says
    what is an answer to a slot instead), and steps aside for a request it does not take."""

    @staticmethod
    def is_answer(slot: str, text: str) -> bool:
        return True

    def steps_aside(self, tracker: Tracker) -> bool:
        return False

    async def validate_turn(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if is_question_in_form(tracker, self.is_answer):
            return await answer_question_in_form(dispatcher, tracker, domain)
        if self.steps_aside(tracker):
            return []  # nothing taken: Rasa's form steps aside, its rules take the request
        return await super().validate_turn(dispatcher, tracker, domain)
