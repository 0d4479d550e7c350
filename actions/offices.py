"""The nearest office: from a shared location, or from the city the citizen names."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from . import formatting
from .common import (
    RegistryAction,
    RegistryFormValidationAction,
    conversation_lang,
    latest_entity,
    latest_text,
    requested_text,
)
from .registry_client import registry


def shared_location(tracker: Tracker) -> tuple[float, float] | None:
    lat, lon = tracker.get_slot("latitude"), tracker.get_slot("longitude")
    try:
        return (float(lat), float(lon)) if lat is not None and lon is not None else None
    except (TypeError, ValueError):
        return None


class ValidateOfficeLocationForm(RegistryFormValidationAction):
    def name(self) -> str:
        return "validate_office_location_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        # A shared location answers the question; only without one is the city needed.
        return [] if shared_location(tracker) else domain_slots

    async def extract_city(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        city = latest_entity(tracker, "city")
        first_turn = tracker.get_slot("requested_slot") is None
        text = latest_text(tracker) if first_turn else requested_text(tracker, "city")
        if city is None and text:
            # The city inside a sentence ("which office is closest if I live in Port Marsa?"),
            # in any language; a typed answer that names none is checked as it is.
            _, city = await registry.find_offices_near(conversation_lang(tracker), text, limit=1)
            if city is None and not first_turn:
                city = text
        return {"city": city} if city else {}

    async def validate_city(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        lang = conversation_lang(tracker)
        offices = await registry.find_offices(lang, city=str(value), limit=1)
        if offices:
            return {"city": str(value)}
        cities = sorted({o["city"] for o in await registry.find_offices(lang, limit=100)})
        dispatcher.utter_message(
            response="utter_city_unknown", city=value, cities=", ".join(cities)
        )
        return {"city": None}


class ActionFindOffices(RegistryAction):
    def name(self) -> str:
        return "action_find_offices"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        lang = conversation_lang(tracker)
        location = shared_location(tracker)
        city = tracker.get_slot("city")
        if location is None and not city:  # the form ended without an answer
            return []
        # Only offices that handle the service in the conversation, if there is one.
        service_id = tracker.get_slot("service_id")
        if location:
            offices = await registry.find_offices(
                lang, service_id, latitude=location[0], longitude=location[1], limit=3
            )
        else:
            offices, _ = await registry.find_offices_near(lang, city, service_id, limit=3)
        dispatcher.utter_message(
            response="utter_nearest_offices", offices=formatting.offices(offices, lang)
        )
        return [SlotSet("city", None), SlotSet("latitude", None), SlotSet("longitude", None)]
