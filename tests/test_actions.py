"""The custom actions, run against a real registry (its app on a free port, its own SQLite file
and its own copy of the catalogue), with trackers built by hand the way Rasa sends them.

Expected facts are read from the catalogue files (the source of truth), not from the API the
actions use, so a test fails when what the citizen is told differs from the catalogue.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer
from rasa.shared.core.domain import Domain
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from registry_access import REGISTRY_TOKEN

from actions import applications, contacts
from actions.applications import (
    ActionReportApplicationStatus,
    ValidateApplicationStatusForm,
    normalise_reference,
    reference_problem,
)
from actions.appointments import (
    ActionAskAppointmentConfirmed,
    ActionAskAppointmentDate,
    ActionAskOfficeId,
    ActionBookAppointment,
    ActionCancelAppointment,
    ValidateAppointmentForm,
    ValidateCancelAppointmentForm,
)
from actions.contacts import ContactBook
from actions.fallback import ActionFallback
from actions.feedback import ActionStoreFeedback, ValidateFeedbackForm
from actions.handoff import ActionHandoff, ActionStoreHandoffDetails, ValidateHandoffDetailsForm
from actions.life_events import ActionAnswerLifeEvent
from actions.offices import ActionFindOffices, ValidateOfficeLocationForm
from actions.registry_client import (
    RegistryClient,
    RegistryRejected,
    RegistryUnavailable,
    conversation_tag,
    registry,
)
from actions.services import ActionAnswerServiceQuestion
from common.processes import free_port
from registry.app import create_app
from registry.config import CATALOGUE_DIR, PROJECT_DIR, Settings

REGISTRY_AUTH = {"Authorization": f"Bearer {REGISTRY_TOKEN}"}

# The catalogue and the domain, as the citizen-facing truth -----------------------------------

CATALOGUE = CATALOGUE_DIR


def _read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# The domain as Rasa merges it from its directory.
DOMAIN: dict[str, Any] = Domain.load(PROJECT_DIR / "domain").as_dict()
SERVICES: dict[str, dict[str, Any]] = {
    path.stem: _read_yaml(path) for path in sorted((CATALOGUE / "services").glob("*.yml"))
}
AGENCIES: dict[str, dict[str, Any]] = {
    a["identifier"]: a for a in _read_yaml(CATALOGUE / "agencies.yml")
}
OFFICES: dict[str, dict[str, Any]] = {
    o["identifier"]: o for o in _read_yaml(CATALOGUE / "offices.yml")
}
LIFE_EVENTS: dict[str, dict[str, Any]] = {
    e["identifier"]: e for e in _read_yaml(CATALOGUE / "life_events.yml")
}
STATUSES: dict[str, dict[str, Any]] = _read_yaml(CATALOGUE / "statuses.yml")
APPLICATIONS: list[dict[str, Any]] = _read_yaml(CATALOGUE / "applications.yml")
TIMEZONE = ZoneInfo(_read_yaml(CATALOGUE / "country.yml")["timezone"])

CITIZEN = "citizen-0001"
APPOINTMENT_REF = re.compile(r"^APT-\d{6}$")
TICKET_REF = re.compile(r"^HT-\d{6}$")
# Keys of a dispatched message that are not template variables.
MESSAGE_KEYS = {
    "text",
    "buttons",
    "elements",
    "custom",
    "template",
    "response",
    "image",
    "attachment",
}


def offices_handling(service_id: str) -> set[str]:
    return {oid for oid, office in OFFICES.items() if service_id in office["services"]}


def fee_text(amount: float) -> str:
    """An amount as an English answer says it: no needless decimals, the currency's word."""
    return f"{amount:g} {'dinar' if amount == 1 else 'dinars'}"


# Talking to an action ------------------------------------------------------------------------


@dataclass
class Reply:
    """What one action run produced: the messages the citizen gets and the events."""

    messages: list[dict[str, Any]]
    events: list[dict[str, Any]]
    slots: dict[str, Any]

    @property
    def responses(self) -> list[str]:
        return [m["response"] for m in self.messages]

    @property
    def only(self) -> dict[str, Any]:
        assert len(self.messages) == 1, self.responses
        return self.messages[0]

    @property
    def slot_sets(self) -> dict[str, Any]:
        return {e["name"]: e["value"] for e in self.events if e.get("event") == "slot"}

    @property
    def button_payloads(self) -> list[str]:
        return [b["payload"] for m in self.messages for b in m["buttons"]]

    def text(self) -> str:
        """The messages as the citizen reads them: each domain response, in the variation of
        the conversation's language as Rasa picks it, filled in with the message's variables
        (and the slots, as Rasa does). A missing variable fails here."""
        said = []
        for message in self.messages:
            assert message["response"] in DOMAIN["responses"], message["response"]
            template = variation(message["response"], self.slots.get("lang") or "en")["text"]
            values = {**self.slots, **{k: v for k, v in message.items() if k not in MESSAGE_KEYS}}
            said.append(template.format(**values))
        return "\n".join(said)


def variation(response: str, lang: str) -> dict[str, Any]:
    """The variation Rasa says in lang: the one conditioned on that language, else the one
    without a condition (English)."""
    variations = DOMAIN["responses"][response]
    for candidate in variations:
        conditions = candidate.get("condition") or []
        if any(c.get("name") == "lang" and c.get("value") == lang for c in conditions):
            return candidate
    return next(v for v in variations if not v.get("condition"))


def entity_list(entities: dict[str, str] | None) -> list[dict[str, Any]]:
    return [{"entity": name, "value": value} for name, value in (entities or {}).items()]


def make_tracker(
    text: str = "",
    intent: str | None = None,
    entities: dict[str, str] | None = None,
    slots: dict[str, Any] | None = None,
    history: Iterable[dict[str, Any]] = (),
    sender_id: str = CITIZEN,
) -> Tracker:
    """A tracker as Rasa sends it after the citizen's latest message."""
    all_slots: dict[str, Any] = {name: None for name in DOMAIN["slots"]}
    all_slots |= {"lang": "en", "requested_slot": None, **(slots or {})}
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0} if intent else {},
        "entities": entity_list(entities),
        "intent_ranking": [],
    }
    events = [*history, {"event": "user", "text": text, "parse_data": latest}]
    return Tracker(
        sender_id=sender_id,
        slots=all_slots,
        latest_message=latest,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def run_action(action: Action, **tracker_args: Any) -> Reply:
    tracker = make_tracker(**tracker_args)
    slots_before = dict(tracker.slots)
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    reply = Reply(messages=dispatcher.messages, events=events, slots=slots_before)
    reply.text()  # every message is a domain response with all its variables filled in
    return reply


# Registries on free ports --------------------------------------------------------------------


unused_port = free_port  # nothing listens there


@dataclass
class LiveRegistry:
    url: str
    database: Path

    def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        with sqlite3.connect(self.database) as connection:
            connection.row_factory = sqlite3.Row
            return [dict(row) for row in connection.execute(sql, params)]


@pytest.fixture(autouse=True)
def fresh_contact_book(monkeypatch: pytest.MonkeyPatch) -> ContactBook:
    """An empty contact book that does not refresh itself (tests fill it when they need it)."""
    book = ContactBook(refreshed_at=time.monotonic())
    monkeypatch.setattr(contacts, "contact_book", book)
    return book


@pytest.fixture
async def shared_client(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[RegistryClient]:
    """The actions' shared client with a session of this test's event loop."""
    monkeypatch.setattr(registry, "_session", None)
    yield registry
    await registry.close()


@pytest.fixture
async def live_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_client: RegistryClient
) -> AsyncIterator[LiveRegistry]:
    """The real registry app on a free port, a fresh database and a copy of the catalogue;
    the actions' client points at it."""
    catalogue = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE, catalogue)
    settings = Settings(
        database=tmp_path / "registry.db", catalogue_dir=catalogue, api_token=REGISTRY_TOKEN
    )
    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server()
    url = str(server.make_url("")).rstrip("/")
    monkeypatch.setattr(registry, "base_url", url)
    monkeypatch.setattr(registry, "token", REGISTRY_TOKEN)
    yield LiveRegistry(url=url, database=settings.database)
    await registry.close()
    await server.close()


