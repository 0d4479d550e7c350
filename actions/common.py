"""What every action shares: the conversation's language, the answer contract, registry faults."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from common.languages import EASTERN_DIGITS, LANGUAGES

from .contacts import contact_lines, refresh_if_stale, unavailable_message
from .registry_client import (
    RegistryRejected,
    RegistryUnavailable,
    conversation_tag,
    current_conversation_tag,
)

log = logging.getLogger(__name__)
_refreshing: set[asyncio.Task[None]] = set()


def refresh_contacts_in_background() -> None:
    """Keep the contacts of the apology fresh, without making the citizen wait for it."""
    if not _refreshing:
        # A context of its own: these calls serve no conversation, so they carry no tag.
        task = asyncio.get_running_loop().create_task(
            refresh_if_stale(), context=contextvars.Context()
        )
        _refreshing.add(task)
        task.add_done_callback(_refreshing.discard)


def apologise(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """The registry cannot be reached: say so, when to try again, and whom to call."""
    dispatcher.utter_message(
        **unavailable_message(tracker.get_slot("service_id"), conversation_lang(tracker))
    )


def conversation_lang(tracker: Tracker) -> str:
    lang = tracker.get_slot("lang")
    return lang if lang in LANGUAGES else "en"


def latest_entity(tracker: Tracker, name: str) -> str | None:
    """The last value of entity name in the citizen's latest message."""
    values = list(tracker.get_latest_entity_values(name))
    return str(values[-1]) if values else None


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


# While a form waits for an answer, messages with these intents are not taken as the answer:
# the form steps aside so that the citizen can start over, ask for a person, or leave.
NOT_AN_ANSWER = frozenset(
    {
        "restart",
        "request_human",
        "goodbye",
        "greet",
        "ask_capabilities",
        "bot_challenge",
        "thank",
        "give_feedback",
        "life_event",
    }
)


def requested_text(tracker: Tracker, slot: str) -> str | None:
    """The citizen's typed answer when the form has just asked for slot (not a button payload,
    not a message that is clearly about something else)."""
    if tracker.get_slot("requested_slot") != slot or latest_intent(tracker) in NOT_AN_ANSWER:
        return None
    text = latest_text(tracker).strip()
    return text.translate(EASTERN_DIGITS) if text and not text.startswith("/") else None


def service_payload(service_id: str, topic: str, lang: str) -> dict[str, Any]:
    """The answer contract of a reply about a catalogued service (see README)."""
    return {"service_id": service_id, "topic": topic, "lang": lang}


def fallback_payload(lang: str) -> dict[str, Any]:
    return {"fallback": True, "lang": lang}


class RegistryAction(Action, ABC):
    """An action that talks to the registry: if the registry fails, the citizen gets a short
    apology with what to try instead, never silence or a stack trace."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        current_conversation_tag.set(conversation_tag(tracker.sender_id))
        try:
            events = await self.act(dispatcher, tracker, domain)
        except (RegistryUnavailable, RegistryRejected) as exc:
            # A rejection here means the assistant sent something wrong: still, never silence.
            log.warning("%s: registry call failed: %r", self.name(), exc)
            apologise(dispatcher, tracker)
            return self.events_when_unavailable()
        refresh_contacts_in_background()
        return events

    def events_when_unavailable(self) -> list[dict[str, Any]]:
        return []

    @abstractmethod
    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]: ...


# A form's answers to an answer it cannot take; two in a row and the citizen is stuck.
FORM_ERRORS = frozenset(
    {
        "utter_office_not_understood",
        "utter_date_not_understood",
        "utter_date_not_bookable",
        "utter_date_full",
        "utter_time_not_available",
        "utter_city_unknown",
    }
)


def form_errors_in_a_row(tracker: Tracker) -> int:
    """How many of the citizen's answers before this one the form refused, in a row."""
    count, turn_had_error, seen_current = 0, False, False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_current:
                if not turn_had_error:
                    return count
                count += 1
            seen_current, turn_had_error = True, False
        elif event.get("event") == "bot" and seen_current:
            turn_had_error |= (event.get("metadata") or {}).get("utter_action") in FORM_ERRORS
    return count + turn_had_error


class RegistryFormValidationAction(FormValidationAction, ABC):
    """A form's validation that needs the registry: if the registry fails mid-form, apologise
    and end the form (its submit action then sees the missing slot and stays quiet)."""

    @abstractmethod
    def name(self) -> str: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        current_conversation_tag.set(conversation_tag(tracker.sender_id))
        try:
            events = await self.validate_turn(dispatcher, tracker, domain)
            refused = any(m.get("response") in FORM_ERRORS for m in dispatcher.messages)
            if refused and form_errors_in_a_row(tracker) >= 1:
                # Stuck on one question: a person, the agency's phone and hours, a way out.
                await refresh_if_stale()
                lang = conversation_lang(tracker)
                contacts = contact_lines(tracker.get_slot("service_id"), lang) or "-"
                dispatcher.utter_message(response="utter_form_offer_person", contacts=contacts)
            return events
        except (RegistryUnavailable, RegistryRejected) as exc:
            log.warning("%s: registry call failed: %r", self.name(), exc)
            apologise(dispatcher, tracker)
            return [SlotSet("requested_slot", None), ActiveLoop(None)]

    async def validate_turn(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The citizen's latest message, as the form's answer (extract, then validate)."""
        return await super().run(dispatcher, tracker, domain)
