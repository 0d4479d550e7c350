"""Every route of the registry API, in one place, and which of them hold citizens' data."""

from aiohttp import web

from . import handlers

API = "/v1"

# Routes that read or change what citizens gave (applications, appointments, tickets,
# ratings, who called when): only callers with the registry's token reach them.
CITIZEN_DATA = frozenset(
    {
        f"{API}/request-log",
        f"{API}/applications/{{reference}}",
        f"{API}/appointments",
        f"{API}/appointments/{{reference}}",
        f"{API}/handoff-tickets",
        f"{API}/handoff-tickets/{{ticket}}/details",
        f"{API}/feedback",
        f"{API}/conversation-data",
    }
)


def setup_routes(app: web.Application) -> None:
    app.router.add_get(f"{API}/health", handlers.health)
    app.router.add_get(f"{API}/openapi.json", handlers.openapi)
    app.router.add_get(f"{API}/request-log", handlers.request_log)
    app.router.add_get(f"{API}/catalogue", handlers.get_catalogue)
    app.router.add_get(f"{API}/catalogue.{{extension}}", handlers.get_catalogue)
    app.router.add_get("/.well-known/dcat-ap", handlers.get_dataset_description)
    app.router.add_get(f"{API}/services", handlers.list_services)
    app.router.add_get(f"{API}/services/{{service_id}}", handlers.get_service)
    app.router.add_get(f"{API}/agencies", handlers.list_agencies)
    app.router.add_get(f"{API}/agencies/{{agency_id}}", handlers.get_agency)
    app.router.add_get(f"{API}/life-events", handlers.list_life_events)
    app.router.add_get(f"{API}/life-events/{{event_id}}", handlers.get_life_event)
    app.router.add_get(f"{API}/offices", handlers.list_offices)
    app.router.add_get(f"{API}/offices/{{office_id}}", handlers.get_office)
    app.router.add_get(f"{API}/offices/{{office_id}}/slots", handlers.list_slots)
    app.router.add_get(f"{API}/applications/{{reference}}", handlers.get_application)
    app.router.add_post(f"{API}/appointments", handlers.book_appointment)
    app.router.add_get(f"{API}/appointments/{{reference}}", handlers.get_appointment)
    app.router.add_delete(f"{API}/appointments/{{reference}}", handlers.cancel_appointment)
    app.router.add_post(f"{API}/handoff-tickets", handlers.create_ticket)
    app.router.add_post(f"{API}/handoff-tickets/{{ticket}}/details", handlers.add_ticket_details)
    app.router.add_post(f"{API}/feedback", handlers.add_feedback)
    app.router.add_delete(f"{API}/conversation-data", handlers.forget_conversation)