@pytest.fixture
def registry_down(monkeypatch: pytest.MonkeyPatch, shared_client: RegistryClient) -> str:
    """The actions' client points at a port where nothing listens."""
    url = f"http://127.0.0.1:{unused_port()}"
    monkeypatch.setattr(registry, "base_url", url)
    return url


@dataclass
class StubServer:
    """A tiny HTTP server that counts hits per method (to watch the client's retries)."""

    url: str
    hits: Counter[str] = field(default_factory=Counter)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    booking_headers: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
async def stub_server() -> AsyncIterator[StubServer]:
    """GET /v1/services: 503 on the first hit, then a result. POST /v1/feedback: always 503.
    DELETE /v1/appointments/{ref}: 503 on the first hit, then the cancelled appointment.
    Anything under /slow/ (and POST /v1/appointments) waits until the test ends."""
    stub = StubServer(url="")

    async def flaky_get(request: web.Request) -> web.Response:
        stub.hits["GET"] += 1
        if stub.hits["GET"] == 1:
            return web.json_response({"error": {"code": "internal"}}, status=503)
        return web.json_response(
            {"services": [{"identifier": "passport", "title": "Passport", "score": 100.0}]}
        )

    async def failing_post(request: web.Request) -> web.Response:
        stub.hits["POST"] += 1
        return web.json_response({"error": {"code": "internal"}}, status=503)

    async def flaky_delete(request: web.Request) -> web.Response:
        stub.hits["DELETE"] += 1
        if stub.hits["DELETE"] == 1:
            return web.json_response({"error": {"code": "internal"}}, status=503)
        return web.json_response({"reference": request.match_info["ref"], "status": "cancelled"})

    async def slow(request: web.Request) -> web.Response:
        stub.hits[request.method] += 1
        if request.path == "/v1/appointments":
            stub.booking_headers.append(dict(request.headers))
        await asyncio.wait_for(stub.release.wait(), timeout=30)
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/v1/services", flaky_get)
    app.router.add_post("/v1/feedback", failing_post)
    app.router.add_delete("/v1/appointments/{ref}", flaky_delete)
    app.router.add_post("/v1/appointments", slow)
    app.router.add_route("*", "/slow/{tail:.*}", slow)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    stub.url = str(server.make_url("")).rstrip("/")
    yield stub
    stub.release.set()
    await server.close()


async def next_free_day(office_id: str, service_id: str) -> tuple[str, list[str]]:
    """A day after today (so no slot expires during the test) with free times."""
    today = datetime.now(TIMEZONE).date().isoformat()
    days = await registry.get_free_slots(office_id, service_id, days=14)
    day = next(d for d in days if d["date"] > today and len(d["times"]) >= 3)
    return day["date"], day["times"]


PASSPORT_OFFICE = sorted(offices_handling("passport"))[0]


# Answers about a service ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("intent", "topic"),
    [
        ("ask_overview", "overview"),
        ("ask_documents", "documents"),
        ("ask_fees", "fees"),
        ("ask_processing_time", "processing_time"),
        ("ask_offices", "offices"),
        ("ask_eligibility", "eligibility"),
        ("ask_how_to_apply", "how_to_apply"),
    ],
)
async def test_service_question_answers_the_topic_with_registry_facts(
    live_registry: LiveRegistry, intent: str, topic: str
) -> None:
    passport = SERVICES["passport"]
    reply = await run_action(
        ActionAnswerServiceQuestion(),
        text="tell me about the passport",
        intent=intent,
        entities={"service": "passport"},
    )

    message = reply.only
    assert message["response"] == f"utter_service_{topic}"
    assert message["custom"] == {"service_id": "passport", "topic": topic, "lang": "en"}
    assert message["title"] == passport["title"]["en"]
    said = reply.text()
    expected_facts = {
        "overview": [
            AGENCIES[passport["competent_authority"]]["name"]["en"],
            passport["description"]["en"],
            passport["output"]["en"],
        ],
        "documents": [f"- {doc['en']}" for doc in passport["required_evidence"]],
        "fees": [fee_text(channel["cost"]["amount"]) for channel in passport["channels"]],
        "processing_time": [passport["processing_time"]["description"]["en"]],
        "offices": [OFFICES[oid]["name"]["en"] for oid in sorted(offices_handling("passport"))],
        "eligibility": [f"- {rule['en']}" for rule in passport["eligibility"]],
        "how_to_apply": [
            *(f"{n}. {step['en']}" for n, step in enumerate(passport["how_to_apply"], start=1)),
            # The online link, to act right away.
            *(f"Online: {ch['url']}" for ch in passport["channels"] if ch.get("url")),
        ],
    }[topic]
    for fact in expected_facts:
        assert fact in said
    assert reply.slot_sets == {"service_id": "passport", "topic": topic}


@pytest.mark.parametrize(
    ("lang", "text", "topic_before", "topic"),
    [
        ("en", "ah no, wrong one: rather the birth certificate", "fees", "fees"),
        ("fr", "euh non, plutôt l'extrait de naissance", "documents", "documents"),
        ("ar", "لا، قصدي مضمون الولادة", "processing_time", "processing_time"),
        ("en", "tell me about the birth certificate", "fees", "overview"),  # not a correction
    ],
)
async def test_a_corrected_service_gets_the_topic_asked_before(
    live_registry: LiveRegistry, lang: str, text: str, topic_before: str, topic: str
) -> None:
    reply = await run_action(
        ActionAnswerServiceQuestion(),
        text=text,
        intent="ask_overview",
        entities={"service": "birth-certificate"},
        slots={"service_id": "marriage-certificate", "topic": topic_before, "lang": lang},
    )

    assert reply.only["custom"] == {"service_id": "birth-certificate", "topic": topic, "lang": lang}


@pytest.mark.parametrize(
    ("lang", "text", "city"),
    [
        ("en", "nearest branch to Port Marsa please", "Port Marsa"),
        ("fr", "le bureau le plus proche, j'habite à Port-Marsa", "Port-Marsa"),
        ("ar", "وين أقرب مكتب؟ أنا ساكن في سيدي رامي", "سيدي رامي"),
    ],
)
async def test_a_city_inside_the_request_for_the_nearest_office_is_taken(
    live_registry: LiveRegistry, lang: str, text: str, city: str
) -> None:
    reply = await run_action(
        ValidateOfficeLocationForm(), text=text, intent="find_office", slots={"lang": lang}
    )

    assert reply.messages == []
    assert reply.slot_sets == {"city": city}


async def test_the_nearest_offices_handle_the_service_in_the_conversation(
    live_registry: LiveRegistry,
) -> None:
    reply = await run_action(
        ActionFindOffices(),
        text="I live in Port Marsa",
        slots={"city": "Port Marsa", "service_id": "building-permit"},
    )

    said = reply.text()
    assert OFFICES["urban-planning-port-marsa"]["name"]["en"] in said.splitlines()[1]
    others = set(OFFICES) - offices_handling("building-permit")
    assert not any(OFFICES[o]["name"]["en"] in said for o in others)


@pytest.mark.parametrize(
    ("lang", "title", "lines"),
    [
        ("en", "Fees for the passport:", ["In person: 80 dinars", "Online: 75 dinars"]),
        ("fr", "Coût de la démarche « Passeport » :", ["Sur place\u00a0: 80 dinars"]),
        ("ar", "تكلفة خدمة «جواز السفر»:", ["حضوريا: 80 دينارا", "عبر الإنترنت: 75 دينارا"]),
    ],
)
async def test_fees_are_said_in_a_sentence_without_needless_decimals_in_the_currencys_word(
    live_registry: LiveRegistry, lang: str, title: str, lines: list[str]
) -> None:
    reply = await run_action(
        ActionAnswerServiceQuestion(),
        text="how much is a passport",
        intent="ask_fees",
        entities={"service": "passport"},
        slots={"lang": lang},
    )

    said = reply.text()
    assert said.startswith(title)
    for line in lines:
        assert line in reply.only["fees"]
    assert "WDD" not in said and "80.000" not in said


async def test_offices_answer_lists_only_offices_that_handle_the_service(
    live_registry: LiveRegistry,
) -> None:
    reply = await run_action(
        ActionAnswerServiceQuestion(),
        text="where can I get a passport",
        intent="ask_offices",
        entities={"service": "passport"},
    )

    lines = reply.only["offices"].splitlines()
    assert lines
    handling = [OFFICES[oid]["name"]["en"] for oid in offices_handling("passport")]
    for line in lines:
        assert any(line.startswith(f"- {name}, ") for name in handling), line


