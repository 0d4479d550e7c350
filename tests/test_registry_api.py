"""Behaviour of the service registry's HTTP API (registry/routes.py), endpoint by endpoint.

Every test talks to a real app (real catalogue files, real SQLite database) through
pytest-aiohttp's test client. Expected values are read from the test's own copy of the
catalogue, so the tests follow the data instead of hard-coding it.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import yaml
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from aiohttp.web import Application
from registry_access import CITIZEN, CITIZEN_HEADERS
from yarl import URL

from registry.app import create_app
from registry.config import Settings

AiohttpClient = Callable[[Application], Awaitable[TestClient]]
Json = dict[str, Any]

TZ = ZoneInfo("Africa/Tunis")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HORIZON_DAYS = 60
SLOT_MINUTES = 30
BOOKED_SERVICE = "passport"

APPOINTMENT_REF = re.compile(r"^APT-\d{6}$")
TICKET_REF = re.compile(r"^HT-\d{6}$")
SQL_INJECTIONS = ("x' OR '1'='1", "'; DROP TABLE appointments; --")


# Helpers -------------------------------------------------------------------------------


YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=YamlLoader)  # a safe loader


def today() -> date:
    return datetime.now(TZ).date()


def slot_times_of(office: Json, day: date) -> list[str]:
    """The appointment start times the office's opening hours allow on that day."""
    times: list[str] = []
    for span in office["opening_hours"][WEEKDAYS[day.weekday()]]:
        start, end = (datetime.combine(day, time.fromisoformat(t)) for t in span.split("-"))
        while start + timedelta(minutes=SLOT_MINUTES) <= end:
            times.append(start.strftime("%H:%M"))
            start += timedelta(minutes=SLOT_MINUTES)
    return times


def next_open_weekday(office: Json) -> date:
    """The first Monday-to-Friday from tomorrow on (so no slot is already past) with slots."""
    day = today() + timedelta(days=1)
    while day.weekday() >= 5 or not slot_times_of(office, day):
        day += timedelta(days=1)
    assert day <= today() + timedelta(days=HORIZON_DAYS), "no open weekday within the horizon"
    return day


