"""Turning registry records into short, readable text for any channel.

Amounts, dates and times are written by Babel (CLDR) in the conversation's language, always in
Latin digits: docs/architecture.md, "How answers write money, dates and times"."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from functools import cache
from typing import Any

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal

from common.languages import EASTERN_DIGITS

# Word labels that go inside sentences; the sentences themselves are responses in domain/.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "in_person": "In person",
        "online": "Online",
        "postal": "By post",
        "free": "free",
        "open_now": "open now",
        "closed_now": "closed now",
        "km": "km",
    },
    "fr": {
        "in_person": "Sur place",
        "online": "En ligne",
        "postal": "Par courrier",
        "free": "gratuit",
        "open_now": "ouvert",
        "closed_now": "fermé",
        "km": "km",
    },
    "ar": {
        "in_person": "حضوريا",
        "online": "عبر الإنترنت",
        "postal": "عبر البريد",
        "free": "مجاني",
        "open_now": "مفتوح الآن",
        "closed_now": "مغلق الآن",
        "km": "كم",
    },
}


def label(key: str, lang: str) -> str:
    return LABELS.get(lang, LABELS["en"]).get(key, LABELS["en"][key])


def bullets(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def numbered(items: list[str]) -> str:
    return "\n".join(f"{n}. {item}" for n, item in enumerate(items, start=1))


# British English writes the day before the month and a 24-hour clock, as the country does;
# Arabic digits stay Latin (0-9), as in the Maghreb.
LOCALES = {"en": "en_GB", "fr": "fr", "ar": "ar"}


@cache
def locale(lang: str) -> Locale:
    return Locale.parse(LOCALES.get(lang, LOCALES["en"]))


def latin(text: str) -> str:
    """Latin digits whatever the CLDR version's default for the locale."""
    return text.translate(EASTERN_DIGITS)


def amount(value: float, lang: str) -> str:
    """80 -> "80", 1.5 -> "1.5" (en, ar) or "1,5" (fr): no needless decimals, and no
    thousands separator, so that 1500 never reads as "1,500" (one and a half)."""
    return format_decimal(
        exact(value), locale=locale(lang), numbering_system="latn", group_separator=False
    )


def exact(value: float) -> int | Decimal:
    # 80.0 as a float has a visible decimal for CLDR's plural rules ("1.0 dinars").
    return int(value) if float(value).is_integer() else Decimal(str(value))


def money(cost: dict[str, Any], currency: dict[str, Any] | None, lang: str) -> str:
    """An amount and the currency's word in its plural form ("80 dinars", "80 دينارا"); the
    code when the currency is not the one described (currency, from the registry)."""
    value = float(cost["amount"])
    if value == 0:
        return label("free", lang)
    if currency is None or currency["code"] != cost["currency"]:
        return f"{amount(value, lang)} {cost['currency']}"
    forms: dict[str, str] = currency["unit"]
    unit = forms.get(locale(lang).plural_form(exact(value)), forms["other"])
    return f"{amount(value, lang)} {unit}"


# French sets a colon apart with a (no-break) space: "Sur place : 80 dinars".
COLON = {"fr": "\u00a0: "}


def fees(service: dict[str, Any], lang: str) -> str:
    currency = service.get("currency")
    colon = COLON.get(lang, ": ")
    return bullets(
        [
            f"{label(ch['channel'], lang)}{colon}{money(ch['cost'], currency, lang)}"
            for ch in service["channels"]
        ]
    )


def long_date(day: str, lang: str) -> str:
    """An ISO date with its weekday: "Tuesday, 15 December 2026", "mardi 15 décembre 2026"."""
    return latin(format_date(date.fromisoformat(day), "full", locale=locale(lang)))


def short_date(day: str, lang: str) -> str:
    """An ISO date short enough for a button: "Tue 15 Dec", "mar. 15 déc."."""
    return latin(format_skeleton("MMMEd", date.fromisoformat(day), locale=locale(lang)))


def clock(hhmm: str, lang: str) -> str:
    """A time of day on the 24-hour clock, as the country's offices write it: "09:30"."""
    return latin(format_skeleton("Hm", time.fromisoformat(hhmm), locale=locale(lang)))


def subject(title: str, lang: str) -> str:
    """A service's title as it reads inside a sentence: "the passport" (the French and Arabic
    responses name it as « la démarche « Passeport » », «خدمة «جواز السفر»»)."""
    if lang != "en":
        return title
    first, _, rest = title.partition(" ")
    # "Passport" -> "the passport", but an acronym stays as it is: "the ID card".
    return f"the {first if first.isupper() else first.lower()}{' ' if rest else ''}{rest}"


def office_line(office: dict[str, Any], lang: str) -> str:
    parts = [f"{office['name']}, {office['address']}"]
    if "distance_km" in office:
        parts.append(f"{office['distance_km']:.1f} {label('km', lang)}")
    parts.append(label("open_now" if office.get("open_now") else "closed_now", lang))
    return " · ".join(parts)


def offices(items: list[dict[str, Any]], lang: str) -> str:
    return bullets([office_line(office, lang) for office in items])