async def test_french_conversation_gets_french_facts_and_french_payload(
    live_registry: LiveRegistry,
) -> None:
    reply = await run_action(
        ActionAnswerServiceQuestion(),
        text="combien coûte un passeport",
        intent="ask_fees",
        entities={"service": "passport"},
        slots={"lang": "fr"},
    )

    assert reply.only["title"] == SERVICES["passport"]["title"]["fr"]
    assert "Sur place\u00a0: 80 dinars" in reply.only["fees"]
    assert reply.only["custom"] == {"service_id": "passport", "topic": "fees", "lang": "fr"}


async def test_follow_up_without_a_service_name_answers_about_the_service_in_context(
    live_registry: LiveRegistry,
) -> None:
    reply = await run_action(
        ActionAnswerServiceQuestion(),
        text="and how long does it take?",
        intent="ask_processing_time",
        slots={"service_id": "birth-certificate", "topic": "documents"},
    )

    certificate = SERVICES["birth-certificate"]
    assert reply.only["response"] == "utter_service_processing_time"
    assert reply.only["processing_time"] == certificate["processing_time"]["description"]["en"]
    assert reply.only["custom"] == {
        "service_id": "birth-certificate",
        "topic": "processing_time",
        "lang": "en",
    }
    assert reply.slot_sets == {"service_id": "birth-certificate", "topic": "processing_time"}


async def test_an_unsure_match_in_the_words_does_not_switch_away_from_the_context(
    live_registry: LiveRegistry,
) -> None:
    """'registration' loosely matches several services (tax ID first); the citizen is still
    talking about the birth registration."""
    reply = await run_action(
        ActionAnswerServiceQuestion(),
        text="and what about registration?",
        intent="ask_processing_time",
        slots={"service_id": "birth-registration"},
    )

    assert reply.only["custom"]["service_id"] == "birth-registration"


async def test_a_service_named_in_the_message_wins_over_the_one_in_context(
    live_registry: LiveRegistry,
) -> None:
    reply = await run_action(
        ActionAnswerServiceQuestion(),
        text="and for a driving licence?",
        intent="ask_fees",
        entities={"service": "driving-licence"},
        slots={"service_id": "passport"},
    )

    assert reply.only["custom"]["service_id"] == "driving-licence"
    assert reply.slot_sets["service_id"] == "driving-licence"


async def test_a_topic_change_without_intent_keeps_the_topic_in_context(
    live_registry: LiveRegistry,
) -> None:
    """After "which service?", the citizen picks one: the earlier topic is answered."""
    reply = await run_action(
        ActionAnswerServiceQuestion(),
        text='/inform_service{"service": "passport"}',
        intent="inform_service",
        entities={"service": "passport"},
        slots={"topic": "fees"},
    )

    assert reply.only["response"] == "utter_service_fees"
    assert reply.only["custom"] == {"service_id": "passport", "topic": "fees", "lang": "en"}


async def test_vague_question_without_any_service_asks_which_service_with_buttons(
    live_registry: LiveRegistry,
) -> None:
    reply = await run_action(
        ActionAnswerServiceQuestion(), text="how much does it cost?", intent="ask_fees"
    )

    message = reply.only
    assert message["response"] == "utter_ask_which_service"
    assert message["custom"] == {}  # no service payload: nothing was answered about a service
    assert '/inform_service{"service": "passport"}' in reply.button_payloads
    assert {b["title"] for b in message["buttons"]} >= {SERVICES["passport"]["title"]["en"]}
    assert reply.slot_sets == {"topic": "fees"}  # remembered for when the service is named


async def test_misspelled_service_in_free_text_is_found_by_the_registry_search(
    live_registry: LiveRegistry,
) -> None:
    reply = await run_action(
        ActionAnswerServiceQuestion(), text="how much is a pasport", intent="ask_fees"
    )

    assert reply.only["response"] == "utter_service_fees"
    assert reply.only["custom"] == {"service_id": "passport", "topic": "fees", "lang": "en"}
    assert "80 dinars" in reply.text()


async def test_misspelled_service_entity_is_resolved_by_the_registry_search(
    live_registry: LiveRegistry,
) -> None:
    reply = await run_action(
        ActionAnswerServiceQuestion(),
        text="documents for pasport",
        intent="ask_documents",
        entities={"service": "pasport"},
    )

    assert reply.only["custom"] == {"service_id": "passport", "topic": "documents", "lang": "en"}


async def test_empty_message_with_service_in_context_still_answers(
    live_registry: LiveRegistry,
) -> None:
    reply = await run_action(
        ActionAnswerServiceQuestion(), text="", intent="ask_fees", slots={"service_id": "passport"}
    )

    assert reply.only["custom"] == {"service_id": "passport", "topic": "fees", "lang": "en"}


# Life events ---------------------------------------------------------------------------------


async def test_life_event_entity_lists_its_services_in_the_registry_order(
    live_registry: LiveRegistry,
) -> None:
    reply = await run_action(
        ActionAnswerLifeEvent(),
        text="I just had a baby",
        intent="life_event",
        entities={"life_event": "having-a-baby"},
    )

    event = LIFE_EVENTS["having-a-baby"]
    message = reply.only
    assert message["response"] == "utter_life_event"
    assert message["custom"] == {
        "life_event": "having-a-baby",
        "service_ids": event["services"],
        "lang": "en",
    }
    # Each step once: a numbered button in order, not a list in the text too.
    titles = [SERVICES[sid]["title"]["en"] for sid in event["services"]]
    assert [b["title"] for b in message["buttons"]] == [
        f"{n}. {title}" for n, title in enumerate(titles, start=1)
    ]
    assert not any(title in reply.text() for title in titles)
    for agency in {SERVICES[sid]["competent_authority"] for sid in event["services"]}:
        assert AGENCIES[agency]["name"]["en"] in reply.text()
    assert reply.button_payloads[0] == f'/ask_overview{{"service": "{event["services"][0]}"}}'
    assert reply.slot_sets == {"life_event_id": "having-a-baby"}


async def test_life_event_in_free_text_is_found_by_the_registry_search(
    live_registry: LiveRegistry,
) -> None:
    reply = await run_action(
        ActionAnswerLifeEvent(), text="we are moving house", intent="life_event"
    )

    assert reply.only["custom"]["life_event"] == "moving-house"
    assert reply.only["custom"]["service_ids"] == LIFE_EVENTS["moving-house"]["services"]


@pytest.mark.parametrize("text", ["my cat learned to whistle", "   "])
async def test_a_life_event_the_words_do_not_name_is_chosen_by_the_citizen_not_guessed(
    live_registry: LiveRegistry, text: str
) -> None:
    reply = await run_action(ActionAnswerLifeEvent(), text=text, intent="life_event")

    assert reply.only["response"] == "utter_ask_which_life_event"
    assert reply.button_payloads == [
        f'/life_event{{"life_event": "{event_id}"}}' for event_id in LIFE_EVENTS
    ]
    assert reply.events == []


# Fallback ------------------------------------------------------------------------------------


async def test_out_of_scope_message_gets_the_fallback_without_a_service(
    live_registry: LiveRegistry,
) -> None:
    reply = await run_action(
        ActionFallback(), text="what's the weather like tomorrow?", intent="out_of_scope"
    )

    assert reply.only["response"] == "utter_fallback"
    assert reply.only["custom"] == {"fallback": True, "lang": "en"}
    assert "service_id" not in reply.only["custom"]
    assert reply.only["buttons"] == []
    assert reply.events == [
        {"event": "rewind", "timestamp": None},  # no fallback loop
        {"event": "slot", "name": "lang", "value": "en", "timestamp": None},
    ]


async def test_fallback_suggests_a_close_service_match(live_registry: LiveRegistry) -> None:
    reply = await run_action(ActionFallback(), text="pasport", intent="nlu_fallback")

    assert reply.only["response"] == "utter_fallback_with_suggestions"
    assert reply.only["custom"] == {"fallback": True, "lang": "en"}
    assert reply.button_payloads == ['/ask_overview{"service": "passport"}']
    # The one service it offers is in context: "how much is it?" next is about it.
    assert reply.slot_sets["service_id"] == "passport"


