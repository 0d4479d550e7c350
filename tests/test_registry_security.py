"""The registry keeps its promises under attack and under clumsy operation: one booking per
slot whatever the date's spelling, appointments only for the conversation that booked them,
a retried confirmation books once, citizens' data only with the token, broken catalogue
edits never take it down, bad input is a 4xx, /forget erases, log lines cannot be forged."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from contextlib import closing
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from registry_access import CITIZEN, CITIZEN_HEADERS

from common.logs import install_safe_records
from registry.app import create_app
from registry.config import Settings

Json = dict[str, Any]
OFFICE, SERVICE = "service-centre-wadi-city", "passport"


def next_weekday_slot() -> tuple[date, str]:
    """A Tuesday from tomorrow on, at 09:00 (the centre is open then)."""
    day = date.today() + timedelta(days=1)
    while day.weekday() != 1:
        day += timedelta(days=1)
    return day, "09:00"


def booking(day: str, slot: str = "09:00", conversation: str = CITIZEN) -> Json:
    return {
        "office_id": OFFICE,
        "service_id": SERVICE,
        "date": day,
        "time": slot,
        "conversation_id": conversation,
    }


def rows(database: Path, table: str) -> list[dict[str, Any]]:
    with closing(sqlite3.connect(database)) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(r) for r in connection.execute(f"SELECT * FROM {table}")]


# Item 2: one slot, one booking, whatever the spelling ------------------------------------


async def test_only_the_canonical_date_is_accepted_and_one_slot_is_booked_once(
    registry_client: TestClient, registry_settings: Settings
) -> None:
    day, slot = next_weekday_slot()
    year, week, weekday = day.isocalendar()
    spellings = [
        day.isoformat(),
        day.strftime("%Y%m%d"),
        f"{year}-W{week:02d}-{weekday}",
        f"{year}W{week:02d}{weekday}",
    ]
    responses = await asyncio.gather(
        *(registry_client.post("/v1/appointments", json=booking(s)) for s in spellings)
    )
    statuses = [r.status for r in responses]
    assert statuses == [201, 400, 400, 400]
    for response in responses[1:]:
        assert (await response.json())["error"]["field"] == "date"
    [stored] = rows(registry_settings.database, "appointments")
    assert (stored["date"], stored["time"]) == (day.isoformat(), slot)
    free = await registry_client.get(
        f"/v1/offices/{OFFICE}/slots", params={"service": SERVICE, "date": day.isoformat()}
    )
    assert slot not in (await free.json())["days"][0]["times"]
    for spelling in spellings[1:]:
        response = await registry_client.get(
            f"/v1/offices/{OFFICE}/slots", params={"service": SERVICE, "date": spelling}
        )
        assert response.status == 400


OLD_SCHEMA = """
CREATE TABLE appointments (
    reference TEXT PRIMARY KEY, office_id TEXT NOT NULL, service_id TEXT NOT NULL,
    date TEXT NOT NULL, time TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('booked', 'cancelled')),
    conversation_id TEXT, created_at TEXT NOT NULL, cancelled_at TEXT);
CREATE UNIQUE INDEX one_booking_per_slot
    ON appointments (office_id, date, time) WHERE status = 'booked';
