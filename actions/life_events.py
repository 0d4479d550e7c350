"""Answers to a life event ("I just had a baby") with the bundle of services across agencies."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from common.payloads import intent_payload

from . import formatting
from .common import RegistryAction, conversation_lang, latest_entity, latest_text
from .registry_client import registry


class ActionAnswerLifeEvent(RegistryAction):
    def name(self) -> str:
        return "action_answer_life_event"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        lang = conversation_lang(tracker)
        event = None
        named = latest_entity(tracker, "life_event")
        if named:
            event = await registry.get_life_event(named, lang)
        if event is None:
            matches = await registry.search_life_events(named or latest_text(tracker), lang)
            if matches:
                event = await registry.get_life_event(matches[0]["identifier"], lang)
        if event is None:
            # Clearly a life event, but not one the words name: let the citizen pick.
            events = await registry.list_life_events(lang)
            buttons = [
                {
                    "title": e["title"],
                    "payload": intent_payload("life_event", life_event=e["identifier"]),
                }
                for e in events
            ]
            dispatcher.utter_message(response="utter_ask_which_life_event", buttons=buttons)
            return []
        service_ids = [s["identifier"] for s in event["services"]]
        # The steps are said once, as numbered buttons in order (a list in the text too showed
        # every service twice); the text names the agencies they take, each once.
        buttons = [
            {
                "title": f"{s['step']}. {s['title']}",
                "payload": intent_payload("ask_overview", service=s["identifier"]),
            }
            for s in event["services"]
        ]
        agencies = dict.fromkeys(s["competent_authority"]["name"] for s in event["services"])
        dispatcher.utter_message(
            response="utter_life_event",
            title=event["title"],
            description=event["description"],
            agencies=formatting.bullets(list(agencies)),
            buttons=buttons,
            json_message={
                "life_event": event["identifier"],
                "service_ids": service_ids,
                "lang": lang,
            },
        )
        return [SlotSet("life_event_id", event["identifier"])]