FALLBACK_REPLY = {"event": "bot", "text": "...", "data": {"custom": {"fallback": True}}}


async def test_a_second_misunderstanding_in_a_row_offers_a_person_and_the_agencys_phone(
    live_registry: LiveRegistry, fresh_contact_book: ContactBook
) -> None:
    await fresh_contact_book.refresh()
    first = await run_action(ActionFallback(), text="blorp wizzle", intent="nlu_fallback")
    assert first.only["response"] == "utter_fallback"

    for lang in ("en", "fr", "ar"):
        second = await run_action(
            ActionFallback(),
            text="zzzk frobnic",
            intent="nlu_fallback",
            slots={"lang": lang},
            history=[FALLBACK_REPLY],
        )
        assert second.only["response"] == "utter_fallback_offer_person"
        assert second.only["custom"] == {"fallback": True, "lang": lang}
        assert "+999" in second.only["contacts"]  # the agencies' numbers from the catalogue
        # The reply as the citizen reads it, with the response's "Talk to a person" button.
        assert "+999" in second.text()
        buttons = variation("utter_fallback_offer_person", lang)["buttons"]
        assert [b["payload"] for b in buttons] == ["/request_human", "/restart"]
    # An answer in between: not stuck.
    answered = {"event": "bot", "text": "...", "data": {"custom": {"service_id": "passport"}}}
    again = await run_action(
        ActionFallback(),
        text="zzzk frobnic",
        intent="nlu_fallback",
        history=[FALLBACK_REPLY, answered],
    )
    assert again.only["response"] == "utter_fallback"


async def test_registry_calls_are_tagged_with_the_conversation_not_the_sender(
    live_registry: LiveRegistry,
) -> None:
    """The demo's inspector finds the calls that served a conversation by its tag."""
    await run_action(
        ActionAnswerServiceQuestion(), intent="ask_fees", entities={"service": "passport"}
    )
    await run_action(ActionFallback(), text="pasport", intent="nlu_fallback", sender_id="other")

    async with aiohttp.ClientSession(headers=REGISTRY_AUTH) as session:
        tag = conversation_tag(CITIZEN)
        async with session.get(
            f"{live_registry.url}/v1/request-log", params={"conversation": tag}
        ) as response:
            mine = (await response.json())["requests"]
        async with session.get(f"{live_registry.url}/v1/request-log") as response:
            everything = (await response.json())["requests"]
    assert [e["path"] for e in mine] == ["/v1/services/passport"]
    assert {e["conversation"] for e in everything} == {tag, conversation_tag("other")}
    assert CITIZEN not in str(everything)


# Application status --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["civ 2026 00042", "CIV202600042", "CIV-٢٠٢٦-٠٠٠٤٢", "civ.2026.00042", "CIV-2026-00042"],
)
def test_normalise_reference_accepts_the_ways_citizens_type_it(typed: str) -> None:
    assert normalise_reference(typed) == "CIV-2026-00042"


@pytest.mark.parametrize(
    ("reference", "problem"),
    [
        ("CIV-2026-00042", None),
        ("12345", "utter_reference_problem_letters"),
        ("C1V-2026-00042", "utter_reference_problem_letters"),
        ("CIV", "utter_reference_problem_year"),
        ("CIV-26-00042", "utter_reference_problem_year"),
        ("CIV-2026-0042", "utter_reference_problem_number"),
        ("CIV-2026", "utter_reference_problem_number"),
    ],
)
def test_reference_problem_names_the_wrong_part(reference: str, problem: str | None) -> None:
    assert reference_problem(reference) == problem


async def form_turn(action: Action, requested_slot: str, text: str, **tracker_args: Any) -> Reply:
    """The citizen answers the question a form asked for requested_slot."""
    slots = {"requested_slot": requested_slot, **tracker_args.pop("slots", {})}
    intent = tracker_args.pop("intent", "inform")
    return await run_action(action, text=text, intent=intent, slots=slots, **tracker_args)


async def test_status_form_explains_a_number_that_is_not_a_reference() -> None:
    reply = await form_turn(ValidateApplicationStatusForm(), "reference_number", "12345")

    assert reply.only["response"] == "utter_reference_problem_letters"
    assert reply.only["reference"] == "12345"
    assert reply.slot_sets == {"reference_number": None}


@pytest.mark.parametrize("typed", ["civ 2026 00042", "CIV202600042", "CIV-٢٠٢٦-٠٠٠٤٢"])
async def test_status_form_normalises_a_typed_reference(typed: str) -> None:
    reply = await form_turn(ValidateApplicationStatusForm(), "reference_number", typed)

    assert reply.messages == []
    assert reply.slot_sets == {"reference_number": "CIV-2026-00042"}


async def test_status_form_takes_a_reference_inside_a_sentence() -> None:
    reply = await form_turn(
        ValidateApplicationStatusForm(), "reference_number", "it is civ 2026 00042 thanks"
    )

    assert reply.slot_sets == {"reference_number": "CIV-2026-00042"}


async def test_status_form_ignores_words_without_digits() -> None:
    reply = await form_turn(ValidateApplicationStatusForm(), "reference_number", "I lost it")

    assert reply.messages == []
    assert reply.slot_sets == {}


async def test_status_report_gives_every_seeded_application_its_registry_status(
    live_registry: LiveRegistry,
) -> None:
    assert APPLICATIONS
    for application in APPLICATIONS:
        reference = application["reference"]
        reply = await run_action(
            ActionReportApplicationStatus(), slots={"reference_number": reference}
        )

        message = reply.only
        assert message["response"] == "utter_application_status"
        assert message["status"] == STATUSES[application["status"]]["label"]["en"]
        assert message["service"] == SERVICES[application["service"]]["title"]["en"]
        assert message["office"] == OFFICES[application["office"]]["name"]["en"]
        # The office's note, not the status's general description too (it said it twice).
        note = application.get("note")
        status = STATUSES[application["status"]]
        assert message["details"] == (note or status["description"])["en"]
        assert (status["description"]["en"] in reply.text()) == (note is None)
        updated = application["updated_on"]
        assert f"Last update: {updated:%A}, {updated.day} {updated:%B %Y}." in reply.text()
        assert message["custom"] == {
            "service_id": application["service"],
            "topic": "application_status",
            "lang": "en",
        }
        assert reference in reply.text()
        assert reply.slot_sets == {
            "reference_number": None,
            "service_id": application["service"],
            "application_reference": reference,
        }


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "ok so which paper is still missing?"),
        ("fr", "il manque quel document exactement ?"),
        ("ar", "شنوة الوثيقة الناقصة؟"),
    ],
)
async def test_what_is_missing_after_a_status_is_that_applications_missing_document(
    live_registry: LiveRegistry, lang: str, text: str
) -> None:
    waiting = next(a for a in APPLICATIONS if a["status"] == "awaiting_documents")
    reply = await run_action(
        ActionAnswerServiceQuestion(),
        text=text,
        intent="ask_documents",
        slots={
            "application_reference": waiting["reference"],
            "service_id": waiting["service"],
            "lang": lang,
        },
    )

    assert reply.only["response"] == "utter_application_missing"
    assert reply.only["note"] == waiting["note"][lang]
    assert reply.only["custom"] == {
        "service_id": waiting["service"],
        "topic": "documents",
        "lang": lang,
    }
    assert waiting["reference"] in reply.text()


async def test_documents_asked_without_missing_get_the_services_list(
    live_registry: LiveRegistry,
) -> None:
    waiting = next(a for a in APPLICATIONS if a["status"] == "awaiting_documents")
    reply = await run_action(
        ActionAnswerServiceQuestion(),
        text="which documents do I need?",
        intent="ask_documents",
        slots={"application_reference": waiting["reference"], "service_id": "passport"},
    )

    assert reply.only["response"] == "utter_service_documents"


async def test_status_report_for_an_unknown_reference_says_not_found(
    live_registry: LiveRegistry,
) -> None:
    reply = await run_action(
        ActionReportApplicationStatus(), slots={"reference_number": "CIV-2026-99999"}
    )

    assert reply.only["response"] == "utter_application_not_found"
    assert reply.only["reference"] == "CIV-2026-99999"
    assert reply.only["custom"] == {}
    assert reply.slot_sets == {"reference_number": None}


