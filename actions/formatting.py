"""Turning registry records into short, readable text for any channel."""

from __future__ import annotations

from typing import Any

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


def money(cost: dict[str, Any], lang: str) -> str:
    amount = float(cost["amount"])
    if amount == 0:
        return label("free", lang)
    return f"{amount:.3f} {cost['currency']}"


def fees(service: dict[str, Any], lang: str) -> str:
    return bullets(
        [f"{label(ch['channel'], lang)}: {money(ch['cost'], lang)}" for ch in service["channels"]]
    )


def office_line(office: dict[str, Any], lang: str) -> str:
    parts = [f"{office['name']}, {office['address']}"]
    if "distance_km" in office:
        parts.append(f"{office['distance_km']:.1f} {label('km', lang)}")
    parts.append(label("open_now" if office.get("open_now") else "closed_now", lang))
    return " · ".join(parts)


def offices(items: list[dict[str, Any]], lang: str) -> str:
    return bullets([office_line(office, lang) for office in items])
