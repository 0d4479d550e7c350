"""The agencies' phone numbers and hours, kept by the action server from its last good read of
the registry, so that a citizen still gets a way to reach a person when the registry is down
(and the apology does not send them to a handoff that needs the registry too)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from common.languages import LANGUAGES

from .registry_client import RegistryRejected, RegistryUnavailable, registry

log = logging.getLogger(__name__)

REFRESH_SECONDS = 600.0
RETRY_MINUTES = 5  # what the apology suggests; the supervisor restarts a registry in seconds


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    hours: str


@dataclass
class ContactBook:
    # lang -> agency id -> contact; service id -> agency id
    agencies: dict[str, dict[str, Contact]] = field(default_factory=dict)
    agency_of_service: dict[str, str] = field(default_factory=dict)
    refreshed_at: float = 0.0

    def stale(self) -> bool:
        return time.monotonic() - self.refreshed_at > REFRESH_SECONDS

    async def refresh(self) -> None:
        agencies: dict[str, dict[str, Contact]] = {}
        for lang in LANGUAGES:
            agencies[lang] = {
                a["identifier"]: Contact(a["name"], a["phone"], a.get("phone_hours", ""))
                for a in await registry.list_agencies(lang)
            }
        services = await registry.list_services("en")
        self.agency_of_service = {
            s["identifier"]: s["competent_authority"]["identifier"] for s in services
        }
        self.agencies = agencies
        self.refreshed_at = time.monotonic()

    def for_service(self, service_id: str | None, lang: str) -> list[Contact]:
        """Who to call about service_id; with no service, the agencies citizens call most."""
        by_id = self.agencies.get(lang) or self.agencies.get("en") or {}
        agency = self.agency_of_service.get(service_id or "")
        if agency in by_id:
            return [by_id[agency]]
        return [by_id[a] for a in GENERAL_AGENCIES if a in by_id]


# The one-stop centres (interior) and civil status answer most general questions.
GENERAL_AGENCIES = ("interior", "civil-status")
contact_book = ContactBook()


async def warm_up_contacts() -> None:
    """Read the contacts once at start; a registry that is not up yet is retried later."""
    try:
        await contact_book.refresh()
    except (RegistryUnavailable, RegistryRejected) as exc:
        log.warning("contacts not read at start (%s); will retry", type(exc).__name__)


async def refresh_if_stale() -> None:
    if contact_book.stale():
        await warm_up_contacts()


def contact_lines(service_id: str | None, lang: str) -> str:
    """One line per agency to call, or "" when none was ever read."""
    return "\n".join(
        f"- {c.name}: {c.phone} ({c.hours})" if c.hours else f"- {c.name}: {c.phone}"
        for c in contact_book.for_service(service_id, lang)
    )


def unavailable_message(service_id: str | None, lang: str) -> dict[str, Any]:
    """The apology's response and variables when the registry cannot be reached."""
    lines = contact_lines(service_id, lang)
    return {
        "response": "utter_registry_unavailable_with_contacts"
        if lines
        else "utter_registry_unavailable",
        "contacts": lines,
        "minutes": RETRY_MINUTES,
    }
