"""Booking (service, office, date, time, confirmation) and cancelling appointments."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from common.languages import EASTERN_DIGITS
from common.payloads import intent_payload

from . import formatting
from .common import (
    RegistryAction,
    conversation_lang,
    latest_entity,
    latest_intent,
    requested_text,
    service_payload,
)
from .digressions import QuestionsAnsweredForm
from .registry_client import RegistryRejected, RegistryUnavailable, registry
from .services import resolve_service

BOOKING_SLOTS = ("office_id", "appointment_date", "appointment_time", "appointment_confirmed")
APPOINTMENT_REFERENCE = re.compile(r"\bAPT[-\s]?(\d{6})\b", re.IGNORECASE)
TIME = re.compile(r"\b([01]?\d|2[0-3])\s*[:.hH]\s*([0-5]\d)\b")
ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")
MAX_CHOICES = 6


def parse_date(text: str) -> str | None:
    for pattern, order in ((ISO_DATE, (0, 1, 2)), (DAY_MONTH_YEAR, (2, 1, 0))):
        found = pattern.search(text)
        if found:
            parts = [int(found.group(i + 1)) for i in order]
            try:
                return date(*parts).isoformat()
            except ValueError:
                return None
    return None


def parse_time(text: str) -> str | None:
    found = TIME.search(text)
    return f"{int(found.group(1)):02d}:{found.group(2)}" if found else None


def choice_buttons(choices: list[tuple[str, str]], entity: str) -> list[dict[str, str]]:
    return [
        {"title": title, "payload": intent_payload("inform", **{entity: value})}
        for value, title in choices[:MAX_CHOICES]
    ]


LATER_SLOTS = ("office_id", "appointment_date", "appointment_time", "appointment_confirmed")


class ValidateAppointmentForm(QuestionsAnsweredForm):
    """Extracts each answer (button or typed) and checks it against the registry."""

    def name(self) -> str:
        return "validate_appointment_form"

    @staticmethod
    def is_answer(slot: str, text: str) -> bool:
        """The text holds a value of the slot. Any text may name an office (validation matches
        it against the registry's), so questions are taken as questions from the day on."""
        if slot == "appointment_date":
            return parse_date(text) is not None
        if slot == "appointment_time":
            return parse_time(text) is not None
        return slot != "appointment_confirmed"

    async def extract_service_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        # The form's first turn, or its service question (requested_slot may still name
        # the slot of a form that stepped aside for this one).
        requested = tracker.get_slot("requested_slot")
        if requested in LATER_SLOTS:
            return {}
        lang = conversation_lang(tracker)
        try:
            use_context = requested != "service_id"
            service = await resolve_service(registry, tracker, lang, use_context=use_context)
        except RegistryUnavailable:
            return {}
        return {"service_id": service["identifier"]} if service else {}

    async def extract_office_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        office_id = latest_entity(tracker, "office_id")
        text = requested_text(tracker, "office_id")
        if office_id is None and text:
            offices = await offices_for(tracker)
            office_id = match_office(text, offices) or text
        return {"office_id": office_id} if office_id else {}

    async def validate_office_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        offices = {o["identifier"] for o in await offices_for(tracker)}
        if value not in offices:
            dispatcher.utter_message(response="utter_office_not_understood")
            return {"office_id": None}
        return {"office_id": value}

    async def extract_appointment_date(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        value = latest_entity(tracker, "appointment_date")
        text = requested_text(tracker, "appointment_date")
        if value is None and text:
            value = parse_date(text) or text
        return {"appointment_date": value} if value else {}

    async def validate_appointment_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        day = parse_date(str(value))
        if day is None:
            dispatcher.utter_message(response="utter_date_not_understood")
            return {"appointment_date": None}
        try:
            free = await registry.get_free_slots(
                tracker.get_slot("office_id"), tracker.get_slot("service_id"), day=day
            )
        except RegistryRejected as exc:
            dispatcher.utter_message(response="utter_date_not_bookable", reason=str(exc))
            return {"appointment_date": None}
        if not free or not free[0]["times"]:
            lang = conversation_lang(tracker)
            dispatcher.utter_message(
                response="utter_date_full", date=formatting.long_date(day, lang)
            )
            return {"appointment_date": None}
        return {"appointment_date": day}

    async def extract_appointment_time(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        value = latest_entity(tracker, "appointment_time")
        text = requested_text(tracker, "appointment_time")
        if value is None and text:
            value = parse_time(text) or text
        return {"appointment_time": value} if value else {}

    async def validate_appointment_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        time = parse_time(str(value))
        free = await registry.get_free_slots(
            tracker.get_slot("office_id"),
            tracker.get_slot("service_id"),
            day=tracker.get_slot("appointment_date"),
        )
        if time is None or time not in (free[0]["times"] if free else []):
            dispatcher.utter_message(response="utter_time_not_available")
            return {"appointment_time": None}
        return {"appointment_time": time}

    async def extract_appointment_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "appointment_confirmed":
            return {}
        intent = latest_intent(tracker)
        if intent in ("affirm", "deny"):
            return {"appointment_confirmed": intent == "affirm"}
        return {}


async def offices_for(tracker: Tracker) -> list[dict[str, Any]]:
    return await registry.find_offices(
        conversation_lang(tracker), service_id=tracker.get_slot("service_id"), limit=20
    )


def match_office(text: str, offices: list[dict[str, Any]]) -> str | None:
    """An office picked by its number in the list shown, or by a word of its name or city."""
    text = text.casefold().strip()
    if text.isdigit() and 1 <= int(text) <= min(len(offices), MAX_CHOICES):
        return offices[int(text) - 1]["identifier"]
    for office in offices:
        if text in office["name"].casefold() or text in office["city"].casefold():
            return office["identifier"]
    return None


class ActionAskOfficeId(RegistryAction):
    def name(self) -> str:
        return "action_ask_office_id"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        offices = await offices_for(tracker)
        choices = [(o["identifier"], f"{o['name']} ({o['city']})") for o in offices]
        dispatcher.utter_message(
            response="utter_ask_office_id", buttons=choice_buttons(choices, "office_id")
        )
        return []


class ActionAskAppointmentDate(RegistryAction):
    def name(self) -> str:
        return "action_ask_appointment_date"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        days = await registry.get_free_slots(
            tracker.get_slot("office_id"), tracker.get_slot("service_id"), days=14
        )
        lang = conversation_lang(tracker)
        choices = [(d["date"], formatting.short_date(d["date"], lang)) for d in days if d["times"]]
        dispatcher.utter_message(
            response="utter_ask_appointment_date",
            buttons=choice_buttons(choices, "appointment_date"),
        )
        return []


class ActionAskAppointmentTime(RegistryAction):
    def name(self) -> str:
        return "action_ask_appointment_time"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        day = tracker.get_slot("appointment_date")
        days = await registry.get_free_slots(
            tracker.get_slot("office_id"), tracker.get_slot("service_id"), day=day
        )
        lang = conversation_lang(tracker)
        choices = [(t, formatting.clock(t, lang)) for t in days[0]["times"]] if days else []
        dispatcher.utter_message(
            response="utter_ask_appointment_time",
            date=formatting.long_date(day, lang),
            buttons=choice_buttons(choices, "appointment_time"),
        )
        return []


class ActionAskAppointmentConfirmed(RegistryAction):
    def name(self) -> str:
        return "action_ask_appointment_confirmed"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        lang = conversation_lang(tracker)
        service = await registry.get_service(tracker.get_slot("service_id"), lang)
        office = await registry.get_office(tracker.get_slot("office_id"), lang)
        day = tracker.get_slot("appointment_date")
        dispatcher.utter_message(
            response="utter_ask_appointment_confirmed",
            service=formatting.subject(service["title"], lang)
            if service
            else tracker.get_slot("service_id"),
            office=office["name"] if office else tracker.get_slot("office_id"),
            date=formatting.long_date(day, lang),
            # Also as the form asks it to be typed (2026-12-03): the very value to check.
            iso_date=day,
            time=formatting.clock(tracker.get_slot("appointment_time"), lang),
        )
        return []


def clear_booking() -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in BOOKING_SLOTS]


def confirmation_key(tracker: Tracker) -> str:
    """The idempotency key of this confirmation: the same booking details confirmed by the same
    message give the same key, so a retry cannot book twice; a later confirmation (another
    message) is a new booking."""
    confirmed_at = next(
        (e.get("timestamp") for e in reversed(tracker.events) if e.get("event") == "user"), None
    )
    parts = [tracker.sender_id, *(str(tracker.get_slot(s)) for s in BOOKING_SLOTS[:3])]
    parts += [str(tracker.get_slot("service_id")), str(confirmed_at)]
    return hashlib.sha256("\x1f".join(parts).encode(errors="replace")).hexdigest()[:40]


class ActionBookAppointment(RegistryAction):
    def name(self) -> str:
        return "action_book_appointment"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if not tracker.get_slot("appointment_confirmed"):  # declined, or the form was ended
            dispatcher.utter_message(response="utter_appointment_not_booked")
            return clear_booking()
        lang = conversation_lang(tracker)
        try:
            appointment = await registry.book_appointment(
                tracker.get_slot("office_id"),
                tracker.get_slot("service_id"),
                tracker.get_slot("appointment_date"),
                tracker.get_slot("appointment_time"),
                tracker.sender_id,
                lang,
                idempotency_key=confirmation_key(tracker),
            )
        except RegistryRejected as exc:
            if exc.code == "deadline_passed":  # the registry answered too late: nothing booked
                raise RegistryUnavailable(exc.code) from exc
            # Someone took the slot between the question and the confirmation: pick another.
            dispatcher.utter_message(response="utter_slot_taken")
            return [
                SlotSet("appointment_time", None),
                SlotSet("appointment_confirmed", None),
                FollowupAction("appointment_form"),
            ]
        dispatcher.utter_message(
            response="utter_appointment_booked",
            reference=appointment["reference"],
            service=formatting.subject(appointment["service"]["title"], lang),
            office=appointment["office"]["name"],
            address=appointment["office"]["address"],
            date=formatting.long_date(appointment["date"], lang),
            time=formatting.clock(appointment["time"], lang),
            json_message=service_payload(appointment["service"]["identifier"], "appointment", lang),
        )
        return [*clear_booking(), SlotSet("appointment_reference", appointment["reference"])]

    def events_when_unavailable(self) -> list[dict[str, Any]]:
        return clear_booking()


class ValidateCancelAppointmentForm(FormValidationAction):
    def name(self) -> str:
        return "validate_cancel_appointment_form"

    async def extract_appointment_reference(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        value = latest_entity(tracker, "appointment_reference") or requested_text(
            tracker, "appointment_reference"
        )
        return {"appointment_reference": value} if value else {}

    def validate_appointment_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        found = APPOINTMENT_REFERENCE.search(str(value).translate(EASTERN_DIGITS))
        if not found:
            dispatcher.utter_message(response="utter_appointment_reference_invalid")
            return {"appointment_reference": None}
        return {"appointment_reference": f"APT-{found.group(1)}"}


class ActionCancelAppointment(RegistryAction):
    def name(self) -> str:
        return "action_cancel_appointment"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        lang = conversation_lang(tracker)
        reference = tracker.get_slot("appointment_reference")
        if not reference:  # the form ended without one (registry fault, already explained)
            return []
        try:
            appointment = await registry.cancel_appointment(reference, tracker.sender_id, lang)
        except RegistryRejected as exc:
            response = (
                "utter_appointment_already_cancelled"
                if exc.status == 409
                else ("utter_appointment_unknown")
            )
            dispatcher.utter_message(response=response, reference=reference)
            return [SlotSet("appointment_reference", None)]
        dispatcher.utter_message(
            response="utter_appointment_cancelled",
            reference=reference,
            office=appointment["office"]["name"],
            date=formatting.long_date(appointment["date"], lang),
            time=formatting.clock(appointment["time"], lang),
        )
        return [SlotSet("appointment_reference", None)]

    def events_when_unavailable(self) -> list[dict[str, Any]]:
        return [SlotSet("appointment_reference", None)]
