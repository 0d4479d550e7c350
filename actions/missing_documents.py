"""After a status that waits for documents, "what is missing?" is answered with what that
application waits for (the agency's note), not the service's generic list of documents."""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from .common import latest_text
from .registry_client import registry

# "What is missing?": the citizen asks about the documents their application still needs.
MISSING = re.compile(
    r"\b(?:missing|lacking|still need|manque|manquant|manquent|manquantes?|ne9es|na9es|"
    r"nakes|ناقص|ناقصة|نواقص|الناقصة|ينقص|تنقص|مازال|باقي)\b",
    re.IGNORECASE,
)
WAITING_FOR_DOCUMENTS = "awaiting_documents"


async def answer_missing_documents(
    dispatcher: CollectingDispatcher, tracker: Tracker, lang: str
) -> bool:
    """True when it answered: the application in context waits for documents, and the
    citizen asks what is missing."""
    reference = tracker.get_slot("application_reference")
    if not reference or not MISSING.search(latest_text(tracker)):
        return False
    application = await registry.get_application(reference, lang)
    if application is None or application["status"] != WAITING_FOR_DOCUMENTS:
        return False
    service_id = application["service"]["identifier"]
    dispatcher.utter_message(
        response="utter_application_missing",
        reference=reference,
        service=application["service"]["title"],
        note=application["note"],
        json_message={"service_id": service_id, "topic": "documents", "lang": lang},
    )
    return True
