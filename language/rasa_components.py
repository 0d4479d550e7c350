"""Rasa NLU components: Arabic normalisation before tokenising, language detection after.

List them in config.yml as language.rasa_components.ArabicNormaliser (first) and
language.rasa_components.LanguageDetector (last). Neither needs training or downloads.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from common.json_bodies import readable_text

from .detection import detect_language
from .normalise import normalise_with_offsets

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
