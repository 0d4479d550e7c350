"""Application status: ask for the reference number, say what is wrong with a bad one, report."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from common.languages import EASTERN_DIGITS
from common.references import APPLICATION_REFERENCE

from . import formatting
from .common import (
    RegistryAction,
    conversation_lang,
    latest_entity,
    requested_text,
)
from .digressions import QuestionsAnsweredForm
from .registry_client import registry

# Something that looks like an attempt at a reference: letters and digits, maybe separated.
CANDIDATE = re.compile(r"[A-Za-z]{0,5}[\s._/-]*\d[\d\s._/-]*\d|[A-Za-z]{0,5}[\s._/-]*\d")
SEPARATORS = re.compile(r"[\s._/-]+")


def normalise_reference(text: str) -> str:
    """'civ 2026 00042', 'CIV202600042' and Eastern Arabic digits all become CIV-2026-00042."""
    text = text.translate(EASTERN_DIGITS).strip().upper()
    text = SEPARATORS.sub("-", text).strip("-")
    compact = re.fullmatch(r"([A-Z]{3})(\d{4})(\d{5})", text.replace("-", ""))
    return "-".join(compact.groups()) if compact else text


def reference_problem(reference: str) -> str | None:
    """Which part of a reference number is wrong, as the name of the response explaining it."""
    if APPLICATION_REFERENCE.match(reference):
        return None
    parts = reference.split("-")
    if not re.fullmatch(r"[A-Z]{3}", parts[0]):
        return "utter_reference_problem_letters"
    if len(parts) < 2 or not re.fullmatch(r"\d{4}", parts[1]):
        return "utter_reference_problem_year"
    return "utter_reference_problem_number"


def reference_in(text: str) -> str | None:
    found = CANDIDATE.search(text.translate(EASTERN_DIGITS))
    return found.group(0) if found else None


class ValidateApplicationStatusForm(QuestionsAnsweredForm):
    def name(self) -> str:
        return "validate_application_status_form"

    async def validate_turn(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        events = await super().validate_turn(dispatcher, tracker, domain)
        named = latest_entity(tracker, "service")
        if named and tracker.get_slot("requested_slot") is None:
            # "Where is my passport application?": questions while the form waits are about it.
            events.append(SlotSet("service_id", named))
        return events

    @staticmethod
    def is_answer(slot: str, text: str) -> bool:
        """Any digit may be an attempt at the reference (validation says what is wrong)."""
        return reference_in(text) is not None

    async def extract_reference_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        candidate = latest_entity(tracker, "reference_number")
        text = requested_text(tracker, "reference_number")
        if candidate is None and text:
            # Words without a single digit are not an attempt at a reference number.
            candidate = reference_in(text)
        return {"reference_number": candidate} if candidate else {}

    def validate_reference_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        reference = normalise_reference(str(value))
        problem = reference_problem(reference)
        if problem:
            dispatcher.utter_message(response=problem, reference=reference)
            return {"reference_number": None}
        return {"reference_number": reference}


class ActionReportApplicationStatus(RegistryAction):
    def name(self) -> str:
        return "action_report_application_status"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        lang = conversation_lang(tracker)
        reference = tracker.get_slot("reference_number")
        if not reference:  # the form ended without one (registry fault, already explained)
            return []
        application = await registry.get_application(reference, lang)
        if application is None:
            dispatcher.utter_message(response="utter_application_not_found", reference=reference)
            return [SlotSet("reference_number", None)]
        service_id = application["service"]["identifier"]
        dispatcher.utter_message(
            response="utter_application_status",
            reference=reference,
            service=application["service"]["title"],
            status=application["status_label"],
            # The office's note says what the status means for this application; the status's
            # general description only when there is none (both said the same thing twice).
            details=application["note"] or application["status_description"],
            office=application["office"]["name"],
            updated_on=formatting.long_date(application["updated_on"], lang),
            json_message={"service_id": service_id, "topic": "application_status", "lang": lang},
        )
        return [
            SlotSet("reference_number", None),
            SlotSet("service_id", service_id),
            SlotSet("application_reference", reference),
        ]

    def events_when_unavailable(self) -> list[dict[str, Any]]:
        return [SlotSet("reference_number", None)]
