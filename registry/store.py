"""Persistent state of the registry (applications, appointments, tickets, ratings) in SQLite.

Every change is one statement in autocommit mode, so it is its own transaction: requests share
one connection, and a refused booking can never roll back another request's write. A slot is
protected by a partial unique index, so two bookings of the same office, date and time cannot
both commit, whatever the concurrency.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

SCHEMA = """
CREATE TABLE IF NOT EXISTS applications (
    reference TEXT PRIMARY KEY,
    service_id TEXT NOT NULL,
    office_id TEXT NOT NULL,
    status TEXT NOT NULL,
    submitted_on TEXT NOT NULL,
    updated_on TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS appointments (
    reference TEXT PRIMARY KEY,
    office_id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    date TEXT NOT NULL,
    time TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('booked', 'cancelled')),
    conversation_id TEXT,
    created_at TEXT NOT NULL,
    cancelled_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS one_booking_per_slot
    ON appointments (office_id, date, time) WHERE status = 'booked';
CREATE TABLE IF NOT EXISTS handoff_tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL,
    service_id TEXT,
    lang TEXT NOT NULL,
    summary TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment TEXT,
    created_at TEXT NOT NULL
);
"""


class SlotTaken(Exception):
    """The office already has a booking at that date and time."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def ticket_number(ticket_id: int) -> str:
    return f"HT-{ticket_id:06d}"


class Store:
    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection

    @classmethod
    async def open(cls, path: Path) -> Store:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path, isolation_level=None)
        connection.row_factory = aiosqlite.Row
        # WAL lets readers go on while a booking commits; a busy timeout waits for other writers.
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.execute("PRAGMA busy_timeout=5000")
        await connection.executescript(SCHEMA)
        return cls(connection)

    async def close(self) -> None:
        await self._db.close()

    async def seed_applications(self, applications: list[dict[str, Any]]) -> None:
        """Load the demo application records; the data file wins over older copies."""
        rows = [
            (
                app["reference"],
                app["service"],
                app["office"],
                app["status"],
                str(app["submitted_on"]),
                str(app["updated_on"]),
                json.dumps(app.get("note", {}), ensure_ascii=False),
            )
            for app in applications
        ]
        await self._db.executemany(
            """INSERT INTO applications VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(reference) DO UPDATE SET service_id=excluded.service_id,
               office_id=excluded.office_id, status=excluded.status,
               submitted_on=excluded.submitted_on, updated_on=excluded.updated_on,
               note=excluded.note""",
            rows,
        )

    async def get_application(self, reference: str) -> dict[str, Any] | None:
        async with self._db.execute(
            "SELECT * FROM applications WHERE reference = ?", (reference,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        application = dict(row)
        application["note"] = json.loads(application["note"])
        return application

    async def booked_times(self, office_id: str, date: str) -> set[str]:
        async with self._db.execute(
            "SELECT time FROM appointments WHERE office_id = ? AND date = ? AND status = 'booked'",
            (office_id, date),
        ) as cursor:
            return {row["time"] async for row in cursor}

    async def book_appointment(
        self, office_id: str, service_id: str, date: str, time: str, conversation_id: str | None
    ) -> dict[str, Any]:
        for _ in range(5):  # a fresh random reference on the rare collision
            reference = f"APT-{secrets.randbelow(10**6):06d}"
            try:
                await self._db.execute(
                    "INSERT INTO appointments VALUES (?, ?, ?, ?, ?, 'booked', ?, ?, NULL)",
                    (reference, office_id, service_id, date, time, conversation_id, _now()),
                )
                appointment = await self.get_appointment(reference)
                assert appointment is not None
                return appointment
            except sqlite3.IntegrityError as exc:
                if "one_booking_per_slot" in str(exc) or "appointments.office_id" in str(exc):
                    raise SlotTaken from exc
        raise RuntimeError("could not allocate an appointment reference")

    async def get_appointment(self, reference: str) -> dict[str, Any] | None:
        async with self._db.execute(
            "SELECT * FROM appointments WHERE reference = ?", (reference,)
        ) as cursor:
            row = await cursor.fetchone()
        return dict(row) if row else None

    async def cancel_appointment(self, reference: str) -> bool:
        """Cancel a booked appointment; False when it was not booked (unknown or cancelled)."""
        cursor = await self._db.execute(
            "UPDATE appointments SET status = 'cancelled', cancelled_at = ? "
            "WHERE reference = ? AND status = 'booked'",
            (_now(), reference),
        )
        return cursor.rowcount == 1

    async def create_ticket(
        self, conversation_id: str, service_id: str | None, lang: str, summary: str
    ) -> dict[str, Any]:
        created_at = _now()
        cursor = await self._db.execute(
            "INSERT INTO handoff_tickets (conversation_id, service_id, lang, summary, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (conversation_id, service_id, lang, summary, created_at),
        )
        return {
            "ticket": ticket_number(cursor.lastrowid or 0),
            "conversation_id": conversation_id,
            "service_id": service_id,
            "lang": lang,
            "created_at": created_at,
        }

    async def add_feedback(
        self, conversation_id: str, rating: int, comment: str | None
    ) -> dict[str, Any]:
        created_at = _now()
        cursor = await self._db.execute(
            "INSERT INTO feedback (conversation_id, rating, comment, created_at) "
            "VALUES (?, ?, ?, ?)",
            (conversation_id, rating, comment, created_at),
        )
        return {"id": cursor.lastrowid, "rating": rating, "created_at": created_at}
