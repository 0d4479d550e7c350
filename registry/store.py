"""Persistent state of the registry (applications, appointments, tickets, ratings) in SQLite.

Every change is one statement in autocommit mode, so it is its own transaction: requests share
one connection, and a refused booking can never roll back another request's write. A slot is
protected by a partial unique index on its canonical date and time (YYYY-MM-DD, HH:MM), so two
bookings of the same office, date and time cannot both commit, whatever the concurrency. A
booking retried with the same idempotency key is made once.

The schema is versioned (PRAGMA user_version); open() migrates an older database in place.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sqlite3
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

# At most 18 digits: every such number fits in an SQLite rowid (a signed 64-bit integer).
TICKET_NUMBER = re.compile(r"HT-\d{6,18}")

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

# Changes of the schema, in order: MIGRATIONS[n] takes a database from version n to n + 1.
MIGRATIONS = (
    # 1: dates and times stored canonically, so the slot index compares like with like; a
    # slot booked twice under two spellings keeps its first booking, the later ones are
    # cancelled (kept, with the reason); idempotency keys for retried bookings.
    """
    DROP INDEX IF EXISTS one_booking_per_slot;
    UPDATE appointments SET date = canonical_date(date), time = canonical_time(time);
    ALTER TABLE appointments ADD COLUMN cancel_reason TEXT;
    UPDATE appointments SET status = 'cancelled', cancelled_at = datetime('now'),
        cancel_reason = 'duplicate_slot'
    WHERE status = 'booked' AND EXISTS (
        SELECT 1 FROM appointments AS first
        WHERE first.status = 'booked' AND first.office_id = appointments.office_id
          AND first.date = appointments.date AND first.time = appointments.time
          AND (first.created_at, first.rowid) < (appointments.created_at, appointments.rowid));
    CREATE UNIQUE INDEX one_booking_per_slot
        ON appointments (office_id, date, time) WHERE status = 'booked';
    ALTER TABLE appointments ADD COLUMN idempotency_key TEXT;
    CREATE UNIQUE INDEX one_booking_per_confirmation
        ON appointments (conversation_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
    """,
    # 2: what the citizen tells the agent after asking for a person (question, contact).
    """
    ALTER TABLE handoff_tickets ADD COLUMN details TEXT;
    ALTER TABLE handoff_tickets ADD COLUMN details_at TEXT;
    """,
)


class SlotTaken(Exception):
    """The office already has a booking at that date and time."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def ticket_number(ticket_id: int) -> str:
    return f"HT-{ticket_id:06d}"


def ticket_id_of(ticket: str) -> int | None:
    return int(ticket[3:]) if TICKET_NUMBER.fullmatch(ticket) else None


def canonical_date(value: str) -> str:
    """YYYY-MM-DD for any ISO 8601 spelling of a date (20261203, 2026-W49-4...); an
    unreadable value is kept as it is, never lost."""
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        return value


def canonical_time(value: str) -> str:
    try:
        return time.fromisoformat(value).strftime("%H:%M")
    except (TypeError, ValueError):
        return value


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
        await connection.create_function("canonical_date", 1, canonical_date, deterministic=True)
        await connection.create_function("canonical_time", 1, canonical_time, deterministic=True)
        await connection.executescript(SCHEMA)
        await cls._migrate(connection)
        return cls(connection)

    @staticmethod
    async def _migrate(connection: aiosqlite.Connection) -> None:
        async with connection.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        version = row[0] if row else 0
        for target, script in enumerate(MIGRATIONS[version:], start=version + 1):
            # One transaction per step: a failed step leaves the database as it was.
            await connection.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {target};\nCOMMIT;"
            )
            log.info("registry database migrated to schema version %d", target)

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

    async def booked_times(self, office_id: str, day: str) -> set[str]:
        async with self._db.execute(
            "SELECT time FROM appointments WHERE office_id = ? AND date = ? AND status = 'booked'",
            (office_id, day),
        ) as cursor:
            return {row["time"] async for row in cursor}

    async def book_appointment(
        self,
        office_id: str,
        service_id: str,
        day: str,
        slot: str,
        conversation_id: str,
        idempotency_key: str | None,
    ) -> tuple[dict[str, Any], bool]:
        """The appointment and whether it was made now (False: the same confirmation, retried).

        day and slot must be canonical (YYYY-MM-DD, HH:MM): the slot index compares them."""
        if idempotency_key is not None:
            made = await self.appointment_for_key(conversation_id, idempotency_key)
            if made is not None:
                return made, False
        for _ in range(5):  # a fresh random reference on the rare collision
            reference = f"APT-{secrets.randbelow(10**6):06d}"
            try:
                await self._db.execute(
                    "INSERT INTO appointments (reference, office_id, service_id, date, time, "
                    "status, conversation_id, created_at, idempotency_key) "
                    "VALUES (?, ?, ?, ?, ?, 'booked', ?, ?, ?)",
                    (
                        reference,
                        office_id,
                        service_id,
                        day,
                        slot,
                        conversation_id,
                        _now(),
                        idempotency_key,
                    ),
                )
            except sqlite3.IntegrityError as exc:
                message = str(exc)
                if "one_booking_per_confirmation" in message or "idempotency_key" in message:
                    # The same confirmation, committed by a concurrent retry: answer with it.
                    made = await self.appointment_for_key(conversation_id, idempotency_key or "")
                    if made is not None:
                        return made, False
                if "one_booking_per_slot" in message or "appointments.office_id" in message:
                    raise SlotTaken from exc
                continue  # the reference was taken: draw another
            appointment = await self._appointment(reference)
            assert appointment is not None
            return appointment, True
        raise RuntimeError("could not allocate an appointment reference")

    async def appointment_for_key(
        self, conversation_id: str, idempotency_key: str
    ) -> dict[str, Any] | None:
        async with self._db.execute(
            "SELECT * FROM appointments WHERE conversation_id = ? AND idempotency_key = ?",
            (conversation_id, idempotency_key),
        ) as cursor:
            row = await cursor.fetchone()
        return dict(row) if row else None

    async def _appointment(self, reference: str) -> dict[str, Any] | None:
        async with self._db.execute(
            "SELECT * FROM appointments WHERE reference = ?", (reference,)
        ) as cursor:
            row = await cursor.fetchone()
        return dict(row) if row else None

    async def get_appointment(self, reference: str, conversation_id: str) -> dict[str, Any] | None:
        """The appointment, only for the conversation that booked it (None for anyone else)."""
        appointment = await self._appointment(reference)
        if appointment is None or appointment["conversation_id"] != conversation_id:
            return None
        return appointment

    async def cancel_appointment(self, reference: str, conversation_id: str) -> bool:
        """Cancel a booked appointment of that conversation; False when it was not booked."""
        cursor = await self._db.execute(
            "UPDATE appointments SET status = 'cancelled', cancelled_at = ?, "
            "cancel_reason = 'citizen' "
            "WHERE reference = ? AND conversation_id = ? AND status = 'booked'",
            (_now(), reference, conversation_id),
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

    async def add_ticket_details(
        self, ticket: str, conversation_id: str, details: str
    ) -> dict[str, Any] | None:
        """Add what the citizen said for the agent to a ticket of that conversation (None for
        any other ticket); said again, it is added after what was said before."""
        ticket_id = ticket_id_of(ticket)
        if ticket_id is None:
            return None
        details_at = _now()
        cursor = await self._db.execute(
            "UPDATE handoff_tickets SET details = "
            "CASE WHEN details IS NULL THEN ? ELSE details || char(10) || ? END, details_at = ? "
            "WHERE id = ? AND conversation_id = ?",
            (details, details, details_at, ticket_id, conversation_id),
        )
        if cursor.rowcount != 1:
            return None
        return {"ticket": ticket, "details_at": details_at}

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

    async def forget_conversation(self, conversation_id: str) -> dict[str, int]:
        """Erase what is stored about a conversation, in one transaction: its tickets and
        ratings are deleted; its appointments are kept for the office (a slot stays taken)
        but no longer linked to it. The number of records of each kind."""
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            tickets = await self._db.execute(
                "DELETE FROM handoff_tickets WHERE conversation_id = ?", (conversation_id,)
            )
            feedback = await self._db.execute(
                "DELETE FROM feedback WHERE conversation_id = ?", (conversation_id,)
            )
            appointments = await self._db.execute(
                "UPDATE appointments SET conversation_id = NULL, idempotency_key = NULL "
                "WHERE conversation_id = ?",
                (conversation_id,),
            )
            await self._db.execute("COMMIT")
        except BaseException:
            await self._db.execute("ROLLBACK")
            raise
        return {
            "handoff_tickets_deleted": tickets.rowcount,
            "ratings_deleted": feedback.rowcount,
            "appointments_anonymised": appointments.rowcount,
        }
