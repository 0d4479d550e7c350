"""Rasa message payloads that trigger an intent directly (button taps, channel commands):
`/intent{"entity": "value"}`, written one way everywhere."""

from __future__ import annotations

import json


def intent_payload(intent: str, **entities: object) -> str:
    if not entities:
        return f"/{intent}"
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(', ', ': '))}"
