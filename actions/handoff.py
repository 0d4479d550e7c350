"""Handing the conversation to a person: a ticket in the registry, its number and when the
agency's agents work; then what the agent needs (the question, a way to reach the citizen,
given only if the citizen wants to), stored on the ticket."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .common import (
    RegistryAction,
    conversation_lang,
    latest_intent,
    latest_text,
    requested_text,
)
from .contacts import contact_lines, refresh_if_stale
from .digressions import QuestionsAnsweredForm
from .registry_client import registry

SUMMARY_MESSAGES = 5
SUMMARY_CHARACTERS = 4000  # the registry's limit for a ticket summary
DETAILS_CHARACTERS = 2000  # and for what the citizen adds
# A phone number (six digits or more, spaces allowed) or an email address.
CONTACT = re.compile(r"(?:\d[\s.-]?){6,}|\S+@\S+\.\w+")
DESCRIPTION_WORDS = 12
# Requests the handoff form steps aside for (booking, a status, a rating, a language...).
OTHER_REQUESTS = frozenset(
    {
        "book_appointment",
        "cancel_appointment",
        "check_application_status",
        "find_office",
        "give_feedback",
        "set_language",
        "share_location",
    }
)


def conversation_summary(tracker: Tracker) -> str:
    """The citizen's last few messages, so the agent does not have to ask again."""
    said = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    summary = "\n".join(text for text in said[-SUMMARY_MESSAGES:] if text)
    return summary[-SUMMARY_CHARACTERS:]


class ActionHandoff(RegistryAction):
    def name(self) -> str:
        return "action_handoff"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        lang = conversation_lang(tracker)
        service_id = tracker.get_slot("service_id")
        ticket = await registry.create_handoff_ticket(
            tracker.sender_id, service_id, lang, conversation_summary(tracker)
        )
        await refresh_if_stale()
        dispatcher.utter_message(
            response="utter_handoff_ticket",
            ticket=ticket["ticket"],
            contacts=contact_lines(service_id, lang) or "-",
        )
        return [SlotSet("handoff_ticket", ticket["ticket"])]


class ValidateHandoffDetailsForm(QuestionsAnsweredForm):
    """What the citizen writes next is for the agent (a button or "bye" is not); a question
    about a service is answered meanwhile, and the form asks again."""

    def name(self) -> str:
        return "validate_handoff_details_form"

    def steps_aside(self, tracker: Tracker) -> bool:
        other_request = latest_intent(tracker) in OTHER_REQUESTS
        return other_request and not self.is_answer("handoff_details", latest_text(tracker))

    @staticmethod
    def is_answer(slot: str, text: str) -> bool:
        """A way to reach the citizen, or a description of the case, is for the agent, even
        when it reads like a question."""
        return bool(CONTACT.search(text)) or len(text.split()) >= DESCRIPTION_WORDS

    async def extract_handoff_details(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = requested_text(tracker, "handoff_details")
        return {"handoff_details": text[:DETAILS_CHARACTERS]} if text else {}


class ActionStoreHandoffDetails(RegistryAction):
    def name(self) -> str:
        return "action_store_handoff_details"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        ticket, details = tracker.get_slot("handoff_ticket"), tracker.get_slot("handoff_details")
        if not ticket or not details:
            return []
        await registry.add_ticket_details(ticket, tracker.sender_id, details)
        dispatcher.utter_message(response="utter_handoff_details_stored", ticket=ticket)
        return [SlotSet("handoff_details", None)]

    def events_when_unavailable(self) -> list[dict[str, Any]]:
        return [SlotSet("handoff_details", None)]
