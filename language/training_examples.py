"""The recogniser's training examples: the NLU examples, labelled with what they are about,
and the catalogue's own names and descriptions, read from its files (the one source of the
names of services and life events)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from common.languages import LANGUAGES
from common.topics import SERVICE_NAMED, TOPIC_OF_INTENT

from .recogniser import EVENT, OTHER, OUT_OF_SCOPE, SERVICE, Example

YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CATALOGUE_NAME_WEIGHT = 1.0
CATALOGUE_DESCRIPTION_WEIGHT = 0.5  # long texts: they teach words, not how citizens ask


def _entity_value(entities: Iterable[Mapping[str, Any]], name: str) -> str | None:
    values = {str(e.get("value")) for e in entities if e.get("entity") == name}
    return values.pop() if len(values) == 1 else None


def nlu_example(
    text: str, intent: str, entities: Iterable[Mapping[str, Any]], metadata: Any
) -> Example:
    """What one NLU example is about: the service or life event in its block's metadata or
    its entity, out of scope, or another kind of request (its intent)."""
    about = (metadata.get("intent") or {}) if isinstance(metadata, dict) else {}
    entities = list(entities)
    service = about.get("service") or _entity_value(entities, "service")
    event = about.get("life_event") or _entity_value(entities, "life_event")
    topic = TOPIC_OF_INTENT.get(intent) or ("overview" if intent == SERVICE_NAMED else None)
    if service and (topic or intent in ACTION_INTENTS_WITH_A_SERVICE):
        return Example(text, SERVICE + service, topic or ACTION_INTENTS_WITH_A_SERVICE[intent])
    if event and intent == "life_event":
        return Example(text, EVENT + event)
    if intent == "out_of_scope":
        return Example(text, OUT_OF_SCOPE)
    # A follow-up such as "and how much is it?" asks a topic of the service in context.
    return Example(text, OTHER + intent, topic)


# Requests that act on a service: the service they name is recognised like any other, and
# what they ask of it is a topic of its own ("where is my passport application?" is no
# question about the passport's offices).
ACTION_INTENTS_WITH_A_SERVICE = {
    "book_appointment": "appointment",
    "check_application_status": "application_status",
    "find_office": "offices",
}


def _read(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)


def _texts(record: Mapping[str, Any], key: str) -> list[str]:
    value = record.get(key) or {}
    return [value[lang] for lang in LANGUAGES if isinstance(value, dict) and value.get(lang)]


def _keywords(record: Mapping[str, Any]) -> list[str]:
    keywords = record.get("keywords") or {}
    return [word for lang in LANGUAGES for word in keywords.get(lang, [])]


def catalogue_examples(catalogue_dir: Path) -> list[Example]:
    """Every service's and life event's titles, keywords and descriptions, in three languages."""
    examples = []
    for path in sorted((catalogue_dir / "services").glob("*.yml")):
        service = _read(path)
        label = SERVICE + service["identifier"]
        # No topic: names and descriptions say what a service is, not how citizens ask
        # about it (as overview examples they pulled every topic towards the overview).
        for name in [*_texts(service, "title"), *_keywords(service)]:
            examples.append(Example(name, label, None, CATALOGUE_NAME_WEIGHT))
        for text in _texts(service, "description"):
            examples.append(Example(text, label, None, CATALOGUE_DESCRIPTION_WEIGHT))
    for event in _read(catalogue_dir / "life_events.yml"):
        label = EVENT + event["identifier"]
        for name in [*_texts(event, "title"), *_keywords(event)]:
            examples.append(Example(name, label, None, CATALOGUE_NAME_WEIGHT))
        for text in _texts(event, "description"):
            examples.append(Example(text, label, None, CATALOGUE_DESCRIPTION_WEIGHT))
    return examples


def catalogue_fingerprint(catalogue_dir: Path) -> str:
    """Changes when a file the examples are read from changes (Rasa retrains then)."""
    digest = hashlib.sha256()
    for path in [
        *sorted((catalogue_dir / "services").glob("*.yml")),
        catalogue_dir / "life_events.yml",
    ]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
