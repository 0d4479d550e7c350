"""The topics of a question about a service, and the Rasa intent that asks each one: shared by
the NLU (language/) and the actions, which answer the topic of the intent."""

from __future__ import annotations

TOPIC_OF_INTENT = {
    "ask_overview": "overview",
    "ask_documents": "documents",
    "ask_fees": "fees",
    "ask_processing_time": "processing_time",
    "ask_offices": "offices",
    "ask_eligibility": "eligibility",
    "ask_how_to_apply": "how_to_apply",
}
INTENT_OF_TOPIC = {topic: intent for intent, topic in TOPIC_OF_INTENT.items()}
# Naming a service alone ("the passport") asks for its overview.
SERVICE_NAMED = "inform_service"
