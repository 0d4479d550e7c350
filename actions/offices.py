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
        city = latest_entity(tracker, "city") or requested_text(tracker, "city")
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
        latitude, longitude = location or (None, None)
        offices = await registry.find_offices(
            lang, city=None if location else city, latitude=latitude, longitude=longitude, limit=3
        )
        dispatcher.utter_message(
            response="utter_nearest_offices", offices=formatting.offices(offices, lang)
        )
        return [SlotSet("city", None), SlotSet("latitude", None), SlotSet("longitude", None)]
