"""Input checking for the registry's endpoints: every problem becomes a 4xx JSON error."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Extra, StrictInt, StrictStr, ValidationError, constr, validator

from .catalogue import LANGUAGES

REFERENCE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4}-\d{5}$")
APPOINTMENT_PATTERN = re.compile(r"^APT-\d{6}$")
IDENTIFIER = constr(strict=True, min_length=1, max_length=80, regex=r"^[a-z0-9][a-z0-9-]*$")


class ApiError(Exception):
    """An error the client caused; the middleware answers it as {"error": {...}} JSON."""

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"code": code, "message": message, **details}}


def bad_request(message: str, field: str | None = None) -> ApiError:
    return ApiError(400, "invalid_input", message, **({"field": field} if field else {}))


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


def parse_date(raw: str, field: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise bad_request(f"{field} must be a date written YYYY-MM-DD", field) from None


def parse_datetime(raw: str, field: str) -> datetime:
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        raise bad_request(f"{field} must be an ISO 8601 date and time", field) from None


class Body(BaseModel):
    class Config:
        extra = Extra.forbid
        anystr_strip_whitespace = True


class AppointmentRequest(Body):
    office_id: IDENTIFIER  # type: ignore[valid-type]
    service_id: IDENTIFIER  # type: ignore[valid-type]
    date: StrictStr
    time: constr(strict=True, regex=r"^([01]\d|2[0-3]):[0-5]\d$")  # type: ignore[valid-type]
    conversation_id: constr(strict=True, max_length=200) | None = None  # type: ignore[valid-type]

    @validator("date")
    def _iso_date(cls, value: str) -> str:
        date.fromisoformat(value)
        return value


class TicketRequest(Body):
    conversation_id: constr(strict=True, min_length=1, max_length=200)  # type: ignore[valid-type]
    service_id: IDENTIFIER | None = None  # type: ignore[valid-type]
    lang: StrictStr = "en"
    summary: constr(strict=True, max_length=4000) = ""  # type: ignore[valid-type]

    @validator("lang")
    def _known_lang(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value


class FeedbackRequest(Body):
    conversation_id: constr(strict=True, min_length=1, max_length=200)  # type: ignore[valid-type]
    rating: StrictInt
    comment: constr(strict=True, max_length=2000) | None = None  # type: ignore[valid-type]

    @validator("rating")
    def _one_to_five(cls, value: int) -> int:
        if not 1 <= value <= 5:
            raise ValueError("must be between 1 and 5")
        return value


async def read_body(request: web.Request, model: type[Body]) -> Any:
    """Parse a JSON body into model, or raise a 4xx that says which field is wrong and why."""
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    try:
        payload = await request.json()
    except ValueError:
        raise bad_request("the body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise bad_request("the body must be a JSON object")
    try:
        return model.parse_obj(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise bad_request(f"{field}: {first['msg']}", field) from None
