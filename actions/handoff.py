"""Handing the conversation to a person: a ticket in the registry, its number to the citizen."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from .common import RegistryAction, conversation_lang
from .registry_client import registry

SUMMARY_MESSAGES = 5
SUMMARY_CHARACTERS = 4000  # the registry's limit for a ticket summary


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
        ticket = await registry.create_handoff_ticket(
            tracker.sender_id,
            tracker.get_slot("service_id"),
            conversation_lang(tracker),
            conversation_summary(tracker),
        )
        dispatcher.utter_message(response="utter_handoff_ticket", ticket=ticket["ticket"])
        return []
