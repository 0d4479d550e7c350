"""Reading a JSON request body the same strict way in every service: UTF-8 application/json
only, no deeper than MAX_DEPTH, no lone surrogates. Whatever is wrong is a BodyError with
the HTTP status and a message that says what, never a crash of the server."""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 20
# In a Python string every surrogate code point is a lone one (pairs decode to one character).
_SURROGATE = re.compile("[\ud800-\udfff]")


class BodyError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.field = field


def check_media_type(media_type: str, charset: str | None) -> None:
    if media_type.strip().lower() != "application/json":
        raise BodyError(415, "unsupported_media_type", "send the body as application/json")
    if (charset or "utf-8").strip().strip('"').lower() not in ("utf-8", "utf8"):
        raise BodyError(415, "unsupported_media_type", "the body must be UTF-8 (charset=utf-8)")


def _depth(value: Any, limit: int) -> int:
    """How deeply value nests, counting no further than limit + 1."""
    if limit < 0 or not isinstance(value, dict | list):
        return 0
    items = value.values() if isinstance(value, dict) else value
    return 1 + max((_depth(item, limit - 1) for item in items), default=0)


def is_text(value: str) -> bool:
    """Whether value is Unicode text (no lone surrogate such as \\ud800)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def field_with_lone_surrogate(value: Any, path: str = "") -> str | None:
    if isinstance(value, str):
        return None if is_text(value) else path or "(body)"
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and not is_text(key):
            return path or "(body)"
        found = field_with_lone_surrogate(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


def parse_json(raw: bytes, *, allow_lone_surrogates: bool = False) -> Any:
    try:
        payload = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BodyError(400, "bad_json", "the body is not UTF-8 text") from None
    except RecursionError:
        raise BodyError(400, "bad_json", f"the body nests deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        raise BodyError(400, "bad_json", "the body is not valid JSON") from None
    if _depth(payload, MAX_DEPTH) > MAX_DEPTH:
        raise BodyError(400, "bad_json", f"the body nests deeper than {MAX_DEPTH} levels")
    if not allow_lone_surrogates:
        field = field_with_lone_surrogate(payload)
        if field is not None:
            raise BodyError(
                400,
                "invalid_text",
                f"{field}: contains a character that is not valid Unicode text",
                field,
            )
    return payload


def readable_text(text: str) -> str:
    """Text with lone surrogates replaced by U+FFFD (one character for one), so text
    processing cannot choke on it."""
    return text if is_text(text) else _SURROGATE.sub("\ufffd", text)
