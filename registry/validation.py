"""Input checking for the registry's endpoints: every problem becomes a 4xx JSON error."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from pydantic import BaseModel, Extra, StrictInt, StrictStr, ValidationError, constr, validator

from common.conversation import (
    CONVERSATION_ID_HEADER,
    IDEMPOTENCY_KEY_HEADER,
    MAX_CONVERSATION_ID_LENGTH,
)
from common.json_bodies import BodyError, check_media_type, parse_json
from common.languages import LANGUAGES

IDENTIFIER = constr(strict=True, min_length=1, max_length=80, regex=r"^[a-z0-9][a-z0-9-]*$")
# Only the canonical spellings: 2026-12-03 and 09:30 (ISO 8601 has others, such as 20261203
# and 2026-W49-4, that would name the same slot in different words).
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LOCAL_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")
CLOCK_TIME = r"^([01]\d|2[0-3]):[0-5]\d$"
ENCODED_HEADER = re.compile(r"^[A-Za-z0-9%._~-]{1,600}$")
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{8,100}$")


class ApiError(Exception):
    """An error the client caused; the middleware answers it as {"error": {...}} JSON."""

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"code": code, "message": message, **details}}


def bad_request(message: str, field: str | None = None) -> ApiError:
    return ApiError(400, "invalid_input", message, **({"field": field} if field else {}))


def preferred_media_type(accept: str, offered: tuple[str, ...]) -> str | None:
    """The offered media type the Accept header prefers; the first offered when there is no
    header; None when none is acceptable. Each offered type takes the quality of the most
    specific range that matches it (RFC 9110: "text/turtle;q=0, */*" refuses Turtle), then
    the highest quality wins, ties going to the server's order."""
    if not accept.strip():
        return offered[0]
    ranges: dict[str, float] = {}
    for part in accept.split(","):
        kind, *parameters = (item.strip() for item in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        ranges[kind.lower()] = quality
    best: tuple[float, int, str] | None = None
    for rank, media_type in enumerate(offered):
        major = media_type.split("/")[0]
        matching = (media_type, f"{major}/*", "*/*")  # the most specific first
        quality = next((ranges[kind] for kind in matching if kind in ranges), 0.0)
        if quality > 0:
            candidate = (quality, -rank, media_type)
            best = max(best, candidate) if best else candidate
    return best[2] if best else None


def query_lang(request: web.Request) -> str:
    lang = request.query.get("lang", "en")
    if lang not in LANGUAGES:
        raise bad_request(f"lang must be one of {', '.join(LANGUAGES)}", "lang")
    return lang


def query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be a whole number", name) from None
    if not low <= value <= high:
        raise bad_request(f"{name} must be between {low} and {high}", name)
    return value


def query_float(request: web.Request, name: str, low: float, high: float) -> float | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise bad_request(f"{name} must be a number", name) from None
    if not low <= value <= high:
        raise bad_request(f"{name} must be between {low} and {high}", name)
    return value


def query_bool(request: web.Request, name: str) -> bool:
    raw = request.query.get(name, "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise bad_request(f"{name} must be true or false", name)
    return raw in ("true", "1")


def iso_date(raw: str) -> date:
    """The date of a YYYY-MM-DD string; ValueError for any other spelling."""
    if not ISO_DATE.match(raw):
        raise ValueError("not written YYYY-MM-DD")
    return date.fromisoformat(raw)


def parse_date(raw: str, field: str) -> date:
    try:
        return iso_date(raw)
    except ValueError:
        raise bad_request(f"{field} must be a date written YYYY-MM-DD", field) from None


def parse_datetime(raw: str, field: str) -> datetime:
    """A local date and time of the country, written YYYY-MM-DDTHH:MM[:SS]."""
    try:
        if not LOCAL_DATETIME.match(raw):
            raise ValueError(raw)
        return datetime.fromisoformat(raw)
    except ValueError:
        raise bad_request(
            f"{field} must be a local date and time written YYYY-MM-DDTHH:MM", field
        ) from None


class Body(BaseModel):
    class Config:
        extra = Extra.forbid
        anystr_strip_whitespace = True


ConversationId = constr(strict=True, min_length=1, max_length=MAX_CONVERSATION_ID_LENGTH)


class AppointmentRequest(Body):
    office_id: IDENTIFIER  # type: ignore[valid-type]
    service_id: IDENTIFIER  # type: ignore[valid-type]
    date: StrictStr
    time: constr(strict=True, regex=CLOCK_TIME)  # type: ignore[valid-type]
    conversation_id: ConversationId  # type: ignore[valid-type]

    @validator("date")
    def _iso_date(cls, value: str) -> str:
        try:
            iso_date(value)
        except ValueError:
            raise ValueError("must be a date written YYYY-MM-DD") from None
        return value


class TicketRequest(Body):
    conversation_id: ConversationId  # type: ignore[valid-type]
    service_id: IDENTIFIER | None = None  # type: ignore[valid-type]
    lang: StrictStr = "en"
    summary: constr(strict=True, max_length=4000) = ""  # type: ignore[valid-type]

    @validator("lang")
    def _known_lang(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value


class TicketDetailsRequest(Body):
    details: constr(strict=True, min_length=1, max_length=2000)  # type: ignore[valid-type]


class FeedbackRequest(Body):
    conversation_id: ConversationId  # type: ignore[valid-type]
    rating: StrictInt
    comment: constr(strict=True, max_length=2000) | None = None  # type: ignore[valid-type]

    @validator("rating")
    def _one_to_five(cls, value: int) -> int:
        if not 1 <= value <= 5:
            raise ValueError("must be between 1 and 5")
        return value


async def read_json(request: web.Request) -> Any:
    """The request's JSON body, or a 4xx that says what is wrong with it."""
    try:
        check_media_type(request.content_type, request.charset)
        return parse_json(await request.read())
    except BodyError as exc:
        if exc.status == 415:
            raise ApiError(415, exc.code, str(exc)) from None
        raise bad_request(str(exc), exc.field) from None


async def read_body(request: web.Request, model: type[Body]) -> Any:
    """Parse a JSON body into model, or raise a 4xx that says which field is wrong and why."""
    payload = await read_json(request)
    if not isinstance(payload, dict):
        raise bad_request("the body must be a JSON object")
    try:
        return model.parse_obj(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise bad_request(f"{field}: {first['msg']}", field) from None


def conversation_of(request: web.Request) -> str:
    """The conversation a call acts for, from its X-Conversation-Id header (percent-encoded)."""
    raw = request.headers.get(CONVERSATION_ID_HEADER, "")
    # An invalid %-sequence decodes to U+FFFD: it still names one conversation, consistently.
    conversation = unquote(raw, errors="replace") if ENCODED_HEADER.match(raw) else ""
    if not conversation or len(conversation) > MAX_CONVERSATION_ID_LENGTH:
        raise ApiError(
            400,
            "conversation_required",
            f"send the conversation this call is for in the {CONVERSATION_ID_HEADER} header "
            f"(1 to {MAX_CONVERSATION_ID_LENGTH} characters, percent-encoded)",
            field=CONVERSATION_ID_HEADER,
        )
    return conversation


def idempotency_key_of(request: web.Request) -> str | None:
    key = request.headers.get(IDEMPOTENCY_KEY_HEADER)
    if key is not None and not IDEMPOTENCY_KEY.match(key):
        raise bad_request(
            f"{IDEMPOTENCY_KEY_HEADER} must be 8 to 100 letters, digits, '-' or '_'",
            IDEMPOTENCY_KEY_HEADER,
        )
    return key
