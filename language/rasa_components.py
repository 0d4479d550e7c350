"""Rasa NLU components: Arabic normalisation before tokenising, the catalogue recogniser after
Rasa's classifiers, language detection last.

List them in config.yml as language.rasa_components.ArabicNormaliser (first),
language.rasa_components.CatalogueRecogniser (after the FallbackClassifier) and
language.rasa_components.LanguageDetector (last). None downloads anything.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import joblib
import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from common.json_bodies import readable_text
from common.references import APPLICATION_REFERENCE_ATTEMPT

from .decision import decide
from .detection import detect_language
from .normalise import normalise_with_offsets
from .recogniser import Recogniser, RecogniserConfig, Recognition
from .training_examples import YAML_LOADER, catalogue_examples, catalogue_fingerprint, nlu_example

DETECTED_LANGUAGE = "detected_language"


class _Preprocessor(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class ArabicNormaliser(_Preprocessor):
    """Normalises the text of training examples and messages alike (entity offsets follow)."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            normalise_message(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            normalise_message(message)
        return messages


def normalise_message(message: Message) -> None:
    text = message.get(TEXT)
    if not text:
        return
    # A lone surrogate (not Unicode text) would crash the components after this one; it
    # becomes U+FFFD, one character for one, so entity offsets stay right.
    text = readable_text(text)
    normalised, offsets = normalise_with_offsets(text)
    if normalised == message.get(TEXT):
        return
    message.set(TEXT, normalised)
    for entity in message.get(ENTITIES) or []:
        start, end = offsets[entity["start"]], offsets[entity["end"]]
        if entity.get("value") == text[entity["start"] : entity["end"]]:
            entity["value"] = normalised[start:end]  # a value taken from the words follows them
        entity["start"], entity["end"] = start, end


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class LanguageDetector(_Preprocessor):
    """Adds a detected_language entity (en, fr, ar) to messages written clearly in one
    language; the lang slot takes it, so the assistant answers in the citizen's language."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            language = detect_language(message.get(TEXT) or "")
            if language:
                entity = {
                    "entity": DETECTED_LANGUAGE,
                    "value": language,
                    "start": 0,
                    "end": 0,
                    "extractor": type(self).__name__,
                }
                message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class CatalogueRecogniser(GraphComponent):
    """Decides, from the whole sentence, which catalogued service or life event a message is
    about (or none), and its topic (language.recogniser, language.decision). Runs after the
    FallbackClassifier: it corrects Rasa's intent where the message is about the catalogue,
    and sets the `service` / `life_event` entities; other requests keep Rasa's intent.

    Trained on the NLU examples and on the catalogue's files (`catalogue_dir`, or the
    REGISTRY_CATALOGUE_DIR of the training run): a changed catalogue retrains it."""

    MODEL_FILE = "recogniser.joblib"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "catalogue_dir": "registry/catalogue_data",
            "embedder": "use",
            "embedding_weight": 1.0,
            "regularisation": 1.0,
        }

    @classmethod
    def catalogue_dir(cls, config: dict[str, Any]) -> Path:
        return Path(os.environ.get("REGISTRY_CATALOGUE_DIR") or config["catalogue_dir"])

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        return catalogue_fingerprint(cls.catalogue_dir({**cls.get_default_config(), **config}))

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        recogniser: Recogniser | None = None,
        events_of_service: dict[str, list[str]] | None = None,
    ) -> None:
        self.config = config
        self.model_storage = model_storage
        self.resource = resource
        self.recogniser = recogniser
        self.events_of_service = events_of_service or {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CatalogueRecogniser:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        catalogue = self.catalogue_dir(self.config)
        examples = [
            nlu_example(m.get(TEXT), m.get(INTENT), m.get(ENTITIES) or [], m.get("metadata"))
            for m in training_data.intent_examples
        ]
        examples += catalogue_examples(catalogue)
        settings = RecogniserConfig(
            embedder=self.config["embedder"] or None,
            embedding_weight=float(self.config["embedding_weight"]),
            regularisation=float(self.config["regularisation"]),
        )
        self.recogniser = Recogniser(settings).fit(examples)
        self.events_of_service = events_of_services(catalogue)
        with self.model_storage.write_to(self.resource) as directory:
            joblib.dump(
                {"recogniser": self.recogniser, "events_of_service": self.events_of_service},
                directory / self.MODEL_FILE,
            )
        return self.resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> CatalogueRecogniser:
        with model_storage.read_from(resource) as directory:
            stored = joblib.load(directory / cls.MODEL_FILE)
        return cls(
            config, model_storage, resource, stored["recogniser"], stored["events_of_service"]
        )

    def process(self, messages: list[Message]) -> list[Message]:
        if self.recogniser is None:
            return messages
        texts = [m.get(TEXT) or "" for m in messages]
        for message, recognition in zip(
            messages, self.recogniser.recognise_many(texts), strict=True
        ):
            apply_understanding(message, recognition, self.events_of_service)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


RECOGNISER = "CatalogueRecogniser"
# Entities this component sets, besides `service` and `life_event` (declared in the domain).
SERVICE_ALTERNATIVE = "service_alternative"
OFFERED_LIFE_EVENT = "offered_life_event"


def choose_intent(message: Message, name: str, confidence: float) -> None:
    """The message's intent, first in its ranking too."""
    chosen = {"name": name, "confidence": confidence}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != name]
    message.set(INTENT, chosen, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [chosen, *ranking], add_to_output=True)


