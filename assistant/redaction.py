"""What Rasa's structured log events must not carry to a log file."""

from __future__ import annotations

from typing import Any

# The keys Rasa itself lists as anonymisable (rasa.utils.log_utils), and the sender id.
USER_CONTENT_KEYS = frozenset(
    {
        "text",
        "response_text",
        "user_text",
        "slot_values",
        "parse_data_text",
        "parse_data_entities",
        "prediction_events",
        "tracker_latest_message",
        "prefilled_slots",
        "message",
        "response",
        "slot_candidates",
        "rasa_event",
        "rasa_events",
        "tracker_states",
        "current_states",
        "old_states",
        "successes",
        "current_entity",
        "next_entity",
        "states",
        "entity",
        "token_text",
        "user_message",
        "json_message",
        "sender_id",
        "conversation_id",
    }
)


def redact_user_content(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """A structlog processor: the values of user-content keys become "[redacted]"."""
    for key in USER_CONTENT_KEYS.intersection(event_dict):
        event_dict[key] = "[redacted]"
    return event_dict