def next_weekday(weekday: int) -> date:
    """The next date (from tomorrow on) that falls on weekday (0 = Monday)."""
    day = today() + timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def table_contents(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read with a separate connection (committed data only)."""
    with closing(sqlite3.connect(database)) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            table: sorted(connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in sorted(tables)
        }


async def expect_json(response: ClientResponse, status: int) -> Json:
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    return await response.json()


async def expect_error(response: ClientResponse, status: int, field: str | None = None) -> Json:
    body = await expect_json(response, status)
    assert set(body) == {"error"}
    assert body["error"]["code"] and body["error"]["message"]
    if field is not None:
        assert body["error"].get("field") == field, body
    return body["error"]


# Fixtures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    office_id: str
    service_id: str
    date: str
    time: str

    def body(self, **changes: Any) -> Json:
        return {
            "office_id": self.office_id,
            "service_id": self.service_id,
            "date": self.date,
            "time": self.time,
            "conversation_id": CITIZEN,
            **changes,
        }


@pytest.fixture
def services(catalogue_dir: Path) -> dict[str, Json]:
    return {p.stem: read_yaml(p) for p in sorted((catalogue_dir / "services").glob("*.yml"))}


@pytest.fixture
def offices(catalogue_dir: Path) -> dict[str, Json]:
    return {o["identifier"]: o for o in read_yaml(catalogue_dir / "offices.yml")}


@pytest.fixture
def life_events(catalogue_dir: Path) -> dict[str, Json]:
    return {e["identifier"]: e for e in read_yaml(catalogue_dir / "life_events.yml")}


@pytest.fixture
def applications(catalogue_dir: Path) -> list[Json]:
    return read_yaml(catalogue_dir / "applications.yml")


@pytest.fixture
def booking_office(offices: dict[str, Json]) -> Json:
    return next(o for o in offices.values() if BOOKED_SERVICE in o["services"])


@pytest.fixture
def slot(booking_office: Json) -> Slot:
    """A slot in the future, on a weekday the office is open, within the booking horizon."""
    day = next_open_weekday(booking_office)
    assert {"09:00", "10:00"} <= set(slot_times_of(booking_office, day)), "pick other times"
    return Slot(booking_office["identifier"], BOOKED_SERVICE, day.isoformat(), "09:00")


async def free_times(client: TestClient, slot: Slot) -> list[str]:
    response = await client.get(
        f"/v1/offices/{slot.office_id}/slots",
        params={"service": slot.service_id, "date": slot.date},
    )
    body = await expect_json(response, 200)
    [day] = body["days"]
    assert day["date"] == slot.date
    return day["times"]


async def book(client: TestClient, slot: Slot) -> Json:
    return await expect_json(await client.post("/v1/appointments", json=slot.body()), 201)


# Health and API description ------------------------------------------------------------


async def test_health_reports_ok_catalogue_size_and_fictional_country(
    registry_client: TestClient,
) -> None:
    body = await expect_json(await registry_client.get("/v1/health"), 200)
    assert body["status"] == "ok"
    assert body["services"] == 25
    assert body["country"]["fictional"] is True


async def test_openapi_document_describes_every_registered_route(
    registry_client: TestClient,
) -> None:
    document = await expect_json(await registry_client.get("/v1/openapi.json"), 200)
    assert document["openapi"].startswith("3.")
    registered = {
        (route.resource.canonical, route.method.lower())
        for route in registry_client.app.router.routes()
        if route.method != "HEAD" and route.resource is not None
    }
    documented = {
        (path, method)
        for path, operations in document["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert registered - documented == set(), "routes missing from openapi.yaml"
    assert documented - registered == set(), "openapi.yaml documents routes that do not exist"


async def test_unknown_endpoint_and_wrong_method_answer_json_errors(
    registry_client: TestClient,
) -> None:
    await expect_error(await registry_client.get("/v1/no-such-thing"), 404)
    response = await registry_client.put("/v1/services")
    await expect_error(response, 405)
    assert "GET" in response.headers["Allow"]


# Services ------------------------------------------------------------------------------


async def test_service_list_has_all_25_services_and_the_fictional_country_notice(
    registry_client: TestClient, services: dict[str, Json]
) -> None:
    body = await expect_json(await registry_client.get("/v1/services"), 200)
    assert body["count"] == 25
    assert {s["identifier"] for s in body["services"]} == set(services)
    assert body["country"]["fictional"] is True
    assert body["country"]["notice"]


async def test_free_text_search_ranks_the_right_service_first_in_any_language(
    registry_client: TestClient,
) -> None:
    for query, expected_first in (
        ("pasport", "passport"),  # misspelt
        ("driving licence", "driving-licence"),
        ("passeport", "passport"),  # French
        ("جواز السفر", "passport"),  # Arabic
        ("I lost my passport, what should I do?", "passport"),  # a whole sentence
    ):
        response = await registry_client.get("/v1/services", params={"q": query})
        body = await expect_json(response, 200)
        assert body["services"], f"no result for {query!r}"
        assert body["services"][0]["identifier"] == expected_first, query
        scores = [s["score"] for s in body["services"]]
        assert scores == sorted(scores, reverse=True), query


async def test_search_for_nonsense_returns_an_empty_list(registry_client: TestClient) -> None:
    body = await expect_json(
        await registry_client.get("/v1/services", params={"q": "zzqxv wqkj"}), 200
    )
    assert body["count"] == 0
    assert body["services"] == []


async def test_services_filtered_by_agency_are_exactly_that_agencys_services(
    registry_client: TestClient, services: dict[str, Json]
) -> None:
    body = await expect_json(
        await registry_client.get("/v1/services", params={"agency": "interior"}), 200
    )
    expected = {sid for sid, s in services.items() if s["competent_authority"] == "interior"}
    assert expected
    assert {s["identifier"] for s in body["services"]} == expected
    assert {s["competent_authority"]["identifier"] for s in body["services"]} == {"interior"}


async def test_services_filtered_by_life_event_are_that_events_services(
    registry_client: TestClient, life_events: dict[str, Json]
) -> None:
    body = await expect_json(
        await registry_client.get("/v1/services", params={"life_event": "having-a-baby"}), 200
    )
    assert {s["identifier"] for s in body["services"]} == set(
        life_events["having-a-baby"]["services"]
    )


async def test_service_list_in_french_and_arabic_uses_translated_titles(
    registry_client: TestClient, services: dict[str, Json]
) -> None:
    for lang, passport, country in (
        ("fr", "Passeport", "République de Wadi"),
        ("ar", "جواز السفر", "جمهورية وادي"),
    ):
        response = await registry_client.get("/v1/services", params={"lang": lang})
        body = await expect_json(response, 200)
        assert body["lang"] == lang
        titles = {s["identifier"]: s["title"] for s in body["services"]}
        assert titles == {sid: s["title"][lang] for sid, s in services.items()}
        assert titles["passport"] == passport
        assert body["country"]["name"] == country


async def test_bad_service_list_parameters_are_400_naming_the_field(
    registry_client: TestClient,
) -> None:
    for params, field in (
        ({"agency": "no-such-agency"}, "agency"),
        ({"life_event": "winning-the-lottery"}, "life_event"),
        ({"lang": "de"}, "lang"),
        ({"limit": "0"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"q": "x" * 501}, "q"),
    ):
        await expect_error(await registry_client.get("/v1/services", params=params), 400, field)


async def test_service_detail_has_every_cpsv_ap_part(
    registry_client: TestClient, services: dict[str, Json]
) -> None:
    body = await expect_json(await registry_client.get("/v1/services/passport"), 200)
    for key in (
        "identifier",
        "title",
        "description",
        "competent_authority",
        "channels",
        "required_evidence",
        "eligibility",
        "output",
        "processing_time",
        "how_to_apply",
        "related_services",
        "life_events",
    ):
        assert key in body, f"{key} missing"
    source = services["passport"]
    assert body["title"] == "Passport"
    assert body["channels"]
    for channel, expected in zip(body["channels"], source["channels"], strict=True):
        assert channel["channel"] == expected["channel"]
        assert channel["cost"]["amount"] == expected["cost"]["amount"]
        assert channel["cost"]["currency"] == "WDD"
        assert isinstance(channel["description"], str)
    assert body["required_evidence"] == [e["en"] for e in source["required_evidence"]]
    assert body["eligibility"] == [e["en"] for e in source["eligibility"]]
    assert body["output"] == source["output"]["en"]
    assert body["processing_time"]["description"] == source["processing_time"]["description"]["en"]
    assert body["how_to_apply"] == [step["en"] for step in source["how_to_apply"]]
    assert [r["identifier"] for r in body["related_services"]] == source["related_services"]
    assert "studying-abroad" in {e["identifier"] for e in body["life_events"]}


async def test_service_detail_says_the_currency_in_the_language_asked(
    registry_client: TestClient,
) -> None:
    body = await expect_json(
        await registry_client.get("/v1/services/passport", params={"lang": "fr"}), 200
    )
    assert body["currency"] == {
        "code": "WDD",
        "name": "dinar wadien",
        "unit": {"one": "dinar", "other": "dinars"},
    }


async def test_service_detail_in_arabic_translates_nested_text(registry_client: TestClient) -> None:
    body = await expect_json(
        await registry_client.get("/v1/services/passport", params={"lang": "ar"}), 200
    )
    assert body["title"] == "جواز السفر"
    assert re.search("[\u0600-\u06ff]", body["how_to_apply"][0])


async def test_unknown_service_is_404_json(registry_client: TestClient) -> None:
    error = await expect_error(await registry_client.get("/v1/services/space-travel"), 404)
    assert error["code"] == "unknown_service"


# Agencies ------------------------------------------------------------------------------


async def test_agencies_are_listed_and_one_agency_shows_its_services(
    registry_client: TestClient, catalogue_dir: Path, services: dict[str, Json]
) -> None:
    agencies = read_yaml(catalogue_dir / "agencies.yml")
    body = await expect_json(await registry_client.get("/v1/agencies"), 200)
    assert body["count"] == len(agencies)
    assert {a["identifier"] for a in body["agencies"]} == {a["identifier"] for a in agencies}

    body = await expect_json(await registry_client.get("/v1/agencies/interior?lang=fr"), 200)
    assert body["identifier"] == "interior"
    assert body["name"].startswith("Ministère de l'Intérieur")
    assert {s["identifier"] for s in body["services"]} == {
        sid for sid, s in services.items() if s["competent_authority"] == "interior"
    }
    await expect_error(await registry_client.get("/v1/agencies/ministry-of-magic"), 404)


# Life events ---------------------------------------------------------------------------


async def test_having_a_baby_lists_its_services_in_order_with_step_numbers(
    registry_client: TestClient, life_events: dict[str, Json]
) -> None:
    body = await expect_json(await registry_client.get("/v1/life-events/having-a-baby"), 200)
    expected = life_events["having-a-baby"]["services"]
    assert [s["identifier"] for s in body["services"]] == expected
    assert [s["step"] for s in body["services"]] == list(range(1, len(expected) + 1))
    assert body["title"] == life_events["having-a-baby"]["title"]["en"]


async def test_unknown_life_event_is_404_json(registry_client: TestClient) -> None:
    error = await expect_error(await registry_client.get("/v1/life-events/time-travel"), 404)
    assert error["code"] == "unknown_life_event"


async def test_life_events_are_listed_and_searchable(
    registry_client: TestClient, life_events: dict[str, Json]
) -> None:
    body = await expect_json(await registry_client.get("/v1/life-events"), 200)
    assert [e["identifier"] for e in body["life_events"]] == list(life_events)

    body = await expect_json(
        await registry_client.get("/v1/life-events", params={"q": "getting married"}), 200
    )
    assert body["life_events"][0]["identifier"] == "getting-married"


# Offices -------------------------------------------------------------------------------


async def test_offices_filtered_by_service_all_handle_that_service(
    registry_client: TestClient, offices: dict[str, Json]
) -> None:
    body = await expect_json(
        await registry_client.get("/v1/offices", params={"service": "passport", "limit": "100"}),
        200,
    )
    returned = {o["identifier"] for o in body["offices"]}
    assert returned == {oid for oid, o in offices.items() if "passport" in o["services"]}
    for office in body["offices"]:
        assert "passport" in {s["identifier"] for s in office["services"]}


async def test_offices_near_a_point_are_sorted_by_distance(
    registry_client: TestClient, offices: dict[str, Json]
) -> None:
    # Stand at the door of the last office in the file: it must come first, at ~0 km.
    target = list(offices.values())[-1]
    body = await expect_json(
        await registry_client.get(
            "/v1/offices",
            params={
                "lat": str(target["latitude"]),
                "lon": str(target["longitude"]),
                "limit": "100",
            },
        ),
        200,
    )
    distances = [o["distance_km"] for o in body["offices"]]
    assert len(distances) == len(offices)
    assert distances == sorted(distances)
    assert body["offices"][0]["identifier"] == target["identifier"]
    assert distances[0] == pytest.approx(0, abs=0.01)
    assert distances[-1] > 0


async def test_open_now_on_a_sunday_and_on_a_weekday_morning_follow_opening_hours(
    registry_client: TestClient, offices: dict[str, Json]
) -> None:
    def expected_open(moment: datetime) -> set[str]:
        return {
            oid
            for oid, office in offices.items()
            if any(
                time.fromisoformat(span.split("-")[0])
                <= moment.time()
                < time.fromisoformat(span.split("-")[1])
                for span in office["opening_hours"][WEEKDAYS[moment.weekday()]]
            )
        }

    sunday = datetime.combine(next_weekday(6), time(10, 0))
    tuesday = datetime.combine(next_weekday(1), time(10, 0))
    for moment in (sunday, tuesday):
        body = await expect_json(
            await registry_client.get(
                "/v1/offices",
                params={"open_now": "true", "at": moment.isoformat(), "limit": "100"},
            ),
            200,
        )
        assert {o["identifier"] for o in body["offices"]} == expected_open(moment)
        assert all(o["open_now"] for o in body["offices"])
    assert expected_open(tuesday), "a weekday morning should have open offices"
    assert len(expected_open(sunday)) < len(expected_open(tuesday))


async def test_city_filter_returns_only_offices_of_that_city_in_any_language(
    registry_client: TestClient, offices: dict[str, Json]
) -> None:
    city = list(offices.values())[-1]["city"]
    expected = {oid for oid, o in offices.items() if o["city"]["en"] == city["en"]}
    for name in (city["en"], city["fr"].upper(), city["ar"]):
        body = await expect_json(
            await registry_client.get("/v1/offices", params={"city": name, "limit": "100"}), 200
        )
        assert {o["identifier"] for o in body["offices"]} == expected, name


async def test_a_city_named_in_a_sentence_orders_a_services_offices_from_it(
    registry_client: TestClient, offices: dict[str, Json]
) -> None:
    city = offices["service-centre-port-marsa"]["city"]
    for lang, sentence in (
        ("en", f"is there one near {city['en']}?"),
        ("fr", f"j'habite à {city['fr']}, c'est où ?"),
        ("ar", f"انا ساكن في {city['ar']}"),
    ):
        body = await expect_json(
            await registry_client.get(
                "/v1/offices",
                params={"near": sentence, "service": "residence-certificate", "lang": lang},
            ),
            200,
        )
        assert body["near_city"] == city[lang]
        names = [o["identifier"] for o in body["offices"]]
        assert names[0] == "service-centre-port-marsa", (lang, names)
        assert all("residence-certificate" in offices[o]["services"] for o in names)
        distances = [o["distance_km"] for o in body["offices"]]
        assert distances == sorted(distances)
    # A sentence that names no city: no order imposed, and said so.
    body = await expect_json(
        await registry_client.get("/v1/offices", params={"near": "the closest one please"}), 200
    )
    assert body["near_city"] is None and "distance_km" not in body["offices"][0]
    await expect_error(
        await registry_client.get("/v1/offices", params={"near": "x" * 501}), 400, "near"
    )


async def test_bad_office_parameters_are_400_naming_the_field(
    registry_client: TestClient,
) -> None:
    for params, field in (
        ({"lat": "200", "lon": "10"}, "lat"),
        ({"lat": "abc", "lon": "10"}, "lat"),
        ({"lat": "nan", "lon": "10"}, "lat"),
        ({"lat": "36.8", "lon": "181"}, "lon"),
        ({"lat": "36.8"}, "lon"),
        ({"lon": "10.1"}, "lat"),
        ({"open_now": "maybe"}, "open_now"),
        ({"at": "next tuesday"}, "at"),
        ({"service": "no-such-service"}, "service"),
        ({"limit": "101"}, "limit"),
    ):
        await expect_error(await registry_client.get("/v1/offices", params=params), 400, field)


async def test_one_office_is_shown_and_an_unknown_office_is_404(
    registry_client: TestClient, booking_office: Json
) -> None:
    office_id = booking_office["identifier"]
    body = await expect_json(await registry_client.get(f"/v1/offices/{office_id}"), 200)
    assert body["identifier"] == office_id
    assert body["name"] == booking_office["name"]["en"]
    assert isinstance(body["open_now"], bool)
    await expect_error(await registry_client.get("/v1/offices/no-such-office"), 404)


# Application status --------------------------------------------------------------------


async def test_seeded_application_shows_its_status_and_label(
    registry_client: TestClient, applications: list[Json], catalogue_dir: Path
) -> None:
    application = applications[0]
    statuses = read_yaml(catalogue_dir / "statuses.yml")
    body = await expect_json(
        await registry_client.get(f"/v1/applications/{application['reference']}"), 200
    )
    assert body["reference"] == application["reference"]
    assert body["status"] == application["status"]
    assert body["status_label"] == statuses[application["status"]]["label"]["en"]
    assert body["service"]["identifier"] == application["service"]
    assert body["office"]["identifier"] == application["office"]


async def test_application_reference_is_accepted_in_lowercase(
    registry_client: TestClient, applications: list[Json]
) -> None:
    reference = applications[0]["reference"]
    body = await expect_json(
        await registry_client.get(f"/v1/applications/{reference.lower()}"), 200
    )
    assert body["reference"] == reference


async def test_malformed_application_reference_is_400_explaining_the_format(
    registry_client: TestClient,
) -> None:
    for reference in ("12345", "CIV-26-42", "CIVIL-2026-00042", "CIV_2026_00042"):
        error = await expect_error(
            await registry_client.get(f"/v1/applications/{reference}"), 400, "reference"
        )
        assert "three letters, the year and five digits" in error["message"], reference


async def test_well_formed_unknown_application_reference_is_404(
    registry_client: TestClient, applications: list[Json]
) -> None:
    assert "ZZZ-1999-99999" not in {a["reference"] for a in applications}
    error = await expect_error(await registry_client.get("/v1/applications/ZZZ-1999-99999"), 404)
    assert error["code"] == "unknown_application"


# Appointment slots ---------------------------------------------------------------------


async def test_slots_of_an_open_weekday_follow_the_opening_hours(
    registry_client: TestClient, slot: Slot, booking_office: Json
) -> None:
    times = await free_times(registry_client, slot)
    assert times == slot_times_of(booking_office, date.fromisoformat(slot.date))
    assert slot.time in times


async def test_slots_for_the_next_days_list_only_days_with_free_times(
    registry_client: TestClient, slot: Slot
) -> None:
    body = await expect_json(
        await registry_client.get(
            f"/v1/offices/{slot.office_id}/slots", params={"service": slot.service_id, "days": "14"}
        ),
        200,
    )
    assert body["slot_minutes"] == SLOT_MINUTES
    dates = [d["date"] for d in body["days"]]
    assert slot.date in dates
    assert all(d["times"] for d in body["days"])
    assert dates == sorted(dates)


async def test_slots_in_the_past_or_beyond_60_days_are_400(
    registry_client: TestClient, slot: Slot
) -> None:
    for offset_days in (-1, HORIZON_DAYS + 1):
        day = today() + timedelta(days=offset_days)
        response = await registry_client.get(
            f"/v1/offices/{slot.office_id}/slots",
            params={"service": slot.service_id, "date": day.isoformat()},
        )
        error = await expect_error(response, 400, "date")
        assert str(today()) in error["message"]


async def test_slots_at_an_office_that_does_not_handle_the_service_are_400(
    registry_client: TestClient, offices: dict[str, Json], slot: Slot
) -> None:
    office_id = next(oid for oid, o in offices.items() if BOOKED_SERVICE not in o["services"])
    response = await registry_client.get(
        f"/v1/offices/{office_id}/slots", params={"service": BOOKED_SERVICE, "date": slot.date}
    )
    await expect_error(response, 400, "service")


async def test_bad_slot_parameters_are_400(registry_client: TestClient, slot: Slot) -> None:
    for params, field in (
        ({}, "service"),
        ({"service": "no-such-service"}, "service"),
        ({"service": BOOKED_SERVICE, "date": "tomorrow"}, "date"),
        ({"service": BOOKED_SERVICE, "days": "61"}, "days"),
    ):
        response = await registry_client.get(f"/v1/offices/{slot.office_id}/slots", params=params)
        await expect_error(response, 400, field)


async def test_slots_of_an_unknown_office_are_404(registry_client: TestClient) -> None:
    response = await registry_client.get(
        "/v1/offices/no-such-office/slots", params={"service": BOOKED_SERVICE}
    )
    await expect_error(response, 404)


# Booking -------------------------------------------------------------------------------


async def test_booking_a_free_slot_gives_a_reference_and_takes_the_slot(
    registry_client: TestClient, slot: Slot
) -> None:
    appointment = await book(registry_client, slot)
    assert APPOINTMENT_REF.match(appointment["reference"])
    assert appointment["status"] == "booked"
    assert (appointment["date"], appointment["time"]) == (slot.date, slot.time)
    assert appointment["office"]["identifier"] == slot.office_id
    assert appointment["service"]["identifier"] == slot.service_id
    assert slot.time not in await free_times(registry_client, slot)


async def test_booking_a_taken_slot_is_409(registry_client: TestClient, slot: Slot) -> None:
    await book(registry_client, slot)
    error = await expect_error(
        await registry_client.post("/v1/appointments", json=slot.body()), 409
    )
    assert error["code"] == "slot_taken"


async def test_ten_simultaneous_bookings_of_one_slot_give_one_201_and_nine_409(
    registry_client: TestClient, slot: Slot, registry_settings: Settings
) -> None:
    responses = await asyncio.gather(
        *(
            registry_client.post("/v1/appointments", json=slot.body(conversation_id=f"c{n}"))
            for n in range(10)
        )
    )
    statuses = sorted(r.status for r in responses)
    for response in responses:
        await response.read()
    assert statuses == [201] + [409] * 9
    [winner] = [r for r in responses if r.status == 201]
    reference = (await winner.json())["reference"]
    owner = next(n for n, r in enumerate(responses) if r is winner)
    stored = await expect_json(
        await registry_client.get(
            f"/v1/appointments/{reference}", headers={"X-Conversation-Id": f"c{owner}"}
        ),
        200,
    )
    assert stored["status"] == "booked"
    rows = table_contents(registry_settings.database)["appointments"]
    assert len(rows) == 1


async def test_simultaneous_bookings_tickets_and_refused_bookings_lose_no_record(
    registry_client: TestClient, registry_settings: Settings, slot: Slot, booking_office: Json
) -> None:
    """Citizens act at the same moment: a refused (409) booking of one citizen must not undo
    another citizen's booking, ticket or rating that is being saved at the same time."""
    await book(registry_client, slot)
    times = slot_times_of(booking_office, date.fromisoformat(slot.date))
    others = [Slot(slot.office_id, slot.service_id, slot.date, t) for t in times if t != slot.time]
    others = others[:12]
    assert slot.time not in {o.time for o in others}
    requests = []
    for n, other in enumerate(others):
        requests += [
            registry_client.post("/v1/appointments", json=slot.body()),
            registry_client.post("/v1/appointments", json=slot.body()),
            registry_client.post("/v1/appointments", json=other.body()),
            registry_client.post("/v1/handoff-tickets", json={"conversation_id": f"c{n}"}),
            registry_client.post("/v1/feedback", json={"conversation_id": f"c{n}", "rating": 4}),
        ]
    responses = await asyncio.gather(*requests)
    bodies = [await r.json() for r in responses]
    statuses = [r.status for r in responses]
    assert 500 not in statuses, [b for b in bodies if "error" in b][:3]
    assert statuses.count(409) == 2 * len(others)
    assert statuses.count(201) == 3 * len(others)

    tables = table_contents(registry_settings.database)
    assert len(tables["appointments"]) == 1 + len(others)
    assert len(tables["handoff_tickets"]) == len(others)
    assert len(tables["feedback"]) == len(others)
    for body, status in zip(bodies, statuses, strict=True):
        if status == 201 and "reference" in body:
            stored = await registry_client.get(f"/v1/appointments/{body['reference']}")
            assert (await expect_json(stored, 200))["status"] == "booked"
    assert set(await free_times(registry_client, slot)).isdisjoint({o.time for o in others})


async def test_booking_a_time_that_is_not_a_slot_is_400(
    registry_client: TestClient, slot: Slot
) -> None:
    response = await registry_client.post("/v1/appointments", json=slot.body(time="03:00"))
    await expect_error(response, 400, "time")


async def test_booking_in_the_past_is_400(registry_client: TestClient, slot: Slot) -> None:
    past = (today() - timedelta(days=7)).isoformat()
    response = await registry_client.post("/v1/appointments", json=slot.body(date=past))
    await expect_error(response, 400, "date")


async def test_appointment_can_be_read_back_by_reference(
    registry_client: TestClient, slot: Slot
) -> None:
    reference = (await book(registry_client, slot))["reference"]
    body = await expect_json(await registry_client.get(f"/v1/appointments/{reference}"), 200)
    assert body["reference"] == reference
    assert body["status"] == "booked"
    assert (body["date"], body["time"]) == (slot.date, slot.time)
    lowercase = await registry_client.get(f"/v1/appointments/{reference.lower()}")
    assert (await expect_json(lowercase, 200))["reference"] == reference


async def test_cancelling_frees_the_slot_and_a_second_cancel_is_409(
    registry_client: TestClient, slot: Slot
) -> None:
    reference = (await book(registry_client, slot))["reference"]
    body = await expect_json(await registry_client.delete(f"/v1/appointments/{reference}"), 200)
    assert body["status"] == "cancelled"
    assert slot.time in await free_times(registry_client, slot)
    stored = await expect_json(await registry_client.get(f"/v1/appointments/{reference}"), 200)
    assert stored["status"] == "cancelled"

    error = await expect_error(await registry_client.delete(f"/v1/appointments/{reference}"), 409)
    assert error["code"] == "already_cancelled"
    # The freed slot can be booked again.
    assert (await book(registry_client, slot))["reference"] != reference


async def test_unknown_appointment_is_404_and_malformed_reference_is_400(
    registry_client: TestClient,
) -> None:
    for method in ("GET", "DELETE"):
        response = await registry_client.request(method, "/v1/appointments/APT-000000")
        await expect_error(response, 404)
        response = await registry_client.request(method, "/v1/appointments/APT-12")
        error = await expect_error(response, 400, "reference")
        assert "APT-" in error["message"]


# Handoff tickets and feedback ----------------------------------------------------------


async def test_handoff_ticket_gets_a_ticket_number(registry_client: TestClient) -> None:
    first = await expect_json(
        await registry_client.post(
            "/v1/handoff-tickets",
            json={"conversation_id": "conv-1", "service_id": "passport", "lang": "fr"},
        ),
        201,
    )
    assert TICKET_REF.match(first["ticket"])
    assert (first["service_id"], first["lang"]) == ("passport", "fr")
    second = await expect_json(
        await registry_client.post("/v1/handoff-tickets", json={"conversation_id": "conv-2"}), 201
    )
    assert second["ticket"] != first["ticket"]


async def test_bad_handoff_ticket_is_400_and_creates_no_ticket(
    registry_client: TestClient, registry_settings: Settings
) -> None:
    for body, field in (
        ({}, "conversation_id"),
        ({"conversation_id": ""}, "conversation_id"),
        ({"conversation_id": "c", "lang": "de"}, "lang"),
        ({"conversation_id": "c", "service_id": "no-such-service"}, "service_id"),
        ({"conversation_id": "c", "summary": "s" * 4001}, "summary"),
    ):
        await expect_error(await registry_client.post("/v1/handoff-tickets", json=body), 400, field)
    assert table_contents(registry_settings.database)["handoff_tickets"] == []


async def test_what_the_citizen_tells_the_agent_goes_on_their_own_ticket_only(
    registry_client: TestClient, registry_settings: Settings
) -> None:
    ticket = (
        await expect_json(
            await registry_client.post("/v1/handoff-tickets", json={"conversation_id": CITIZEN}),
            201,
        )
    )["ticket"]
    path = f"/v1/handoff-tickets/{ticket}/details"
    for details in ("my pension stopped in May", "call me on 0611 222 333 after 2 pm"):
        body = await expect_json(await registry_client.post(path, json={"details": details}), 200)
        assert body["ticket"] == ticket
    [row] = table_contents(registry_settings.database)["handoff_tickets"]
    assert "my pension stopped in May\ncall me on 0611 222 333 after 2 pm" in row
    # Another conversation, an unknown ticket, a bad body: refused, nothing changed.
    stranger = {**CITIZEN_HEADERS, "X-Conversation-Id": "someone-else"}
    # A number too large for the database's integers is as unknown as any other.
    too_large = "/v1/handoff-tickets/HT-2308909339581376188480710507/details"
    for other_path, headers in (
        (path, stranger),
        ("/v1/handoff-tickets/HT-999999/details", None),
        (too_large, None),
    ):
        response = await registry_client.post(other_path, json={"details": "x"}, headers=headers)
        assert (await expect_error(response, 404))["code"] == "unknown_ticket"
    for body, field in (
        ({}, "details"),
        ({"details": ""}, "details"),
        ({"details": " \r\n"}, "details"),
        ({"details": "d" * 2001}, "details"),
    ):
        await expect_error(await registry_client.post(path, json=body), 400, field)
    assert table_contents(registry_settings.database)["handoff_tickets"] == [row]


async def test_feedback_is_stored(registry_client: TestClient, registry_settings: Settings) -> None:
    body = await expect_json(
        await registry_client.post(
            "/v1/feedback", json={"conversation_id": "conv-1", "rating": 5, "comment": "Merci"}
        ),
        201,
    )
    assert body["rating"] == 5
    [row] = table_contents(registry_settings.database)["feedback"]
    assert "Merci" in row


async def test_feedback_rating_must_be_a_whole_number_from_1_to_5(
    registry_client: TestClient, registry_settings: Settings
) -> None:
    for rating in (0, 6, "5", 5.5, True, None, -1):
        response = await registry_client.post(
            "/v1/feedback", json={"conversation_id": "conv-1", "rating": rating}
        )
        await expect_error(response, 400, "rating")
    assert table_contents(registry_settings.database)["feedback"] == []


# Bad input never causes a 500 nor changes a record -------------------------------------


@pytest.fixture
async def booked(registry_client: TestClient, slot: Slot) -> Json:
    """An existing booking that bad requests must leave untouched."""
    return await book(registry_client, slot)


async def assert_nothing_changed(
    client: TestClient, database: Path, before: dict[str, list[tuple[Any, ...]]], booked: Json
) -> None:
    assert table_contents(database) == before
    stored = await expect_json(await client.get(f"/v1/appointments/{booked['reference']}"), 200)
    assert stored["status"] == "booked"


def later_slot(slot: Slot) -> Slot:
    return Slot(slot.office_id, slot.service_id, slot.date, "10:00")


JSON_TYPE = {"Content-Type": "application/json"}


async def test_unparseable_bodies_are_4xx_json_and_change_nothing(
    registry_client: TestClient, registry_settings: Settings, booked: Json
) -> None:
    before = table_contents(registry_settings.database)
    for path, kwargs, status in (
        ("/v1/appointments", {"data": b"{not json", "headers": JSON_TYPE}, 400),
        ("/v1/appointments", {"data": b"\xff\xfe\x00", "headers": JSON_TYPE}, 400),
        ("/v1/appointments", {"data": b"", "headers": JSON_TYPE}, 400),
        ("/v1/appointments", {"data": b"null", "headers": JSON_TYPE}, 400),
        ("/v1/appointments", {"json": [1, 2, 3]}, 400),
        ("/v1/appointments", {"json": "a string"}, 400),
        ("/v1/appointments", {}, 415),
        (
            "/v1/appointments",
            {"data": b"office_id=x", "headers": {"Content-Type": "text/plain"}},
            415,
        ),
        ("/v1/appointments", {"data": {"office_id": "x"}}, 415),
        ("/v1/feedback", {"data": b"rating=5", "headers": {"Content-Type": "text/plain"}}, 415),
        ("/v1/feedback", {"json": [{"conversation_id": "c", "rating": 5}]}, 400),
        ("/v1/handoff-tickets", {"data": b"[]", "headers": JSON_TYPE}, 400),
        ("/v1/handoff-tickets", {"data": b"{'single': 'quotes'}", "headers": JSON_TYPE}, 400),
    ):
        error = await expect_error(await registry_client.post(path, **kwargs), status)
        if status == 415:
            assert "application/json" in error["message"]
    await assert_nothing_changed(registry_client, registry_settings.database, before, booked)


async def test_wrongly_typed_or_unknown_booking_fields_are_400_and_change_nothing(
    registry_client: TestClient, registry_settings: Settings, booked: Json, slot: Slot
) -> None:
    before = table_contents(registry_settings.database)
    for changes, field in (
        ({"office_id": 123}, "office_id"),
        ({"office_id": None}, "office_id"),
        ({"service_id": ["passport"]}, "service_id"),
        ({"date": "2026-13-45"}, "date"),
        ({"date": "45/13/2026"}, "date"),
        ({"date": 20261201}, "date"),
        ({"time": "25:00"}, "time"),
        ({"time": "9:00"}, "time"),
        ({"time": 900}, "time"),
        ({"conversation_id": 42}, "conversation_id"),
        ({"conversation_id": "c" * 201}, "conversation_id"),
        ({"priority": "high"}, "priority"),
        ({"office_id": "no-such-office"}, "office_id"),
        ({"service_id": "no-such-service"}, "service_id"),
    ):
        response = await registry_client.post(
            "/v1/appointments", json=later_slot(slot).body(**changes)
        )
        await expect_error(response, 400, field)
    for field in ("office_id", "service_id", "date", "time"):
        body = later_slot(slot).body()
        del body[field]
        await expect_error(await registry_client.post("/v1/appointments", json=body), 400, field)
    await assert_nothing_changed(registry_client, registry_settings.database, before, booked)


async def test_oversized_body_is_413_and_changes_nothing(
    registry_client: TestClient, registry_settings: Settings, booked: Json, slot: Slot
) -> None:
    before = table_contents(registry_settings.database)
    body = {**later_slot(slot).body(), "conversation_id": "x" * (17 * 1024), "rating": 5}
    for path in ("/v1/appointments", "/v1/handoff-tickets", "/v1/feedback"):
        error = await expect_error(await registry_client.post(path, json=body), 413)
        assert "too large" in error["message"]
    await assert_nothing_changed(registry_client, registry_settings.database, before, booked)


def quoted(text: str) -> str:
    return quote(text, safe="")


async def test_sql_injection_in_paths_is_4xx_and_changes_nothing(
    registry_client: TestClient, registry_settings: Settings, booked: Json
) -> None:
    before = table_contents(registry_settings.database)
    for injection in SQL_INJECTIONS:
        for method, path in (
            ("GET", "/v1/services/{}"),
            ("GET", "/v1/agencies/{}"),
            ("GET", "/v1/life-events/{}"),
            ("GET", "/v1/offices/{}"),
            ("GET", "/v1/offices/{}/slots?service=passport"),
            ("GET", "/v1/applications/{}"),
            ("GET", "/v1/appointments/{}"),
            ("DELETE", "/v1/appointments/{}"),
        ):
            url = path.format(quoted(injection))
            response = await registry_client.request(method, URL(url, encoded=True))
            assert 400 <= response.status < 500, (method, url, response.status)
            assert "error" in await response.json()
    await assert_nothing_changed(registry_client, registry_settings.database, before, booked)


async def test_sql_injection_in_query_parameters_is_4xx_and_changes_nothing(
    registry_client: TestClient, registry_settings: Settings, booked: Json, slot: Slot
) -> None:
    before = table_contents(registry_settings.database)
    for injection in SQL_INJECTIONS:
        for path, params in (
            ("/v1/services", {"agency": injection}),
            ("/v1/services", {"life_event": injection}),
            ("/v1/services", {"lang": injection}),
            ("/v1/services", {"limit": injection}),
            ("/v1/offices", {"service": injection}),
            ("/v1/offices", {"lat": injection, "lon": "10"}),
            ("/v1/offices", {"at": injection}),
            (f"/v1/offices/{slot.office_id}/slots", {"service": injection}),
            (f"/v1/offices/{slot.office_id}/slots", {"service": "passport", "date": injection}),
        ):
            response = await registry_client.get(path, params=params)
            assert 400 <= response.status < 500, (path, params, response.status)
            assert "error" in await response.json()
        # Free text is only ever searched, never executed.
        for path, params in (
            ("/v1/services", {"q": injection}),
            ("/v1/life-events", {"q": injection}),
            ("/v1/offices", {"city": injection}),
        ):
            response = await registry_client.get(path, params=params)
            assert response.status == 200, (path, params)
    await assert_nothing_changed(registry_client, registry_settings.database, before, booked)


async def test_sql_injection_in_identifier_fields_of_bodies_is_400_and_changes_nothing(
    registry_client: TestClient, registry_settings: Settings, booked: Json, slot: Slot
) -> None:
    before = table_contents(registry_settings.database)
    for injection in SQL_INJECTIONS:
        for field in ("office_id", "service_id", "date", "time"):
            response = await registry_client.post(
                "/v1/appointments", json=later_slot(slot).body(**{field: injection})
            )
            await expect_error(response, 400, field)
        response = await registry_client.post(
            "/v1/handoff-tickets", json={"conversation_id": "c", "service_id": injection}
        )
        await expect_error(response, 400, "service_id")
        response = await registry_client.post(
            "/v1/feedback", json={"conversation_id": "c", "rating": injection}
        )
        await expect_error(response, 400, "rating")
    await assert_nothing_changed(registry_client, registry_settings.database, before, booked)


async def test_sql_injection_in_free_text_is_stored_as_plain_text(
    registry_client: TestClient, registry_settings: Settings, booked: Json
) -> None:
    for injection in SQL_INJECTIONS:
        feedback = {"conversation_id": injection, "rating": 4, "comment": injection}
        await expect_json(await registry_client.post("/v1/feedback", json=feedback), 201)
        ticket = {"conversation_id": injection, "summary": injection}
        await expect_json(await registry_client.post("/v1/handoff-tickets", json=ticket), 201)
    tables = table_contents(registry_settings.database)
    assert {"appointments", "feedback", "handoff_tickets", "applications"} <= set(tables)
    assert sorted(row[1:4] for row in tables["feedback"]) == sorted(
        (injection, 4, injection) for injection in SQL_INJECTIONS
    )
    assert len(tables["handoff_tickets"]) == len(SQL_INJECTIONS)
    stored = await expect_json(
        await registry_client.get(f"/v1/appointments/{booked['reference']}"), 200
    )
    assert stored["status"] == "booked"


# Persistence ---------------------------------------------------------------------------


async def test_bookings_tickets_and_cancellations_survive_a_restart(
    aiohttp_client: AiohttpClient, registry_settings: Settings, slot: Slot
) -> None:
    first = await aiohttp_client(create_app(registry_settings), headers=CITIZEN_HEADERS)
    kept = await book(first, slot)
    cancelled = await book(first, later_slot(slot))
    await expect_json(await first.delete(f"/v1/appointments/{cancelled['reference']}"), 200)
    ticket = await expect_json(
        await first.post("/v1/handoff-tickets", json={"conversation_id": "before-restart"}), 201
    )
    before = table_contents(registry_settings.database)
    await first.close()

    second = await aiohttp_client(create_app(registry_settings), headers=CITIZEN_HEADERS)
    assert table_contents(registry_settings.database) == before
    stored = await expect_json(await second.get(f"/v1/appointments/{kept['reference']}"), 200)
    assert (stored["status"], stored["date"], stored["time"]) == ("booked", slot.date, slot.time)
    stored = await expect_json(await second.get(f"/v1/appointments/{cancelled['reference']}"), 200)
    assert stored["status"] == "cancelled"
    times = await free_times(second, slot)
    assert slot.time not in times
    assert later_slot(slot).time in times
    await expect_error(await second.post("/v1/appointments", json=slot.body()), 409)
    next_ticket = await expect_json(
        await second.post("/v1/handoff-tickets", json={"conversation_id": "after-restart"}), 201
    )
    assert int(next_ticket["ticket"][3:]) == int(ticket["ticket"][3:]) + 1


async def test_two_apps_on_one_database_see_each_others_bookings(
    aiohttp_client: AiohttpClient, registry_settings: Settings, slot: Slot
) -> None:
    first = await aiohttp_client(create_app(registry_settings), headers=CITIZEN_HEADERS)
    second = await aiohttp_client(create_app(registry_settings), headers=CITIZEN_HEADERS)
    booking = await book(first, slot)
    stored = await expect_json(await second.get(f"/v1/appointments/{booking['reference']}"), 200)
    assert stored["status"] == "booked"
    await expect_error(await second.post("/v1/appointments", json=slot.body()), 409)


# Catalogue hot reload ------------------------------------------------------------------


def in_person_amount(service: Json) -> float:
    return next(c for c in service["channels"] if c["channel"] == "in_person")["cost"]["amount"]


async def test_fee_change_in_the_catalogue_shows_without_restart(
    registry_client: TestClient, catalogue_dir: Path
) -> None:
    before = await expect_json(await registry_client.get("/v1/services/passport"), 200)
    path = catalogue_dir / "services" / "passport.yml"
    data = read_yaml(path)
    new_amount = in_person_amount(data) + 12.5
    next(c for c in data["channels"] if c["channel"] == "in_person")["cost"]["amount"] = new_amount
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    after = await expect_json(await registry_client.get("/v1/services/passport"), 200)
    assert in_person_amount(after) == new_amount != in_person_amount(before)


async def test_broken_catalogue_edit_keeps_serving_the_last_good_catalogue(
    registry_client: TestClient, catalogue_dir: Path
) -> None:
    before = await expect_json(await registry_client.get("/v1/services/passport"), 200)
    for broken in (
        "identifier: passport\ntitle: [unclosed\n",  # a YAML syntax error
        "",  # an empty file, as while an editor is saving
        "- just\n- a list\n",  # valid YAML of the wrong shape
        "identifier: passport\ntitle: {en: Passport}\n",  # required keys missing
    ):
        (catalogue_dir / "services" / "passport.yml").write_text(broken, encoding="utf-8")
        for _ in range(2):  # a rejected edit is not retried into an error on later requests
            after = await expect_json(await registry_client.get("/v1/services/passport"), 200)
            assert after == before, broken
            listing = await expect_json(await registry_client.get("/v1/services"), 200)
            assert listing["count"] == 25, broken
            await expect_json(await registry_client.get("/v1/health"), 200)


async def test_fixing_a_broken_catalogue_edit_is_picked_up(
    registry_client: TestClient, catalogue_dir: Path
) -> None:
    path = catalogue_dir / "services" / "passport.yml"
    good = read_yaml(path)
    path.write_text("title: [unclosed\n", encoding="utf-8")
    await expect_json(await registry_client.get("/v1/services/passport"), 200)

    good["title"]["en"] = "Passport (biometric)"
    path.write_text(yaml.safe_dump(good, allow_unicode=True, sort_keys=False), encoding="utf-8")
    body = await expect_json(await registry_client.get("/v1/services/passport"), 200)
    assert body["title"] == "Passport (biometric)"