async def test_a_question_while_the_status_form_waits_for_the_reference_is_answered(
    live_registry: LiveRegistry,
) -> None:
    reply = await form_turn(
        ValidateApplicationStatusForm(),
        "reference_number",
        "hmm before that, how long does it usually take?",
        intent="ask_processing_time",
        slots={"service_id": "building-permit"},
    )

    assert reply.only["custom"] == {
        "service_id": "building-permit",
        "topic": "processing_time",
        "lang": "en",
    }
    assert reply.slot_sets == {"topic": "processing_time"}  # the form asks for it again


async def test_a_status_request_that_names_a_service_puts_it_in_context() -> None:
    reply = await run_action(
        ValidateApplicationStatusForm(),
        text="where is my passport application?",
        intent="check_application_status",
        entities={"service": "passport"},
    )

    assert reply.slot_sets == {"service_id": "passport"}


def test_reference_candidate_is_found_in_eastern_arabic_digits() -> None:
    assert applications.reference_in("رقم CIV-٢٠٢٦-٠٠٠٤٢") == "CIV-2026-00042"


# Appointments --------------------------------------------------------------------------------


async def test_office_question_offers_buttons_for_offices_that_handle_the_service(
    live_registry: LiveRegistry,
) -> None:
    reply = await run_action(ActionAskOfficeId(), slots={"service_id": "passport"})

    assert reply.only["response"] == "utter_ask_office_id"
    expected = offices_handling("passport")
    assert expected
    assert set(reply.button_payloads) == {f'/inform{{"office_id": "{oid}"}}' for oid in expected}
    titles = {b["title"] for b in reply.only["buttons"]}
    for oid in expected:
        office = OFFICES[oid]
        assert f"{office['name']['en']} ({office['city']['en']})" in titles


async def test_date_question_offers_days_that_have_free_slots(
    live_registry: LiveRegistry,
) -> None:
    slots = {"service_id": "passport", "office_id": PASSPORT_OFFICE}
    reply = await run_action(ActionAskAppointmentDate(), slots=slots)

    assert reply.only["response"] == "utter_ask_appointment_date"
    payloads = reply.button_payloads
    assert 1 <= len(payloads) <= 6
    for payload in payloads:
        day = re.fullmatch(r'/inform\{"appointment_date": "(\d{4}-\d{2}-\d{2})"\}', payload)
        assert day, payload
        free = await registry.get_free_slots(PASSPORT_OFFICE, "passport", day=day.group(1))
        assert free[0]["times"]


async def test_date_buttons_show_the_day_with_its_weekday(live_registry: LiveRegistry) -> None:
    slots = {"service_id": "passport", "office_id": PASSPORT_OFFICE, "lang": "fr"}
    reply = await run_action(ActionAskAppointmentDate(), slots=slots)

    for button in reply.only["buttons"]:
        day = date.fromisoformat(re.search(r"\d{4}-\d{2}-\d{2}", button["payload"]).group())
        weekday = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."][day.weekday()]
        assert button["title"].startswith(f"{weekday} {day.day} "), button


@pytest.mark.parametrize(
    ("lang", "said", "yes", "no"),
    [
        ("en", "for the passport at ", "Yes, book it", "No, don't book"),
        ("fr", "le mardi 15 décembre 2026 (2026-12-15) à 09:30 ?", "Oui, réservez", "Non"),
        ("ar", "الثلاثاء، 15 ديسمبر 2026", "نعم، احجز الموعد", "لا، لا تحجز"),
    ],
)
async def test_the_booking_is_confirmed_with_the_weekday_and_buttons_in_words(
    live_registry: LiveRegistry, lang: str, said: str, yes: str, no: str
) -> None:
    slots = {**booking_slots("2026-12-15", "09:30", None), "lang": lang}
    reply = await run_action(ActionAskAppointmentConfirmed(), slots=slots)

    assert said in reply.text()
    buttons = variation("utter_ask_appointment_confirmed", lang)["buttons"]
    assert [b["payload"] for b in buttons] == ["/affirm", "/deny"]
    assert buttons[0]["title"] == yes and buttons[1]["title"].startswith(no)


async def test_appointment_form_accepts_an_office_button(live_registry: LiveRegistry) -> None:
    reply = await form_turn(
        ValidateAppointmentForm(),
        "office_id",
        f'/inform{{"office_id": "{PASSPORT_OFFICE}"}}',
        entities={"office_id": PASSPORT_OFFICE},
        slots={"service_id": "passport"},
    )

    assert reply.messages == []
    assert reply.slot_sets == {"office_id": PASSPORT_OFFICE}


async def test_appointment_form_rejects_an_office_that_does_not_handle_the_service(
    live_registry: LiveRegistry,
) -> None:
    other = sorted(set(OFFICES) - offices_handling("passport"))[0]
    reply = await form_turn(
        ValidateAppointmentForm(),
        "office_id",
        f'/inform{{"office_id": "{other}"}}',
        entities={"office_id": other},
        slots={"service_id": "passport"},
    )

    assert reply.only["response"] == "utter_office_not_understood"
    assert reply.slot_sets == {"office_id": None}


async def test_appointment_form_accepts_a_free_day_typed_by_the_citizen(
    live_registry: LiveRegistry,
) -> None:
    day, _ = await next_free_day(PASSPORT_OFFICE, "passport")
    reply = await form_turn(
        ValidateAppointmentForm(),
        "appointment_date",
        f"on {day} please",
        slots={"service_id": "passport", "office_id": PASSPORT_OFFICE},
    )

    assert reply.messages == []
    assert reply.slot_sets == {"appointment_date": day}


@pytest.mark.parametrize(
    ("typed", "response"),
    [("2020-01-06", "utter_date_not_bookable"), ("next blursday", "utter_date_not_understood")],
)
async def test_appointment_form_rejects_a_day_that_cannot_be_booked(
    live_registry: LiveRegistry, typed: str, response: str
) -> None:
    reply = await form_turn(
        ValidateAppointmentForm(),
        "appointment_date",
        typed,
        slots={"service_id": "passport", "office_id": PASSPORT_OFFICE},
    )

    assert reply.only["response"] == response
    assert reply.slot_sets == {"appointment_date": None}


@pytest.mark.parametrize(
    ("lang", "question", "intent"),
    [
        ("en", "quick question first: what does it cost?", "ask_fees"),
        ("fr", "attendez, c'est quoi les documents à fournir ?", "ask_documents"),
        ("ar", "استنى شوية، الخدمة هاذي تاخذ قداش من نهار؟", "ask_processing_time"),
    ],
)
async def test_a_question_while_the_form_waits_for_a_day_is_answered_for_the_booked_service(
    live_registry: LiveRegistry, lang: str, question: str, intent: str
) -> None:
    reply = await form_turn(
        ValidateAppointmentForm(),
        "appointment_date",
        question,
        intent=intent,
        slots={"service_id": "passport", "office_id": PASSPORT_OFFICE, "lang": lang},
    )

    topic = intent.removeprefix("ask_")
    # The answer alone: no "I did not understand that date".
    assert reply.only["response"] == f"utter_service_{topic}"
    assert reply.only["custom"] == {"service_id": "passport", "topic": topic, "lang": lang}
    # The form keeps its slots (and so asks for the day again).
    assert reply.slot_sets == {"topic": topic}


async def test_a_question_that_names_another_service_mid_booking_keeps_the_booking(
    live_registry: LiveRegistry,
) -> None:
    reply = await form_turn(
        ValidateAppointmentForm(),
        "appointment_time",
        "and how much is the identity card by the way?",
        intent="ask_fees",
        entities={"service": "national-id-card"},
        slots={"service_id": "passport", "office_id": PASSPORT_OFFICE, "lang": "en"},
    )

    assert reply.only["custom"]["service_id"] == "national-id-card"
    assert reply.slot_sets == {"topic": "fees"}  # the booking is still for the passport


async def test_a_date_is_an_answer_even_when_it_reads_like_a_question(
    live_registry: LiveRegistry,
) -> None:
    day, _ = await next_free_day(PASSPORT_OFFICE, "passport")
    reply = await form_turn(
        ValidateAppointmentForm(),
        "appointment_date",
        f"how long until {day}?",
        intent="ask_processing_time",
        slots={"service_id": "passport", "office_id": PASSPORT_OFFICE},
    )

    assert reply.slot_sets == {"appointment_date": day}


