"""Answers about one catalogued service and one topic, keeping the service in context."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from common.payloads import intent_payload
from common.topics import INTENT_OF_TOPIC, TOPIC_OF_INTENT

from . import formatting
from .common import RegistryAction, conversation_lang, latest_entity, latest_text, service_payload
from .missing_documents import answer_missing_documents
from .registry_client import RegistryClient, registry

# Entities the catalogue recogniser (language.rasa_components) sets beside `service`.
SERVICE_ALTERNATIVE = "service_alternative"
OFFERED_LIFE_EVENT = "offered_life_event"

TOPIC_BY_INTENT = TOPIC_OF_INTENT
POPULAR_SERVICES = ("national-id-card", "passport", "birth-certificate", "driving-licence")
# A service named only in free text is taken when the registry's match is this sure (0-100).
CONFIDENT_MATCH = 90.0
# A life event's name found in the words this surely (0-100): the message tells a situation.
SITUATION_MATCH = 90.0
# "No, I meant...", "what about...": the citizen replaces the service and still asks the
# same thing.
CORRECTION = re.compile(
    r"\b(?:no|not|nope|sorry|i meant|i mean|rather|instead|what about|how about|and for|"
    r"non|pardon|plutôt|plutot|et pour|"
    r"je voulais dire|je veux dire|la2|9asdi|9sdi|ya3ni|لا|قصدي|أقصد|اقصد|نقصد|عفوا|آسف|"
    r"اسف|سامحني|مش|ماشي|بل)\b",
    re.IGNORECASE,
)


def corrected_topic(tracker: Tracker, service_id: str) -> str | None:
    """The topic asked before, when this message corrects the service it was asked for."""
    before = tracker.get_slot("service_id")
    if before and before != service_id and CORRECTION.search(latest_text(tracker)):
        return tracker.get_slot("topic")
    return None


async def resolve_service(
    client: RegistryClient, tracker: Tracker, lang: str, use_context: bool = True
) -> dict[str, Any] | None:
    """The service the citizen means: the one named in this message (entity, or a confident
    registry match of the words), else the one already in the conversation."""
    named = latest_entity(tracker, "service")
    if named:
        service = await client.get_service(named, lang)
        if service:
            return service
        matches = await client.search_services(named, lang, limit=1)
        if matches:
            return await client.get_service(matches[0]["identifier"], lang)
    matches = await client.search_services(latest_text(tracker), lang, limit=1)
    if matches and matches[0]["score"] >= CONFIDENT_MATCH:
        return await client.get_service(matches[0]["identifier"], lang)
    in_context = tracker.get_slot("service_id")
    if use_context and in_context:
        return await client.get_service(in_context, lang)
    return None


def render_topic(
    service: dict[str, Any], topic: str, lang: str, offices: list[dict[str, Any]]
) -> dict[str, Any]:
    """Response name and variables for one topic of one service."""
    title = service["title"]
    variables: dict[str, Any] = {"title": title, "subject": formatting.subject(title, lang)}
    if topic == "overview":
        variables |= {
            "agency": service["competent_authority"]["name"],
            "description": service["description"],
            "output": service["output"],
        }
    elif topic == "documents":
        variables["documents"] = formatting.bullets(service["required_evidence"])
    elif topic == "fees":
        variables["fees"] = formatting.fees(service, lang)
    elif topic == "processing_time":
        variables["processing_time"] = service["processing_time"]["description"]
    elif topic == "offices":
        variables["offices"] = formatting.offices(offices, lang)
    elif topic == "eligibility":
        variables["eligibility"] = formatting.bullets(service["eligibility"])
    elif topic == "how_to_apply":
        # The catalogue's online links, to act right away: "Online: https://...".
        links = [
            f"{formatting.label(ch['channel'], lang)}: {ch['url']}"
            for ch in service["channels"]
            if ch.get("url")
        ]
        variables["steps"] = "\n".join([formatting.numbered(service["how_to_apply"]), *links])
    return {"response": f"utter_service_{topic}", **variables}


class ActionAnswerServiceQuestion(RegistryAction):
    """Answer 'what does X cost', 'which documents', ... with facts fetched from the registry."""

    def name(self) -> str:
        return "action_answer_service_question"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        lang = conversation_lang(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        topic = TOPIC_BY_INTENT.get(intent) or tracker.get_slot("topic") or "overview"
        if topic == "documents" and await answer_missing_documents(dispatcher, tracker, lang):
            return [SlotSet("topic", topic)]
        service = await resolve_service(registry, tracker, lang)
        if service is None:
            await ask_which_service(dispatcher, lang)
            return [SlotSet("topic", topic)]
        if topic == "overview":
            topic = corrected_topic(tracker, service["identifier"]) or topic
        alternative = latest_entity(tracker, SERVICE_ALTERNATIVE)
        if alternative and alternative != service["identifier"]:
            other = await registry.get_service(alternative, lang)
            if other is not None:
                ask_which_of(dispatcher, [service, other], topic, lang)
                return [SlotSet("topic", topic)]
        offices = []
        if topic == "offices":
            # Nearest first to a city the question names ("where do I apply in Port Marsa?").
            offices, _ = await registry.find_offices_near(
                lang, latest_text(tracker), service["identifier"], limit=3
            )
        buttons = await life_event_offer(tracker, service["identifier"], lang)
        dispatcher.utter_message(
            **render_topic(service, topic, lang, offices),
            buttons=buttons,
            json_message=service_payload(service["identifier"], topic, lang),
        )
        return [SlotSet("service_id", service["identifier"]), SlotSet("topic", topic)]


def ask_which_of(
    dispatcher: CollectingDispatcher, services: list[dict[str, Any]], topic: str, lang: str
) -> None:
    """Two services are as likely as each other: "Did you mean A or B?", as buttons."""
    intent = INTENT_OF_TOPIC[topic]
    dispatcher.utter_message(
        response="utter_did_you_mean",
        first=services[0]["title"],
        second=services[1]["title"],
        buttons=[
            {"title": s["title"], "payload": intent_payload(intent, service=s["identifier"])}
            for s in services
        ],
        json_message={
            "clarify": True,
            "service_ids": [s["identifier"] for s in services],
            "topic": topic,
            "lang": lang,
        },
    )


async def life_event_offer(tracker: Tracker, service_id: str, lang: str) -> list[dict[str, str]]:
    """A procedure named inside a life situation ("my father died, where do I declare the
    death?") is answered; the whole situation (all its steps, across agencies) is offered as
    a button. The situation is the recogniser's, or the one the catalogue's life-event names
    find in the words, and only one that the service is a step of."""
    candidates = [latest_entity(tracker, OFFERED_LIFE_EVENT)]
    text = latest_text(tracker)
    if text and not text.startswith("/"):
        found = await registry.search_life_events(text, lang)
        candidates += [e["identifier"] for e in found if e.get("score", 0) >= SITUATION_MATCH]
    for event_id in filter(None, candidates):
        event = await registry.get_life_event(event_id, lang)
        if event and service_id in {s["identifier"] for s in event["services"]}:
            payload = intent_payload("life_event", life_event=event_id)
            return [{"title": event["title"], "payload": payload}]
    return []


async def ask_which_service(dispatcher: CollectingDispatcher, lang: str) -> None:
    """Ask which service is meant, offering a few common ones as buttons."""
    titles = {s["identifier"]: s["title"] for s in await registry.list_services(lang)}
    buttons = [
        {"title": titles[sid], "payload": intent_payload("inform_service", service=sid)}
        for sid in POPULAR_SERVICES
        if sid in titles
    ]
    dispatcher.utter_message(response="utter_ask_which_service", buttons=buttons)