def apply_understanding(
    message: Message, recognition: Recognition, events_of_service: dict[str, list[str]]
) -> None:
    """Set the message's intent and entities from the decision; record what was recognised
    (the demo page's inspector shows it)."""
    intent = message.get(INTENT) or {}
    message.set(
        "recognition",
        {"targets": recognition.targets[:3], "topics": recognition.topics[:3]},
        add_to_output=True,
    )
    if take_reference(message):
        return
    understanding = decide(
        intent.get("name") or "",
        intent.get("confidence") or 0.0,
        recognition,
        events_of_service,
        entities=frozenset(e.get("entity") for e in message.get(ENTITIES) or []),
    )
    if understanding is None:
        return
    choose_intent(message, understanding.intent, understanding.confidence)
    replaced = {"service", "life_event", SERVICE_ALTERNATIVE, OFFERED_LIFE_EVENT}
    entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") not in replaced]
    values = [
        ("service", understanding.service),
        ("life_event", understanding.life_event),
        *((SERVICE_ALTERNATIVE, s) for s in understanding.alternatives[1:]),
        (OFFERED_LIFE_EVENT, understanding.offered_life_event),
    ]
    for name, value in values:
        if value:
            entities.append(
                {
                    "entity": name,
                    "value": value,
                    "start": 0,
                    "end": 0,
                    "confidence": understanding.confidence,
                    "extractor": RECOGNISER,
                }
            )
    message.set(ENTITIES, entities, add_to_output=True)


STATUS_INTENT = "check_application_status"
REFERENCE_ENTITY = "reference_number"
# Requests that may carry a reference and are not about its status.
KEEPS_ITS_INTENT_WITH_A_REFERENCE = frozenset({"request_human", "cancel_appointment"})


def take_reference(message: Message) -> bool:
    """A message with an application reference in it, at any point of a conversation and
    wrong or not ("sorry, it's URB-2026-00076"), asks for that application's status."""
    intent = (message.get(INTENT) or {}).get("name")
    found = APPLICATION_REFERENCE_ATTEMPT.search(message.get(TEXT) or "")
    if found is None or intent in KEEPS_ITS_INTENT_WITH_A_REFERENCE:
        return False
    choose_intent(message, STATUS_INTENT, 1.0)
    entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") != REFERENCE_ENTITY]
    entities.append(
        {
            "entity": REFERENCE_ENTITY,
            "value": found.group(0),
            "start": found.start(),
            "end": found.end(),
            "confidence": 1.0,
            "extractor": RECOGNISER,
        }
    )
    message.set(ENTITIES, entities, add_to_output=True)
    return True


def events_of_services(catalogue_dir: Path) -> dict[str, list[str]]:
    """For each service, the life events it is a step of."""
    found: dict[str, list[str]] = {}
    for event in yaml.load(
        (catalogue_dir / "life_events.yml").read_text(encoding="utf-8"), Loader=YAML_LOADER
    ):
        for service in event["services"]:
            found.setdefault(service, []).append(event["identifier"])
    return found