def refused_turn(text: str, error: str) -> list[dict[str, Any]]:
    """A turn of the past: the citizen's answer, the form's refusal, the question again."""
    return [
        {"event": "user", "text": text},
        {"event": "bot", "text": "...", "metadata": {"utter_action": error}},
        {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_ask_appointment_date"}},
    ]


async def test_a_second_refused_answer_to_one_question_offers_a_person_and_a_way_out(
    live_registry: LiveRegistry, fresh_contact_book: ContactBook
) -> None:
    await fresh_contact_book.refresh()
    booking = {"service_id": "passport", "office_id": PASSPORT_OFFICE}
    first = await form_turn(
        ValidateAppointmentForm(), "appointment_date", "next blursday", slots=booking
    )
    assert first.responses == ["utter_date_not_understood"]

    second = await form_turn(
        ValidateAppointmentForm(),
        "appointment_date",
        "the blursday after",
        slots=booking,
        history=refused_turn("next blursday", "utter_date_not_understood"),
    )
    assert second.responses == ["utter_date_not_understood", "utter_form_offer_person"]
    assert "+999" in second.text()
    buttons = variation("utter_form_offer_person", "en")["buttons"]
    assert [b["payload"] for b in buttons] == ["/request_human", "/restart"]


async def test_appointment_form_accepts_a_free_time(live_registry: LiveRegistry) -> None:
    day, times = await next_free_day(PASSPORT_OFFICE, "passport")
    wanted = times[1]
    reply = await form_turn(
        ValidateAppointmentForm(),
        "appointment_time",
        f"at {wanted.replace(':', 'h')}",
        slots={"service_id": "passport", "office_id": PASSPORT_OFFICE, "appointment_date": day},
    )

    assert reply.messages == []
    assert reply.slot_sets == {"appointment_time": wanted}


async def test_appointment_form_rejects_a_time_someone_already_booked(
    live_registry: LiveRegistry,
) -> None:
    day, times = await next_free_day(PASSPORT_OFFICE, "passport")
    await registry.book_appointment(
        PASSPORT_OFFICE, "passport", day, times[0], "someone", "en", "key-someone-0001"
    )

    reply = await form_turn(
        ValidateAppointmentForm(),
        "appointment_time",
        times[0],
        slots={"service_id": "passport", "office_id": PASSPORT_OFFICE, "appointment_date": day},
    )

    assert reply.only["response"] == "utter_time_not_available"
    assert reply.slot_sets == {"appointment_time": None}


@pytest.mark.parametrize("typed", ["03:00", "25:99", "whenever"])
async def test_appointment_form_rejects_an_invalid_time(
    live_registry: LiveRegistry, typed: str
) -> None:
    day, _ = await next_free_day(PASSPORT_OFFICE, "passport")
    reply = await form_turn(
        ValidateAppointmentForm(),
        "appointment_time",
        typed,
        slots={"service_id": "passport", "office_id": PASSPORT_OFFICE, "appointment_date": day},
    )

    assert reply.only["response"] == "utter_time_not_available"
    assert reply.slot_sets == {"appointment_time": None}


async def test_appointment_form_apologises_and_ends_when_the_registry_is_down(
    registry_down: str,
) -> None:
    reply = await form_turn(
        ValidateAppointmentForm(),
        "office_id",
        "the first one",
        entities={"office_id": PASSPORT_OFFICE},
        slots={"service_id": "passport"},
    )

    assert reply.responses == ["utter_registry_unavailable"]
    assert {"event": "active_loop", "name": None, "timestamp": None} in reply.events


def booking_slots(day: str, time_: str, confirmed: bool | None) -> dict[str, Any]:
    return {
        "service_id": "passport",
        "office_id": PASSPORT_OFFICE,
        "appointment_date": day,
        "appointment_time": time_,
        "appointment_confirmed": confirmed,
    }


async def test_confirmed_booking_creates_the_appointment_in_the_registry(
    live_registry: LiveRegistry,
) -> None:
    day, times = await next_free_day(PASSPORT_OFFICE, "passport")
    reply = await run_action(
        ActionBookAppointment(), intent="affirm", slots=booking_slots(day, times[2], True)
    )

    message = reply.only
    assert message["response"] == "utter_appointment_booked"
    reference = message["reference"]
    assert APPOINTMENT_REF.match(reference)
    assert reference in reply.text()
    assert message["custom"] == {"service_id": "passport", "topic": "appointment", "lang": "en"}
    stored = await registry.request("GET", f"/v1/appointments/{reference}", conversation_id=CITIZEN)
    assert stored["status"] == "booked"
    assert (stored["date"], stored["time"]) == (day, times[2])
    assert stored["office"]["identifier"] == PASSPORT_OFFICE
    assert stored["service"]["identifier"] == "passport"
    assert live_registry.rows("SELECT conversation_id FROM appointments") == [
        {"conversation_id": CITIZEN}
    ]
    assert reply.slot_sets == {
        "office_id": None,
        "appointment_date": None,
        "appointment_time": None,
        "appointment_confirmed": None,
        "appointment_reference": reference,
    }


async def test_declined_booking_books_nothing(live_registry: LiveRegistry) -> None:
    day, times = await next_free_day(PASSPORT_OFFICE, "passport")
    reply = await run_action(
        ActionBookAppointment(), intent="deny", slots=booking_slots(day, times[2], False)
    )

    assert reply.only["response"] == "utter_appointment_not_booked"
    assert live_registry.rows("SELECT * FROM appointments") == []
    free = await registry.get_free_slots(PASSPORT_OFFICE, "passport", day=day)
    assert times[2] in free[0]["times"]
    assert "appointment_reference" not in reply.slot_sets
    assert reply.slot_sets["appointment_confirmed"] is None


async def test_slot_taken_meanwhile_asks_for_another_time(live_registry: LiveRegistry) -> None:
    day, times = await next_free_day(PASSPORT_OFFICE, "passport")
    await registry.book_appointment(
        PASSPORT_OFFICE, "passport", day, times[2], "other", "en", "key-other-0001"
    )

    reply = await run_action(
        ActionBookAppointment(), intent="affirm", slots=booking_slots(day, times[2], True)
    )

    assert reply.only["response"] == "utter_slot_taken"
    assert {"event": "followup", "name": "appointment_form", "timestamp": None} in reply.events
    assert reply.slot_sets == {"appointment_time": None, "appointment_confirmed": None}
    assert len(live_registry.rows("SELECT * FROM appointments")) == 1  # only the other one


async def test_cancel_cancels_once_and_then_says_already_cancelled(
    live_registry: LiveRegistry,
) -> None:
    day, times = await next_free_day(PASSPORT_OFFICE, "passport")
    booked = await registry.book_appointment(
        PASSPORT_OFFICE, "passport", day, times[0], CITIZEN, "en", "key-citizen-0001"
    )
    reference = booked["reference"]

    first = await run_action(ActionCancelAppointment(), slots={"appointment_reference": reference})
    assert first.only["response"] == "utter_appointment_cancelled"
    weekday = f"{date.fromisoformat(day):%A}"  # the day said with its weekday
    assert first.only["date"].startswith(f"{weekday}, ")
    assert first.only["time"] == times[0]
    assert first.only["office"] == OFFICES[PASSPORT_OFFICE]["name"]["en"]
    assert reference in first.text()
    assert first.slot_sets == {"appointment_reference": None}
    stored = await registry.request("GET", f"/v1/appointments/{reference}", conversation_id=CITIZEN)
    assert stored["status"] == "cancelled"
    free = await registry.get_free_slots(PASSPORT_OFFICE, "passport", day=day)
    assert times[0] in free[0]["times"]  # the slot is free again

    second = await run_action(ActionCancelAppointment(), slots={"appointment_reference": reference})
    assert second.only["response"] == "utter_appointment_already_cancelled"
    assert second.slot_sets == {"appointment_reference": None}


async def test_cancel_of_an_unknown_reference_says_so(live_registry: LiveRegistry) -> None:
    reply = await run_action(
        ActionCancelAppointment(), slots={"appointment_reference": "APT-999999"}
    )

    assert reply.only["response"] == "utter_appointment_unknown"
    assert reply.only["reference"] == "APT-999999"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("apt 004217", "APT-004217"), ("APT004217", "APT-004217"), ("APT-٠٠٤٢١٧", "APT-004217")],
)
async def test_cancel_form_normalises_the_appointment_reference(typed: str, expected: str) -> None:
    reply = await form_turn(ValidateCancelAppointmentForm(), "appointment_reference", typed)

    assert reply.slot_sets == {"appointment_reference": expected}