"""


async def test_an_old_database_is_migrated_keeping_every_row_and_one_booking_per_slot(
    aiohttp_client: Any, registry_settings: Settings
) -> None:
    day, _ = next_weekday_slot()
    with closing(sqlite3.connect(registry_settings.database)) as connection:
        connection.executescript(OLD_SCHEMA)
        for n, spelling in enumerate([day.isoformat(), day.strftime("%Y%m%d"), "garbage"]):
            connection.execute(
                "INSERT INTO appointments VALUES (?, ?, ?, ?, '09:00', 'booked', ?, ?, NULL)",
                (f"APT-00000{n}", OFFICE, SERVICE, spelling, f"c{n}", f"2026-11-0{n + 1}"),
            )
        connection.commit()
    await aiohttp_client(create_app(registry_settings), headers=CITIZEN_HEADERS)

    stored = {r["reference"]: r for r in rows(registry_settings.database, "appointments")}
    assert len(stored) == 3  # nothing lost
    assert stored["APT-000000"]["status"] == "booked"
    assert stored["APT-000001"]["date"] == day.isoformat()
    assert stored["APT-000001"]["status"] == "cancelled"
    assert stored["APT-000001"]["cancel_reason"] == "duplicate_slot"
    assert stored["APT-000002"]["date"] == "garbage"  # unreadable: kept as it was
    with closing(sqlite3.connect(registry_settings.database)) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] >= 1


# Item 3: an appointment belongs to its conversation -------------------------------------


async def test_another_conversation_can_neither_read_nor_cancel_an_appointment(
    registry_client: TestClient,
) -> None:
    day, _ = next_weekday_slot()
    made = await registry_client.post("/v1/appointments", json=booking(day.isoformat()))
    reference = (await made.json())["reference"]
    stranger = {"X-Conversation-Id": "telegram-666"}
    for method in ("GET", "DELETE"):
        response = await registry_client.request(
            method, f"/v1/appointments/{reference}", headers=stranger
        )
        assert response.status == 404
    response = await registry_client.get(
        f"/v1/appointments/{reference}", headers={"X-Conversation-Id": ""}
    )
    assert response.status == 400
    assert (await response.json())["error"]["field"] == "X-Conversation-Id"
    mine = await registry_client.get(f"/v1/appointments/{reference}")
    assert (await mine.json())["status"] == "booked"


async def test_conversation_ids_in_any_script_round_trip_percent_encoded(
    registry_client: TestClient,
) -> None:
    from common.conversation import encode_conversation_id

    sender = "مواطن-42 é"
    day, _ = next_weekday_slot()
    made = await registry_client.post(
        "/v1/appointments", json=booking(day.isoformat(), conversation=sender)
    )
    reference = (await made.json())["reference"]
    header = {"X-Conversation-Id": encode_conversation_id(sender)}
    response = await registry_client.delete(f"/v1/appointments/{reference}", headers=header)
    assert (await response.json())["status"] == "cancelled"


async def test_citizens_data_needs_the_registry_token(
    aiohttp_client: Any, registry_settings: Settings
) -> None:
    client = await aiohttp_client(create_app(registry_settings))  # no token
    day, _ = next_weekday_slot()
    for method, path, body in (
        ("GET", "/v1/applications/CIV-2026-00042", None),
        ("GET", "/v1/appointments/APT-123456", None),
        ("DELETE", "/v1/appointments/APT-123456", None),
        ("POST", "/v1/appointments", booking(day.isoformat())),
        ("POST", "/v1/handoff-tickets", {"conversation_id": "c"}),
        ("POST", "/v1/feedback", {"conversation_id": "c", "rating": 5}),
        ("GET", "/v1/request-log", None),
        ("DELETE", "/v1/conversation-data", None),
    ):
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            response = await client.request(method, path, json=body, headers=headers)
            assert response.status == 401, (method, path)
            assert (await response.json())["error"]["code"] == "unauthorised"
    assert rows(registry_settings.database, "appointments") == []
    assert (await client.get("/v1/services/passport")).status == 200


# Item 4: a retried confirmation books once; a late one books nothing ---------------------


async def test_a_confirmation_retried_with_its_idempotency_key_books_once(
    registry_client: TestClient, registry_settings: Settings
) -> None:
    day, _ = next_weekday_slot()
    key = {"Idempotency-Key": "confirmation-0001"}
    first = await registry_client.post(
        "/v1/appointments", json=booking(day.isoformat()), headers=key
    )
    assert first.status == 201
    retries = await asyncio.gather(
        *(
            registry_client.post("/v1/appointments", json=booking(day.isoformat()), headers=key)
            for _ in range(5)
        )
    )
    assert [r.status for r in retries] == [200] * 5
    references = {(await r.json())["reference"] for r in [first, *retries]}
    assert len(references) == 1
    assert len(rows(registry_settings.database, "appointments")) == 1


async def test_concurrent_first_attempts_with_one_key_book_once(
    registry_client: TestClient, registry_settings: Settings
) -> None:
    day, _ = next_weekday_slot()
    key = {"Idempotency-Key": "confirmation-0002"}
    responses = await asyncio.gather(
        *(
            registry_client.post("/v1/appointments", json=booking(day.isoformat()), headers=key)
            for _ in range(8)
        )
    )
    assert sorted(r.status for r in responses) == [200] * 7 + [201]
    assert len({(await r.json())["reference"] for r in responses}) == 1


async def test_a_booking_that_arrives_after_its_deadline_books_nothing(
    registry_client: TestClient, registry_settings: Settings
) -> None:
    day, _ = next_weekday_slot()
    late = {"X-Request-Deadline": str(time.time() - 1), "Idempotency-Key": "late-booking-1"}
    response = await registry_client.post(
        "/v1/appointments", json=booking(day.isoformat()), headers=late
    )
    assert response.status == 409
    assert (await response.json())["error"]["code"] == "deadline_passed"
    assert rows(registry_settings.database, "appointments") == []


# Item 6: broken catalogue edits keep the last good catalogue ----------------------------


def break_passport(catalogue_dir: Path, how: str) -> str:
    """Write a broken passport.yml; the field the log line must name."""
    path = catalogue_dir / "services" / "passport.yml"
    text = path.read_text(encoding="utf-8")
    if how == "encoding":
        path.write_bytes(text.encode("utf-8").replace(b"Passeport", b"Passep\xe9rt", 1))
        return "UTF-8"
    if how == "fee":
        path.write_text(text.replace("amount: 80.000", 'amount: "eighty"', 1), encoding="utf-8")
        return "channels.0.cost.amount"
    if how == "missing":
        path.write_text(text.replace("output:", "outpt:", 1), encoding="utf-8")
        return "output"
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["encoding", "fee", "missing", "hours"])
async def test_a_broken_catalogue_edit_keeps_every_endpoint_serving_and_says_what_is_wrong(
    registry_client: TestClient,
    catalogue_dir: Path,
    caplog: pytest.LogCaptureFixture,
    how: str,
) -> None:
    before = await (await registry_client.get("/v1/services/passport")).json()
    if how == "hours":
        offices = catalogue_dir / "offices.yml"
        text = offices.read_text(encoding="utf-8")
        offices.write_text(text.replace('"08:00-13:00"', '"9-17"', 1), encoding="utf-8")
        expected_file, expected_field = "offices.yml", "opening_hours.mon.0"
    else:
        expected_file, expected_field = "passport.yml", break_passport(catalogue_dir, how)
    caplog.set_level(logging.ERROR, logger="registry.catalogue")
    for path in ("/v1/health", "/v1/services", "/v1/offices", "/v1/services/passport"):
        for _ in range(2):
            response = await registry_client.get(path)
            assert response.status == 200, (path, await response.text())
    assert await (await registry_client.get("/v1/services/passport")).json() == before
    offices = await (await registry_client.get("/v1/offices", params={"open_now": "true"})).json()
    assert "offices" in offices
    [line] = [r.getMessage() for r in caplog.records if "rejected" in r.getMessage()]
    assert expected_file in line and expected_field in line, line


# Item 7: bad input is a 4xx -----------------------------------------------------------


async def test_bodies_that_broke_the_registry_are_4xx(
    registry_client: TestClient, registry_settings: Settings
) -> None:
    day, _ = next_weekday_slot()
    deep = "[" * 1200 + "]" * 1200
    for data, content_type, status in (
        (json.dumps(booking(day.isoformat())), "application/json; charset=bogus", 415),
        (deep, "application/json", 400),
        ('{"conversation_id": "\\ud800", "rating": 4}', "application/json", 400),
        ('{"conversation_id": "c", "rating": 4, "comment": "x\\udfff"}', "application/json", 400),
    ):
        for path in ("/v1/appointments", "/v1/feedback", "/v1/handoff-tickets"):
            response = await registry_client.post(
                path, data=data.encode(), headers={"Content-Type": content_type}
            )
            assert response.status == status, (path, data[:40], await response.text())
            assert (await response.json())["error"]["message"]
    assert rows(registry_settings.database, "feedback") == []


async def test_the_registry_answers_only_to_its_own_host_names(
    registry_client: TestClient,
) -> None:
    response = await registry_client.get("/v1/services", headers={"Host": "evil.example:8080"})
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "unknown_host"
    for host in ("localhost:8080", "127.0.0.1", "[::1]:8080"):
        assert (await registry_client.get("/v1/health", headers={"Host": host})).status == 200


# Item 9: forgetting a conversation ----------------------------------------------------


async def test_forgetting_a_conversation_leaves_no_row_about_it(
    registry_client: TestClient, registry_settings: Settings
) -> None:
    day, _ = next_weekday_slot()
    await registry_client.post("/v1/appointments", json=booking(day.isoformat()))
    summary = {"conversation_id": CITIZEN, "summary": "my phone is +999 55 123 456"}
    await registry_client.post("/v1/handoff-tickets", json=summary)
    await registry_client.post("/v1/feedback", json={"conversation_id": CITIZEN, "rating": 2})
    await registry_client.post("/v1/feedback", json={"conversation_id": "other", "rating": 5})
    tag = {"X-Conversation-Tag": "00112233445566ff"}
    await registry_client.get("/v1/services/passport", headers=tag)

    response = await registry_client.delete("/v1/conversation-data", headers=tag)
    assert await response.json() == {
        "forgotten": True,
        "handoff_tickets_deleted": 1,
        "ratings_deleted": 1,
        "appointments_anonymised": 1,
        "request_log_entries_deleted": 1,
    }
    everything = json.dumps(
        {t: rows(registry_settings.database, t) for t in ("appointments", "feedback")}
    )
    assert CITIZEN not in everything
    assert rows(registry_settings.database, "handoff_tickets") == []
    [kept] = rows(registry_settings.database, "appointments")
    assert kept["status"] == "booked"  # the slot stays taken for the office
    assert [r["conversation_id"] for r in rows(registry_settings.database, "feedback")] == ["other"]


# Item 13: log lines cannot be forged ---------------------------------------------------


async def test_a_request_path_cannot_forge_or_corrupt_a_log_line(
    registry_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    install_safe_records()
    caplog.set_level(logging.INFO, logger="registry.access")
    forged = f"{datetime.now():%Y-%m-%d %H:%M:%S} registry.access INFO GET /v1/health 200"
    await registry_client.get(f"/v1/services/x%0A{forged.replace(' ', '%20')}%00%0D")
    [line] = [r.getMessage() for r in caplog.records if r.name == "registry.access"]
    assert "\n" not in line and "\r" not in line and "\x00" not in line
    assert "\\n" in line and "\\x00" in line
