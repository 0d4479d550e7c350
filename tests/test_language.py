"""Language of a message, and Arabic normalisation (NLU, registry search, reference numbers)."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from language.detection import detect_language
from language.normalise import normalise, normalise_with_offsets
from language.rasa_components import normalise_message


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("how much does a passport cost?", "en"),
        ("combien coûte le passeport ?", "fr"),
        ("je veux une carte d identite stp", "fr"),
        ("قداش يكلف الباسبور", "ar"),
        ("نحب نجدد le passeport", "ar"),  # an Arabic sentence with a French document name
        ("أضف Bob Klose إلى la mejor música", "ar"),  # opens in Arabic, long Latin names
        ("chnowa el wra9i lel passeport", "ar"),  # Arabizi
        ("chhal yaswa el passeport?", "ar"),  # Arabizi without a digit
        ("ezzay a3mel el beta2a", "ar"),
        ("wesh, je veux renouveler mon passeport svp", "fr"),  # French with a Darija word
        ("inchallah I can renew my passport this week", "en"),
        ("ok", None),  # too short to tell: the conversation keeps its language
        ("CIV-2026-00042", None),
        ('/inform{"rating": "5"}', None),  # a button payload
    ],
)
def test_detect_language(text: str, language: str | None) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    "text", ["voilà: CIV-2026-00042", "HIN-٢٠٢٥-٠٠٠٠٩", "it's LND-2026-0012", "APT-004217"]
)
def test_a_reference_with_a_word_or_two_keeps_the_conversations_language(text: str) -> None:
    assert detect_language(text) is None


def test_times_and_ordinals_are_not_arabizi() -> None:
    assert detect_language("I'm Karim, call me back after 5pm or on the 3rd") == "en"
    assert detect_language("nheb na3ref 9addech") == "ar"


def test_arabic_forms_and_digits_are_folded() -> None:
    assert normalise("أُرِيدُ بطاقـــة التَّعريف") == "اريد بطاقه التعريف"
    assert normalise("إلى مستشفى") == "الي مستشفي"
    assert normalise("CIV-٢٠٢٦-٠٠٠٤٢ و ۱۲") == "CIV-2026-00042 و 12"
    assert normalise("carte d'identité") == "carte d'identité"  # Latin text untouched


def test_offsets_follow_removed_characters() -> None:
    text, offsets = normalise_with_offsets("بَطاقة")
    assert text == "بطاقه"
    assert offsets == [0, 1, 1, 2, 3, 4, 5]


def test_entities_of_training_examples_keep_their_words() -> None:
    text = "أُرِيد جَواز السَّفر"
    start = text.index("جَواز")
    message = Message(
        data={
            "text": text,
            "entities": [
                {"entity": "service", "value": "passport", "start": start, "end": len(text)},
            ],
        }
    )
    normalise_message(message)
    entity = message.get("entities")[0]
    assert message.get("text")[entity["start"] : entity["end"]] == "جواز السفر"
    assert entity["value"] == "passport"


async def test_choosing_a_language_confirms_in_that_language() -> None:
    from rasa.shared.core.domain import Domain
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.language import ActionSetLanguage

    domain = Domain.load("domain").as_dict()
    tracker = Tracker(
        "someone",
        {"lang": "en"},
        {
            "text": "speak Arabic",
            "intent": {"name": "set_language"},
            "entities": [{"entity": "language", "value": "ar"}],
        },
        [],
        False,
        None,
        {},
        "action_listen",
    )
    dispatcher = CollectingDispatcher()
    events = await ActionSetLanguage().run(dispatcher, tracker, domain)
    assert events == [{"event": "slot", "name": "lang", "value": "ar", "timestamp": None}]
    assert "بالعربية" in dispatcher.messages[0]["text"]


async def test_a_language_switch_that_also_asks_a_topic_answers_it_in_the_new_language() -> None:
    from rasa.shared.core.domain import Domain
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.language import ActionSetLanguage

    domain = Domain.load("domain").as_dict()

    def switch(topics: list[list[object]]) -> Tracker:
        message = {
            "text": "ok in English please, and what do I pay for it?",
            "intent": {"name": "set_language"},
            "entities": [{"entity": "language", "value": "en"}],
            "recognition": {"targets": [["other:set_language", 0.6]], "topics": topics},
        }
        slots = {"lang": "ar", "service_id": "family-record-book"}
        return Tracker("someone", slots, message, [], False, None, {}, "action_listen")

    events = await ActionSetLanguage().run(CollectingDispatcher(), switch([["fees", 0.8]]), domain)
    assert events[0] == {"event": "slot", "name": "lang", "value": "en", "timestamp": None}
    assert {"event": "slot", "name": "topic", "value": "fees", "timestamp": None} in events
    assert events[-1]["event"] == "followup"
    assert events[-1]["name"] == "action_answer_service_question"
    # A switch alone ("English please" reads as an overview at most): no answer added.
    alone = await ActionSetLanguage().run(
        CollectingDispatcher(), switch([["overview", 0.9]]), domain
    )
    assert [e["event"] for e in alone] == ["slot"]