async def test_cancel_form_explains_a_malformed_appointment_reference() -> None:
    reply = await form_turn(ValidateCancelAppointmentForm(), "appointment_reference", "4217")

    assert reply.only["response"] == "utter_appointment_reference_invalid"
    assert reply.slot_sets == {"appointment_reference": None}


# Handoff and feedback ------------------------------------------------------------------------


async def test_handoff_gives_a_ticket_number_and_passes_the_conversation(
    live_registry: LiveRegistry,
) -> None:
    history = [
        {"event": "user", "text": "how much is a passport"},
        {"event": "bot", "text": "What Passport costs: ..."},
    ]
    reply = await run_action(
        ActionHandoff(),
        text="I want to talk to a person",
        intent="request_human",
        slots={"service_id": "passport"},
        history=history,
    )

    assert reply.only["response"] == "utter_handoff_ticket"
    ticket = reply.only["ticket"]
    assert TICKET_REF.match(ticket)
    assert ticket in reply.text()
    [stored] = live_registry.rows("SELECT * FROM handoff_tickets")
    assert f"HT-{stored['id']:06d}" == ticket
    assert stored["conversation_id"] == CITIZEN
    assert stored["service_id"] == "passport"
    assert stored["summary"] == "how much is a passport\nI want to talk to a person"


async def test_handoff_says_when_agents_work_and_stores_what_the_citizen_adds(
    live_registry: LiveRegistry, fresh_contact_book: ContactBook
) -> None:
    await fresh_contact_book.refresh()
    for lang in ("en", "fr", "ar"):
        reply = await run_action(
            ActionHandoff(),
            text="a person please",
            intent="request_human",
            slots={"service_id": "old-age-pension", "lang": lang},
        )
        ticket = reply.only["ticket"]
        assert reply.slot_sets == {"handoff_ticket": ticket}
        agency = AGENCIES[SERVICES["old-age-pension"]["competent_authority"]]
        assert agency["phone"] in reply.text() and agency["phone_hours"][lang] in reply.text()

    details = "my pension stopped in March; you can call me on 0611 222 333 after 2 pm"
    form = await form_turn(ValidateHandoffDetailsForm(), "handoff_details", details)
    assert form.slot_sets == {"handoff_details": details}
    button = await form_turn(ValidateHandoffDetailsForm(), "handoff_details", "/restart")
    assert button.slot_sets == {}  # a button or a command is not a message for the agent
    question = await form_turn(
        ValidateHandoffDetailsForm(),
        "handoff_details",
        "meanwhile, how much is it?",
        intent="ask_fees",
        slots={"service_id": "old-age-pension"},
    )
    assert question.responses == ["utter_service_fees"]  # answered; the form asks again
    assert question.slot_sets == {"topic": "fees"}
    # With a way to reach them, it is for the agent, even in the words of a question.
    with_phone = "is it normal it stopped? call me 0611 222 333"
    stored = await form_turn(
        ValidateHandoffDetailsForm(), "handoff_details", with_phone, intent="ask_eligibility"
    )
    assert stored.slot_sets == {"handoff_details": with_phone}

    stored = await run_action(
        ActionStoreHandoffDetails(),
        text=details,
        slots={"handoff_ticket": ticket, "handoff_details": details, "lang": "ar"},
    )
    assert stored.only["response"] == "utter_handoff_details_stored"
    assert ticket in stored.text()
    assert stored.slot_sets == {"handoff_details": None}
    row = live_registry.rows("SELECT details FROM handoff_tickets WHERE id = ?", int(ticket[3:]))
    assert row == [{"details": details}]


async def test_handoff_works_after_a_very_long_message(live_registry: LiveRegistry) -> None:
    reply = await run_action(
        ActionHandoff(),
        text="talk to a human",
        intent="request_human",
        history=[{"event": "user", "text": "my story " * 600}],
    )

    assert reply.only["response"] == "utter_handoff_ticket"


async def test_feedback_rating_is_stored_and_thanked(live_registry: LiveRegistry) -> None:
    reply = await run_action(ActionStoreFeedback(), intent="inform", slots={"rating": "4"})

    assert reply.only["response"] == "utter_feedback_thanks"
    assert "4/5" in reply.text()
    assert reply.slot_sets == {"rating": None}
    rows = live_registry.rows("SELECT conversation_id, rating FROM feedback")
    assert rows == [{"conversation_id": CITIZEN, "rating": 4}]


@pytest.mark.parametrize(("typed", "rating"), [("4", "4"), ("٥ stars", "5"), ("9", None)])
async def test_feedback_form_reads_the_rating(typed: str, rating: str | None) -> None:
    reply = await form_turn(ValidateFeedbackForm(), "rating", typed)

    assert reply.slot_sets == {"rating": rating}
    assert reply.responses == ([] if rating else ["utter_rating_invalid"])


async def test_a_question_in_the_rating_form_is_answered_and_another_request_steps_aside(
    live_registry: LiveRegistry,
) -> None:
    question = await form_turn(
        ValidateFeedbackForm(),
        "rating",
        "oh and while I think of it, what does a passport cost?",
        intent="ask_fees",
        entities={"service": "passport"},
    )
    assert question.responses == ["utter_service_fees"]  # not "give a number from 1 to 5"
    assert question.slot_sets == {"topic": "fees"}

    other = await form_turn(
        ValidateFeedbackForm(),
        "rating",
        "actually I'd like to book an appointment",
        intent="book_appointment",
    )
    assert other.messages == [] and other.events == []  # Rasa's rules take the request


# When the registry fails ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "tracker_args", "slot_sets"),
    [
        (
            ActionAnswerServiceQuestion(),
            {"text": "passport fees", "intent": "ask_fees", "entities": {"service": "passport"}},
            {},
        ),
        (ActionHandoff(), {"text": "a human please", "intent": "request_human"}, {}),
        (
            ActionReportApplicationStatus(),
            {"slots": {"reference_number": "CIV-2026-00042"}},
            {"reference_number": None},
        ),
        (
            ActionAnswerLifeEvent(),
            {"text": "we had a baby", "entities": {"life_event": "having-a-baby"}},
            {},
        ),
        (ActionStoreFeedback(), {"slots": {"rating": "5"}}, {"rating": None}),
    ],
    ids=["service_question", "handoff", "application_status", "life_event", "feedback"],
)
async def test_registry_down_gets_an_apology_not_an_error(
    registry_down: str, action: Action, tracker_args: dict[str, Any], slot_sets: dict[str, Any]
) -> None:
    reply = await run_action(action, **tracker_args)

    assert reply.responses == ["utter_registry_unavailable"]
    assert reply.only["custom"] == {}
    assert reply.slot_sets == slot_sets


async def test_booking_with_registry_down_apologises_and_clears_the_booking(
    registry_down: str,
) -> None:
    reply = await run_action(
        ActionBookAppointment(), slots=booking_slots("2026-12-01", "09:00", True)
    )

    assert reply.responses == ["utter_registry_unavailable"]
    assert reply.slot_sets == {
        "office_id": None,
        "appointment_date": None,
        "appointment_time": None,
        "appointment_confirmed": None,
    }


async def test_fallback_still_answers_when_the_registry_is_down(registry_down: str) -> None:
    reply = await run_action(ActionFallback(), text="pasport", intent="nlu_fallback")

    assert reply.only["response"] == "utter_fallback"
    assert reply.only["custom"] == {"fallback": True, "lang": "en"}


async def test_fallback_reverts_the_message_even_when_the_registry_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reverting is what keeps the core fallback from repeating until Rasa's circuit breaker."""

    async def refuse(*args: Any, **kwargs: Any) -> Any:
        raise RegistryRejected(400, "bad_request", "q is wrong")

    monkeypatch.setattr(registry, "search_services", refuse)
    reply = await run_action(ActionFallback(), text="pasport", intent="nlu_fallback")

    assert reply.only["response"] == "utter_registry_unavailable"
    assert [e["event"] for e in reply.events] == ["rewind"]


