"""HTTP handlers of the registry API (v1). Each validates its input and answers JSON."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from rdflib import Graph

from common.conversation import CONVERSATION_TAG, CONVERSATION_TAG_HEADER, DEADLINE_HEADER
from common.references import APPLICATION_REFERENCE, APPOINTMENT_REFERENCE

from . import linked_data
from .app_keys import CATALOGUE, LINKED_DATA_CACHE, OPENAPI, REQUEST_LOG, SETTINGS, STORE
from .catalogue import Catalogue, localise, normalise
from .config import Settings
from .schedule import distance_km, is_open, slot_times
from .store import SlotTaken
from .validation import (
    ApiError,
    AppointmentRequest,
    FeedbackRequest,
    TicketDetailsRequest,
    TicketRequest,
    bad_request,
    conversation_of,
    idempotency_key_of,
    iso_date,
    parse_date,
    parse_datetime,
    preferred_media_type,
    query_bool,
    query_float,
    query_int,
    query_lang,
    read_body,
)

# Free text that names a place (a citizen's message): long enough for a sentence.
MAX_NEAR_TEXT = 500


def catalogue_of(request: web.Request) -> Catalogue:
    return request.app[CATALOGUE].get()


def country_now(catalogue: Catalogue) -> datetime:
    return datetime.now(ZoneInfo(catalogue.country["timezone"])).replace(tzinfo=None)


def known(ids: dict[str, Any], identifier: str, what: str, field: str | None = None) -> None:
    if identifier not in ids:
        detail = {"field": field} if field else {}
        status = 400 if field else 404
        raise ApiError(
            status, f"unknown_{what}", f"no {what} with identifier {identifier!r}", **detail
        )


def country_notice(catalogue: Catalogue, lang: str) -> dict[str, Any]:
    country = catalogue.country
    return {
        "name": localise(country["name"], lang),
        "fictional": country["fictional"],
        "notice": localise(country["notice"], lang),
    }


async def health(request: web.Request) -> web.Response:
    catalogue = catalogue_of(request)
    return web.json_response(
        {
            "status": "ok",
            "services": len(catalogue.services),
            "country": country_notice(catalogue, "en"),
        }
    )


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(with_catalogue_ids(request.app[OPENAPI], catalogue_of(request)))


def with_catalogue_ids(document: Any, catalogue: Catalogue) -> Any:
    """The API document with the catalogue's current identifiers as the enum of every schema
    marked x-catalogue-ids (so clients and API fuzzers know which values exist)."""
    ids: dict[str, list[Any]] = {
        "services": sorted(catalogue.services),
        "agencies": sorted(catalogue.agencies),
        "life_events": sorted(catalogue.life_events),
        "offices": sorted(catalogue.offices),
    }

    def fill(node: Any) -> Any:
        if isinstance(node, list):
            return [fill(item) for item in node]
        if not isinstance(node, dict):
            return node
        filled = {key: fill(value) for key, value in node.items()}
        kind = node.get("x-catalogue-ids")
        if kind:
            filled["enum"] = ids[kind] + ([None] if node.get("nullable") else [])
        return filled

    return fill(document)


async def request_log(request: web.Request) -> web.Response:
    """Recent requests (masked), optionally of one conversation, after a sequence number."""
    conversation = request.query.get("conversation")
    if conversation is not None and not CONVERSATION_TAG.match(conversation):
        raise bad_request("conversation must be a tag of 16 lowercase hex digits", "conversation")
    after = query_int(request, "after", 0, 0, 2**53)
    limit = query_int(request, "limit", 100, 1, 500)
    entries = request.app[REQUEST_LOG].entries(conversation, after, limit)
    return web.json_response({"requests": entries})


async def list_services(request: web.Request) -> web.Response:
    catalogue = catalogue_of(request)
    lang = query_lang(request)
    limit = query_int(request, "limit", 50, 1, 100)
    agency = request.query.get("agency")
    life_event = request.query.get("life_event")
    query = request.query.get("q", "")
    if len(query) > 500:
        raise bad_request("q must be at most 500 characters", "q")
    if agency is not None:
        known(catalogue.agencies, agency, "agency", "agency")
    if life_event is not None:
        known(catalogue.life_events, life_event, "life_event", "life_event")

    if query.strip():
        ranked = catalogue.search_services(query)
    else:
        ranked = [(sid, None) for sid in sorted(catalogue.services)]
    services = []
    for service_id, score in ranked:
        service = catalogue.services[service_id]
        if agency and service["competent_authority"] != agency:
            continue
        if life_event and service_id not in catalogue.life_events[life_event]["services"]:
            continue
        summary = catalogue.service_summary(service_id, lang)
        if score is not None:
            summary["score"] = score
        services.append(summary)
    return web.json_response(
        {
            "country": country_notice(catalogue, lang),
            "lang": lang,
            "count": len(services[:limit]),
            "services": services[:limit],
        }
    )


async def get_service(request: web.Request) -> web.Response:
    """JSON in one language, or the service as CPSV-AP linked data (all its languages) when
    the Accept header prefers JSON-LD or Turtle."""
    catalogue = catalogue_of(request)
    lang = query_lang(request)
    service_id = request.match_info["service_id"]
    known(catalogue.services, service_id, "service")
    media_type = acceptable(request, (JSON, linked_data.JSON_LD, linked_data.TURTLE))
    if media_type != JSON:
        base = base_uri(request)
        body = published(
            request,
            ("service", service_id, media_type),
            lambda _: linked_data.serialise(
                linked_data.service_graph(catalogue_rdf(request), base, service_id), media_type
            ),
        )
        return rdf_response(body, media_type)
    return web.json_response({"lang": lang, **catalogue.service_detail(service_id, lang)})


# Linked data (CPSV-AP 3.2.0, DCAT-AP) ------------------------------------------------------

JSON = "application/json"
RDF_TYPES = (linked_data.JSON_LD, linked_data.TURTLE)
EXTENSIONS = {"jsonld": linked_data.JSON_LD, "ttl": linked_data.TURTLE}


def base_uri(request: web.Request) -> str:
    return request.app[SETTINGS].base_uri


def acceptable(request: web.Request, offered: tuple[str, ...]) -> str:
    media_type = preferred_media_type(request.headers.get("Accept", ""), offered)
    if media_type is None:
        raise ApiError(406, "not_acceptable", f"this resource is available as {', '.join(offered)}")
    return media_type


def rdf_response(body: str, media_type: str) -> web.Response:
    return web.Response(
        text=body, content_type=media_type, headers={"Vary": "Accept"}, charset="utf-8"
    )


def published(request: web.Request, key: Any, build: Any) -> Any:
    """What the linked data endpoints publish (the catalogue's graph, the documents serialised
    from it), built once per version of the catalogue: build(catalogue) on first use."""
    catalogue = catalogue_of(request)
    cache = request.app[LINKED_DATA_CACHE]
    if cache.get("catalogue") is not catalogue:  # the files changed: build again
        cache.clear()
        cache["catalogue"] = catalogue
    if key not in cache:
        cache[key] = build(catalogue)
    return cache[key]


def catalogue_rdf(request: web.Request) -> Graph:
    base = base_uri(request)
    return published(request, "graph", lambda c: linked_data.catalogue_graph(c, base))


async def get_catalogue(request: web.Request) -> web.Response:
    """The whole catalogue as CPSV-AP linked data: /v1/catalogue with content negotiation,
    or /v1/catalogue.jsonld and /v1/catalogue.ttl."""
    extension = request.match_info.get("extension")
    if extension is not None and extension not in EXTENSIONS:
        raise ApiError(404, "not_found", "the catalogue is at .jsonld or .ttl")
    media_type = EXTENSIONS[extension] if extension else acceptable(request, RDF_TYPES)
    body = published(
        request,
        ("catalogue", media_type),
        lambda _: linked_data.serialise(catalogue_rdf(request), media_type),
    )
    return rdf_response(body, media_type)


async def get_dataset_description(request: web.Request) -> web.Response:
    """DCAT-AP: the catalogue as an open dataset (publisher, licence, distributions)."""
    media_type = acceptable(request, RDF_TYPES)
    base, modified = base_uri(request), request.app[CATALOGUE].modified()
    body = published(
        request,
        ("dataset", media_type),
        lambda c: linked_data.serialise(
            linked_data.dcat_description(c, base, modified), media_type
        ),
    )
    return rdf_response(body, media_type)


async def list_agencies(request: web.Request) -> web.Response:
    catalogue = catalogue_of(request)
    lang = query_lang(request)
    agencies = [localise(agency, lang) for agency in catalogue.agencies.values()]
    return web.json_response({"lang": lang, "count": len(agencies), "agencies": agencies})


async def get_agency(request: web.Request) -> web.Response:
    catalogue = catalogue_of(request)
    lang = query_lang(request)
    agency_id = request.match_info["agency_id"]
    known(catalogue.agencies, agency_id, "agency")
    services = [
        catalogue.service_reference(sid, lang)
        for sid, service in catalogue.services.items()
        if service["competent_authority"] == agency_id
    ]
    agency = localise(catalogue.agencies[agency_id], lang)
    return web.json_response({"lang": lang, **agency, "services": services})


async def list_life_events(request: web.Request) -> web.Response:
    catalogue = catalogue_of(request)
    lang = query_lang(request)
    query = request.query.get("q", "")
    if len(query) > 500:
        raise bad_request("q must be at most 500 characters", "q")
    if query.strip():
        ranked = catalogue.search_life_events(query)
    else:
        ranked = [(eid, None) for eid in catalogue.life_events]
    events = []
    for event_id, score in ranked:
        event = catalogue.life_events[event_id]
        item = {
            "identifier": event_id,
            "title": localise(event["title"], lang),
            "description": localise(event["description"], lang),
        }
        if score is not None:
            item["score"] = score
        events.append(item)
    return web.json_response({"lang": lang, "count": len(events), "life_events": events})


async def get_life_event(request: web.Request) -> web.Response:
    catalogue = catalogue_of(request)
    lang = query_lang(request)
    event_id = request.match_info["event_id"]
    known(catalogue.life_events, event_id, "life_event")
    return web.json_response({"lang": lang, **catalogue.life_event_detail(event_id, lang)})


async def list_offices(request: web.Request) -> web.Response:
    catalogue = catalogue_of(request)
    lang = query_lang(request)
    limit = query_int(request, "limit", 20, 1, 100)
    service_id = request.query.get("service")
    if service_id is not None:
        known(catalogue.services, service_id, "service", "service")
    lat = query_float(request, "lat", -90.0, 90.0)
    lon = query_float(request, "lon", -180.0, 180.0)
    if (lat is None) != (lon is None):
        raise bad_request("give both lat and lon, or neither", "lat" if lat is None else "lon")
    city = normalise(request.query.get("city", ""))
    near_text = request.query.get("near")
    near_city = None
    if near_text is not None:
        if len(near_text) > MAX_NEAR_TEXT:
            raise bad_request(f"near is at most {MAX_NEAR_TEXT} characters", "near")
        place = catalogue.place_named_in(near_text)
        if place is not None and lat is None:
            names, lat, lon = place
            near_city = localise(names, lang)
    open_now = query_bool(request, "open_now")
    at_raw = request.query.get("at")
    moment = parse_datetime(at_raw, "at") if at_raw is not None else country_now(catalogue)

    offices = []
    for office_id, office in catalogue.offices.items():
        if service_id and service_id not in office["services"]:
            continue
        if city and city not in {normalise(name) for name in office["city"].values()}:
            continue
        currently_open = is_open(office, moment)
        if open_now and not currently_open:
            continue
        view = catalogue.office_view(office_id, lang)
        view["open_now"] = currently_open
        if lat is not None and lon is not None:
            view["distance_km"] = round(
                distance_km(lat, lon, office["latitude"], office["longitude"]), 2
            )
        offices.append(view)
    if lat is not None:
        offices.sort(key=lambda o: o["distance_km"])
    return web.json_response(
        {
            "lang": lang,
            "at": moment.isoformat(timespec="minutes"),
            "near_city": near_city,
            "count": len(offices[:limit]),
            "offices": offices[:limit],
        }
    )


async def get_office(request: web.Request) -> web.Response:
    catalogue = catalogue_of(request)
    lang = query_lang(request)
    office_id = request.match_info["office_id"]
    known(catalogue.offices, office_id, "office")
    view = catalogue.office_view(office_id, lang)
    view["open_now"] = is_open(catalogue.offices[office_id], country_now(catalogue))
    return web.json_response({"lang": lang, **view})


def check_bookable(
    catalogue: Catalogue, settings: Settings, office_id: str, service_id: str, day: date
) -> list[str]:
    """The slot times of that office on that day, after checking the request makes sense."""
    office = catalogue.offices[office_id]
    if service_id not in office["services"]:
        raise bad_request(f"office {office_id!r} does not handle service {service_id!r}", "service")
    now = country_now(catalogue)
    today = now.date()
    last = today + timedelta(days=settings.booking_horizon_days)
    if not today <= day <= last:
        raise bad_request(f"date must be between {today} and {last}", "date")
    return [
        t
        for t in slot_times(office, day, settings.slot_minutes)
        if datetime.combine(day, datetime.strptime(t, "%H:%M").time()) > now
    ]


async def list_slots(request: web.Request) -> web.Response:
    catalogue = catalogue_of(request)
    settings = request.app[SETTINGS]
    office_id = request.match_info["office_id"]
    known(catalogue.offices, office_id, "office")
    service_id = request.query.get("service")
    if not service_id:
        raise bad_request("service is required", "service")
    known(catalogue.services, service_id, "service", "service")
    if "date" in request.query:
        days = [parse_date(request.query["date"], "date")]
    else:
        days_ahead = query_int(request, "days", 7, 1, settings.booking_horizon_days)
        today = country_now(catalogue).date()
        days = [today + timedelta(days=n) for n in range(days_ahead)]
    store = request.app[STORE]
    result = []
    for day in days:
        times = check_bookable(catalogue, settings, office_id, service_id, day)
        booked = await store.booked_times(office_id, day.isoformat())
        free = [t for t in times if t not in booked]
        if free or len(days) == 1:
            result.append({"date": day.isoformat(), "times": free})
    return web.json_response(
        {
            "office_id": office_id,
            "service_id": service_id,
            "slot_minutes": settings.slot_minutes,
            "days": result,
        }
    )


def application_reference(request: web.Request) -> str:
    reference = request.match_info["reference"].strip().upper()
    if not APPLICATION_REFERENCE.match(reference):
        raise bad_request(
            "a reference number is three letters, the year and five digits, like CIV-2026-00042",
            "reference",
        )
    return reference


async def get_application(request: web.Request) -> web.Response:
    catalogue = catalogue_of(request)
    lang = query_lang(request)
    reference = application_reference(request)
    application = await request.app[STORE].get_application(reference)
    if application is None:
        raise ApiError(404, "unknown_application", "no application with that reference number")
    service_id, office_id, status = (
        application["service_id"],
        application["office_id"],
        application["status"],
    )
    return web.json_response(
        {
            "lang": lang,
            "reference": reference,
            "service": {
                "identifier": service_id,
                "title": label_of(catalogue.services, service_id, "title", lang),
            },
            "office": {
                "identifier": office_id,
                "name": label_of(catalogue.offices, office_id, "name", lang),
            },
            "status": status,
            "status_label": label_of(catalogue.statuses, status, "label", lang),
            "status_description": label_of(catalogue.statuses, status, "description", lang),
            "submitted_on": application["submitted_on"],
            "updated_on": application["updated_on"],
            "note": localise(application["note"], lang),
        }
    )


def label_of(records: dict[str, Any], identifier: str, key: str, lang: str) -> str:
    """A record's text in lang; its identifier if a catalogue edit has removed the record
    that a stored application or appointment still points to."""
    record = records.get(identifier)
    return localise(record[key], lang) if record else identifier


def appointment_view(
    catalogue: Catalogue, appointment: dict[str, Any], lang: str
) -> dict[str, Any]:
    office = catalogue.offices.get(appointment["office_id"])
    view = {key: appointment[key] for key in ("reference", "date", "time", "status")}
    view["service"] = {
        "identifier": appointment["service_id"],
        "title": label_of(catalogue.services, appointment["service_id"], "title", lang),
    }
    view["office"] = {
        "identifier": appointment["office_id"],
        "name": label_of(catalogue.offices, appointment["office_id"], "name", lang),
        "address": localise(office["address"], lang) if office else None,
    }
    return view


def appointment_reference(request: web.Request) -> str:
    reference = request.match_info["reference"].strip().upper()
    if not APPOINTMENT_REFERENCE.match(reference):
        raise bad_request("an appointment reference looks like APT-004217", "reference")
    return reference


def deadline_passed(request: web.Request) -> bool:
    """Whether the caller's deadline for this write (unix time) has passed: a caller that
    gave up waiting has told the citizen nothing was done, so nothing must be done."""
    raw = request.headers.get(DEADLINE_HEADER)
    if raw is None:
        return False
    try:
        deadline = float(raw)
    except ValueError:
        raise bad_request(f"{DEADLINE_HEADER} must be a unix time", DEADLINE_HEADER) from None
    return time.time() > deadline


async def book_appointment(request: web.Request) -> web.Response:
    catalogue = catalogue_of(request)
    lang = query_lang(request)
    body: AppointmentRequest = await read_body(request, AppointmentRequest)
    key = idempotency_key_of(request)
    known(catalogue.offices, body.office_id, "office", "office_id")
    known(catalogue.services, body.service_id, "service", "service_id")
    store = request.app[STORE]
    if key is not None:  # the same confirmation again: answer with what it made
        made = await store.appointment_for_key(body.conversation_id, key)
        if made is not None:
            return web.json_response(appointment_view(catalogue, made, lang))
    day = iso_date(body.date)
    times = check_bookable(catalogue, request.app[SETTINGS], body.office_id, body.service_id, day)
    if body.time not in times:
        raise bad_request(f"{body.time} is not an appointment slot of that office on {day}", "time")
    if deadline_passed(request):
        raise ApiError(409, "deadline_passed", "the request arrived after its deadline; not booked")
    try:
        appointment, made_now = await store.book_appointment(
            body.office_id, body.service_id, day.isoformat(), body.time, body.conversation_id, key
        )
    except SlotTaken:
        raise ApiError(
            409, "slot_taken", "that slot has just been booked; choose another"
        ) from None
    view = appointment_view(catalogue, appointment, lang)
    return web.json_response(view, status=201 if made_now else 200)


async def get_appointment(request: web.Request) -> web.Response:
    catalogue = catalogue_of(request)
    lang = query_lang(request)
    reference = appointment_reference(request)
    appointment = await request.app[STORE].get_appointment(reference, conversation_of(request))
    if appointment is None:
        raise unknown_appointment()
    return web.json_response(appointment_view(catalogue, appointment, lang))


def unknown_appointment() -> ApiError:
    # The same answer for a reference that does not exist and one of another conversation.
    return ApiError(
        404, "unknown_appointment", "no appointment with that reference in this conversation"
    )


async def cancel_appointment(request: web.Request) -> web.Response:
    catalogue = catalogue_of(request)
    lang = query_lang(request)
    reference = appointment_reference(request)
    conversation = conversation_of(request)
    store = request.app[STORE]
    appointment = await store.get_appointment(reference, conversation)
    if appointment is None:
        raise unknown_appointment()
    if not await store.cancel_appointment(reference, conversation):
        raise ApiError(409, "already_cancelled", "that appointment was already cancelled")
    appointment = await store.get_appointment(reference, conversation)
    assert appointment is not None
    return web.json_response(appointment_view(catalogue, appointment, lang))


async def create_ticket(request: web.Request) -> web.Response:
    catalogue = catalogue_of(request)
    body: TicketRequest = await read_body(request, TicketRequest)
    if body.service_id is not None:
        known(catalogue.services, body.service_id, "service", "service_id")
    ticket = await request.app[STORE].create_ticket(
        body.conversation_id, body.service_id, body.lang, body.summary
    )
    return web.json_response(ticket, status=201)


async def add_ticket_details(request: web.Request) -> web.Response:
    """What the citizen tells the agent, on a ticket of the caller's conversation."""
    conversation = conversation_of(request)
    body: TicketDetailsRequest = await read_body(request, TicketDetailsRequest)
    added = await request.app[STORE].add_ticket_details(
        request.match_info["ticket"], conversation, body.details
    )
    if added is None:
        # The same answer for a ticket that does not exist and one of another conversation.
        raise ApiError(404, "unknown_ticket", "no handoff ticket with that number here")
    return web.json_response(added)


async def add_feedback(request: web.Request) -> web.Response:
    body: FeedbackRequest = await read_body(request, FeedbackRequest)
    feedback = await request.app[STORE].add_feedback(
        body.conversation_id, body.rating, body.comment
    )
    return web.json_response(feedback, status=201)


async def forget_conversation(request: web.Request) -> web.Response:
    """Erase what the registry stores about one conversation (a citizen's /forget)."""
    conversation = conversation_of(request)
    tag = request.headers.get(CONVERSATION_TAG_HEADER)
    if tag is not None and not CONVERSATION_TAG.match(tag):
        raise bad_request(
            f"{CONVERSATION_TAG_HEADER} must be 16 lowercase hex digits", CONVERSATION_TAG_HEADER
        )
    erased = await request.app[STORE].forget_conversation(conversation)
    if tag is not None:
        erased["request_log_entries_deleted"] = request.app[REQUEST_LOG].forget(tag)
    return web.json_response({"forgotten": True, **erased})
