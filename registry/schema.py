"""The schema of the catalogue files: every file is checked against it when it is loaded, so a
broken edit is refused with the file, the field and what is wrong, and never reaches a request.

The models only validate; the registry keeps serving the files' own data (so a field added to
a file shows in the API without a code change, as long as the known fields are right).
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from pydantic import (
    BaseModel,
    ConstrainedStr,
    Extra,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    confloat,
    conint,
    conlist,
    root_validator,
    validator,
)

from common.references import APPLICATION_REFERENCE

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CHANNEL_KINDS = ("in_person", "online", "postal")
_HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


class Identifier(ConstrainedStr):
    strict = True
    regex = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


class Text(ConstrainedStr):
    strict = True
    min_length = 1
    strip_whitespace = True


class Model(BaseModel):
    class Config:
        extra = Extra.allow  # a new field in a file is served as it is


class Texts(BaseModel):
    """A text in the three languages, each required."""

    en: Text
    fr: Text
    ar: Text

    class Config:
        extra = Extra.forbid


class Keywords(BaseModel):
    en: list[Text] = []
    fr: list[Text] = []
    ar: list[Text] = []

    class Config:
        extra = Extra.forbid


class Cost(Model):
    amount: StrictFloat | StrictInt
    currency: StrictStr

    @validator("amount")
    def _not_negative(cls, value: float) -> float:
        if value < 0:
            raise ValueError("must be 0 or more")
        return value

    @validator("currency")
    def _currency_code(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError("must be a three-letter currency code like WDD")
        return value


class Channel(Model):
    channel: StrictStr
    cost: Cost
    description: Texts
    url: StrictStr | None = None

    @validator("channel")
    def _known_kind(cls, value: str) -> str:
        if value not in CHANNEL_KINDS:
            raise ValueError(f"must be one of {', '.join(CHANNEL_KINDS)}")
        return value

    @validator("url")
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https://[^\s]+", value):
            raise ValueError("must be an https:// address")
        return value


class ProcessingTime(Model):
    min_days: conint(ge=0, strict=True)  # type: ignore[valid-type]
    max_days: conint(ge=0, strict=True)  # type: ignore[valid-type]
    description: Texts

    @root_validator(skip_on_failure=True)
    def _ordered(cls, values: dict[str, Any]) -> dict[str, Any]:
        if values["max_days"] < values["min_days"]:
            raise ValueError("max_days must not be less than min_days")
        return values


class Service(Model):
    identifier: Identifier
    title: Texts
    description: Texts
    keywords: Keywords = Keywords()
    competent_authority: Identifier
    channels: conlist(Channel, min_items=1)  # type: ignore[valid-type]
    required_evidence: list[Texts]
    eligibility: list[Texts]
    output: Texts
    processing_time: ProcessingTime
    how_to_apply: conlist(Texts, min_items=1)  # type: ignore[valid-type]
    related_services: list[Identifier] = []


class Agency(Model):
    identifier: Identifier
    name: Texts
    description: Texts
    homepage: StrictStr | None = None
    phone: StrictStr
    phone_hours: Texts  # when the phone line answers, said to citizens as written


class OpeningHours(BaseModel):
    mon: list[StrictStr]
    tue: list[StrictStr]
    wed: list[StrictStr]
    thu: list[StrictStr]
    fri: list[StrictStr]
    sat: list[StrictStr]
    sun: list[StrictStr]

    class Config:
        extra = Extra.forbid

    @validator("*", each_item=True)
    def _span(cls, value: str) -> str:
        if not _HOURS.match(value):
            raise ValueError(f"{value!r} is not a time span written HH:MM-HH:MM, like 08:00-12:30")
        start, end = (time.fromisoformat(t) for t in value.split("-"))
        if start >= end:
            raise ValueError(f"{value!r} ends before it starts")
        return value


class Office(Model):
    identifier: Identifier
    name: Texts
    agency: Identifier
    city: Texts
    address: Texts
    latitude: confloat(ge=-90, le=90, strict=True)  # type: ignore[valid-type]
    longitude: confloat(ge=-180, le=180, strict=True)  # type: ignore[valid-type]
    phone: StrictStr
    opening_hours: OpeningHours
    services: list[Identifier]


class LifeEvent(Model):
    identifier: Identifier
    title: Texts
    description: Texts
    keywords: Keywords = Keywords()
    services: conlist(Identifier, min_items=1)  # type: ignore[valid-type]


class Status(Model):
    label: Texts
    description: Texts


class Application(Model):
    reference: StrictStr
    service: Identifier
    office: Identifier
    status: StrictStr
    submitted_on: date
    updated_on: date
    note: Texts | None = None

    @validator("reference")
    def _reference_format(cls, value: str) -> str:
        if not APPLICATION_REFERENCE.match(value):
            raise ValueError("must look like CIV-2026-00042")
        return value


# CLDR plural categories: which form of a word follows a number, by the language's rules.
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")


class UnitForms(BaseModel):
    """A word said after an amount, in each plural form its language uses ("other" at least)."""

    en: dict[StrictStr, Text]
    fr: dict[StrictStr, Text]
    ar: dict[StrictStr, Text]

    @validator("en", "fr", "ar")
    def _plural_forms(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = set(value) - set(PLURAL_CATEGORIES)
        if unknown:
            raise ValueError(f"unknown plural forms {sorted(unknown)}: use {PLURAL_CATEGORIES}")
        if "other" not in value:
            raise ValueError("the form 'other' is required")
        return value

    class Config:
        extra = Extra.forbid


class Currency(Model):
    code: StrictStr
    name: Texts
    unit: UnitForms


class Country(Model):
    identifier: Identifier
    name: Texts
    fictional: StrictBool
    notice: Texts
    currency: Currency
    timezone: StrictStr


def check(model: type[BaseModel], data: Any, where: str) -> None:
    """Validate data against model; ValueError naming the place, the field and the problem."""
    try:
        model.parse_obj(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or '(top level)'}: {error['msg']}"
            for error in exc.errors()[:5]
        )
        raise ValueError(f"{where}: {problems}") from None


def check_list(model: type[BaseModel], data: Any, where: str) -> None:
    if not isinstance(data, list):
        raise ValueError(f"{where}: must be a list of entries")
    for index, item in enumerate(data):
        label = item.get("identifier") or item.get("reference") if isinstance(item, dict) else None
        check(model, item, f"{where} entry {index + 1}{f' ({label})' if label else ''}")


def check_mapping(model: type[BaseModel], data: Any, where: str) -> None:
    if not isinstance(data, dict):
        raise ValueError(f"{where}: must be a mapping of identifiers to entries")
    for key, item in data.items():
        check(model, item, f"{where} entry {key}")