async def test_slow_registry_gets_an_apology_within_a_few_seconds(
    stub_server: StubServer, monkeypatch: pytest.MonkeyPatch, shared_client: RegistryClient
) -> None:
    monkeypatch.setattr(registry, "base_url", f"{stub_server.url}/slow")
    monkeypatch.setattr(registry, "timeout", aiohttp.ClientTimeout(total=0.5))

    started = time.monotonic()
    reply = await run_action(
        ActionAnswerServiceQuestion(),
        text="passport fees",
        intent="ask_fees",
        entities={"service": "passport"},
    )

    assert time.monotonic() - started < 4
    assert reply.responses == ["utter_registry_unavailable"]
    assert stub_server.hits["GET"] == 3  # one try and two retries, each cut at 0.5 s


async def test_a_booking_that_timed_out_is_retried_as_the_same_confirmation_with_a_deadline(
    stub_server: StubServer, monkeypatch: pytest.MonkeyPatch, shared_client: RegistryClient
) -> None:
    """Retrying is safe: every attempt carries the same idempotency key (the registry books
    once) and a deadline after which the registry must not book (the citizen was told no)."""
    monkeypatch.setattr(registry, "base_url", stub_server.url)
    monkeypatch.setattr(registry, "timeout", aiohttp.ClientTimeout(total=0.5))

    started = time.time()
    reply = await run_action(
        ActionBookAppointment(), slots=booking_slots("2026-12-01", "09:00", True)
    )

    assert reply.responses == ["utter_registry_unavailable"]
    assert stub_server.hits["POST"] == 3
    keys = {h["Idempotency-Key"] for h in stub_server.booking_headers}
    assert len(keys) == 1 and len(keys.pop()) >= 8
    deadlines = [float(h["X-Request-Deadline"]) for h in stub_server.booking_headers]
    assert all(started < d < started + 10 for d in deadlines)
    assert deadlines == sorted(deadlines)


# The registry client -------------------------------------------------------------------------


@pytest.fixture
async def stub_client(stub_server: StubServer) -> AsyncIterator[RegistryClient]:
    client = RegistryClient(base_url=stub_server.url, timeout_seconds=2)
    yield client
    await client.close()


async def test_client_retries_a_get_after_a_server_error(
    stub_server: StubServer, stub_client: RegistryClient
) -> None:
    services = await stub_client.search_services("passport", "en")

    assert [s["identifier"] for s in services] == ["passport"]
    assert stub_server.hits["GET"] == 2


async def test_client_never_retries_a_post(
    stub_server: StubServer, stub_client: RegistryClient
) -> None:
    with pytest.raises(RegistryUnavailable):
        await stub_client.add_feedback(CITIZEN, 5)

    assert stub_server.hits["POST"] == 1


async def test_client_retries_a_cancellation_after_a_server_error(
    stub_server: StubServer, stub_client: RegistryClient
) -> None:
    cancelled = await stub_client.cancel_appointment("APT-004217", CITIZEN, "en")

    assert cancelled["status"] == "cancelled"
    assert stub_server.hits["DELETE"] == 2


async def test_client_returns_none_for_an_unknown_service(live_registry: LiveRegistry) -> None:
    assert await registry.get_service("no-such-service", "en") is None


# Security and faults (issue: an appointment belongs to its conversation; no ghost bookings;
# the apology gives a way to reach a person that does not need the registry) ------------------


async def test_another_conversation_cannot_cancel_an_appointment(
    live_registry: LiveRegistry,
) -> None:
    day, times = await next_free_day(PASSPORT_OFFICE, "passport")
    booked = await registry.book_appointment(
        PASSPORT_OFFICE, "passport", day, times[0], CITIZEN, "en", "key-citizen-0002"
    )
    reply = await run_action(
        ActionCancelAppointment(),
        slots={"appointment_reference": booked["reference"]},
        sender_id="telegram-intruder",
    )

    assert reply.only["response"] == "utter_appointment_unknown"
    [row] = live_registry.rows("SELECT status FROM appointments")
    assert row["status"] == "booked"


async def test_the_same_confirmation_run_twice_books_once(live_registry: LiveRegistry) -> None:
    day, times = await next_free_day(PASSPORT_OFFICE, "passport")
    confirmation = {"event": "user", "text": "yes", "timestamp": 1764620000.5}
    first, again = [
        await run_action(
            ActionBookAppointment(),
            intent="affirm",
            slots=booking_slots(day, times[1], True),
            history=[confirmation],
        )
        for _ in range(2)
    ]

    assert first.only["reference"] == again.only["reference"]
    assert len(live_registry.rows("SELECT * FROM appointments")) == 1


async def test_with_the_registry_down_the_apology_gives_the_agencys_number_and_hours(
    live_registry: LiveRegistry, monkeypatch: pytest.MonkeyPatch, fresh_contact_book: ContactBook
) -> None:
    await fresh_contact_book.refresh()  # what the action server read while the registry was up
    monkeypatch.setattr(registry, "base_url", f"http://127.0.0.1:{unused_port()}")
    agency = AGENCIES[SERVICES["passport"]["competent_authority"]]

    for lang in ("en", "fr", "ar"):
        reply = await run_action(
            ActionHandoff(), slots={"service_id": "passport", "lang": lang}, text="a person"
        )
        message = reply.only
        assert message["response"] == "utter_registry_unavailable_with_contacts"
        assert agency["phone"] in message["contacts"]
        assert agency["phone_hours"][lang] in message["contacts"]
        assert agency["name"][lang] in message["contacts"]
        assert message["minutes"] > 0


async def test_a_refusal_inside_a_form_gets_an_apology_not_silence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def refuse(*args: Any, **kwargs: Any) -> Any:
        raise RegistryRejected(400, "invalid_input", "date must be between ...")

    monkeypatch.setattr(registry, "get_free_slots", refuse)
    reply = await form_turn(
        ValidateAppointmentForm(),
        "appointment_time",
        "09:00",
        slots={"service_id": "passport", "office_id": PASSPORT_OFFICE, "appointment_date": "x"},
    )

    assert reply.responses == ["utter_registry_unavailable"]
    assert {"event": "active_loop", "name": None, "timestamp": None} in reply.events


# Understanding: a choice between two close services, the situation of a procedure offered ----


async def test_two_close_services_are_offered_as_a_choice(live_registry: LiveRegistry) -> None:
    reply = await run_action(
        ActionAnswerServiceQuestion(),
        intent="ask_fees",
        entities={"service": "passport", "service_alternative": "national-id-card"},
    )

    message = reply.only
    assert message["response"] == "utter_did_you_mean"
    assert (message["first"], message["second"]) == (
        SERVICES["passport"]["title"]["en"],
        SERVICES["national-id-card"]["title"]["en"],
    )
    assert reply.button_payloads == [
        '/ask_fees{"service": "passport"}',
        '/ask_fees{"service": "national-id-card"}',
    ]
    assert message["custom"]["clarify"] is True
    assert "service_id" not in reply.slot_sets  # nothing chosen yet


async def test_a_procedure_told_in_a_situation_offers_the_situation_as_a_button(
    live_registry: LiveRegistry,
) -> None:
    reply = await run_action(
        ActionAnswerServiceQuestion(),
        text="my mother passed away last night, where do I declare the death?",
        intent="ask_offices",
        entities={"service": "death-registration"},
    )

    assert reply.only["response"] == "utter_service_offices"
    assert reply.button_payloads == ['/life_event{"life_event": "death-of-a-relative"}']
    plain = await run_action(
        ActionAnswerServiceQuestion(), intent="ask_fees", entities={"service": "passport"}
    )
    assert plain.button_payloads == []  # no situation told: nothing offered


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
async def test_an_answer_reads_in_the_conversations_language(
    live_registry: LiveRegistry, lang: str
) -> None:
    reply = await run_action(
        ActionAnswerServiceQuestion(),
        intent="ask_fees",
        entities={"service": "passport"},
        slots={"lang": lang},
    )

    said = reply.text().casefold()  # "Fees for the passport"
    assert SERVICES["passport"]["title"][lang].casefold() in said
    others = {"en", "fr", "ar"} - {lang}
    assert not any(SERVICES["passport"]["title"][o].casefold() in said for o in others)
