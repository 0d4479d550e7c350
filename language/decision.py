"""What a message is taken to mean, from Rasa's intent and the recogniser's view of the whole
sentence: which intent the dialogue gets, and which service or life event with it.

The recogniser decides what the message is about (a service, a life event, nothing in the
catalogue); Rasa's intent classifier keeps deciding the kind of request when it is not a
question about the catalogue (a greeting, "yes", a date in a form, a booking).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from common.topics import INTENT_OF_TOPIC, SERVICE_NAMED

from .recogniser import EVENT, OTHER, OUT_OF_SCOPE, SERVICE, Recognition

FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE_INTENT = "out_of_scope"
LIFE_EVENT_INTENT = "life_event"
TOPIC_QUESTIONS = frozenset(INTENT_OF_TOPIC.values())
SERVICE_QUESTIONS = frozenset({*TOPIC_QUESTIONS, SERVICE_NAMED})
# Requests that act on a service keep their intent; a service recognised in them is added.
ACTION_INTENTS = frozenset({"book_appointment", "check_application_status", "find_office"})
# Topics that are requests to act on the service (training_examples.py), and their intent.
ACTION_OF_TOPIC = {
    "appointment": "book_appointment",
    "application_status": "check_application_status",
}
# Requests that are only that request with their entity: a language switch names the
# language ("et les frais ?" is not one, however short and alike).
ENTITY_OF_REQUEST = {"set_language": "language"}


TOPIC_OF_ACTION = {intent: topic for topic, intent in ACTION_OF_TOPIC.items()}


def question_over_action(
    rasa_intent: str, recognition: Recognition, thresholds: Thresholds
) -> bool:
    """Rasa reads a status or booking request, but the topic model, which knows those requests
    too, does not: it finds that request unlikely, or is sure the message asks something else
    about the service ("my employer asks me for a criminal record extract" is no status
    request, whatever its words)."""
    action_topic = TOPIC_OF_ACTION.get(rasa_intent)
    if action_topic is None:
        return False
    topic, probability = recognition.top_topic
    return recognition.topic_probability(action_topic) < thresholds.action_topic or (
        topic not in ACTION_OF_TOPIC
        and topic != "overview"
        and probability >= thresholds.question_over_action
    )


def follow_up_over_out_of_scope(recognition: Recognition, thresholds: Thresholds) -> bool:
    """Out of scope is the most probable reading, but reading the message as a follow-up
    question that names no service ("شحال كتاخد من الوقت؟") comes close and the topic model is
    sure of its topic: a short question in words the recogniser has seen little of."""
    topic, topic_probability = recognition.top_topic
    follow_up = sum(
        p
        for label, p in recognition.targets
        if label.startswith(OTHER) and label.removeprefix(OTHER) in TOPIC_QUESTIONS
    )
    out_of_scope = recognition.probability(OUT_OF_SCOPE)
    return (
        topic in INTENT_OF_TOPIC
        and topic_probability >= thresholds.follow_up_topic
        and follow_up >= thresholds.follow_up_over_out_of_scope * out_of_scope
    )


def lacks_its_entity(intent: str, entities: frozenset[str]) -> bool:
    needed = ENTITY_OF_REQUEST.get(intent)
    return needed is not None and needed not in entities


@dataclass(frozen=True)
class Thresholds:
    service: float = 0.30  # the best service at least this probable: it is that service
    event: float = 0.30
    # ...or this probable, when Rasa's intent classifier is sure it is a question of that kind.
    confirmed: float = 0.15
    rasa_sure: float = 0.50
    out_of_scope: float = 0.0  # out of scope the most probable: the fallback
    topic: float = 0.30  # below: no clear topic, the overview
    # A life event at least this share as probable as the best service, and probable itself
    # (event threshold): the situation as a whole is asked, not one of its procedures.
    event_over_service: float = 0.8
    alternative: float = 0.25  # a second service this probable and close: "did you mean"
    alternative_gap: float = 0.05
    offer_event: float = 0.15  # a life event this probable, of the service: offered too
    action_intent: float = 0.50  # Rasa this sure of an action intent: it stays
    # Another kind of request ("and the fees?", "a person please") this probable, when Rasa
    # is unsure (its fallback): the recogniser's reading of the whole sentence stands.
    other_request: float = 0.40
    # Out of scope only this probable while Rasa is this sure of a topic that the topic model
    # also finds: a short follow-up in words the recogniser has not seen ("w chhal l flous?").
    weak_out_of_scope: float = 0.35
    rasa_sure_of_topic: float = 0.90
    # Follow-up questions (no service named) together this share as probable as out of scope,
    # and the topic model this sure: the follow-up. Held-out voices: a third of the follow-ups
    # read as out of scope are answered, 0.3% of out-of-scope sentences (docs/understanding.md).
    follow_up_over_out_of_scope: float = 0.6
    follow_up_topic: float = 0.7
    # The topic model this sure of a question, against Rasa's status or booking request...
    question_over_action: float = 0.70
    # ...or that request less probable than this: a question. Held-out voices: 85% of status
    # and booking requests reach it, 2% of questions (docs/understanding.md).
    action_topic: float = 0.20
    # ...and this sure of a status or booking request that Rasa does not see.
    act: float = 0.60


@dataclass
class Understanding:
    intent: str
    confidence: float
    service: str | None = None
    life_event: str | None = None
    alternatives: list[str] = field(default_factory=list)  # services to ask between
    offered_life_event: str | None = None  # the situation a named procedure belongs to


def decide(
    rasa_intent: str,
    rasa_confidence: float,
    recognition: Recognition,
    events_of_service: dict[str, list[str]],
    thresholds: Thresholds = Thresholds(),
    entities: frozenset[str] = frozenset(),
) -> Understanding | None:
    """The understanding of the message; None keeps Rasa's own (intent and entities)."""
    target, probability = recognition.targets[0]
    if target.startswith(OTHER):
        if lacks_its_entity(target.removeprefix(OTHER), entities):
            return None
        # Rasa unsure, or sure of a request the message lacks the entity of, or out of scope
        # where the recogniser (which decides out of scope) reads another request.
        rasa_unsure = rasa_intent in (FALLBACK_INTENT, OUT_OF_SCOPE_INTENT) or lacks_its_entity(
            rasa_intent, entities
        )
        if rasa_unsure and probability >= thresholds.other_request:
            return Understanding(target.removeprefix(OTHER), probability)
        return None
    event, event_probability = recognition.best(EVENT)
    if (
        target.startswith(SERVICE)
        and event_probability >= thresholds.event
        and event_probability >= thresholds.event_over_service * probability
    ):
        target, probability = event, event_probability
    rasa_agrees = rasa_confidence >= thresholds.rasa_sure and (
        (target.startswith(SERVICE) and rasa_intent in SERVICE_QUESTIONS)
        or (target.startswith(EVENT) and rasa_intent == LIFE_EVENT_INTENT)
    )
    if target.startswith(SERVICE) and probability >= (
        thresholds.confirmed if rasa_agrees else thresholds.service
    ):
        service = target.removeprefix(SERVICE)
        topic, topic_probability = recognition.top_topic
        if (
            rasa_intent in ACTION_INTENTS
            and rasa_confidence >= thresholds.action_intent
            and not question_over_action(rasa_intent, recognition, thresholds)
        ):
            return Understanding(rasa_intent, rasa_confidence, service=service)
        if topic_probability < thresholds.topic:
            topic = "overview"
        if topic in ACTION_OF_TOPIC:  # "where is my passport application?"
            # Starting a form costs a citizen more than a wrong answer: Rasa must agree, or
            # the topic model be sure; else the best question topic.
            if rasa_intent == ACTION_OF_TOPIC[topic] or topic_probability >= thresholds.act:
                return Understanding(ACTION_OF_TOPIC[topic], probability, service=service)
            topic, topic_probability = next(
                ((t, p) for t, p in recognition.topics if t not in ACTION_OF_TOPIC),
                ("overview", 0.0),
            )
            if topic_probability < thresholds.topic:
                topic = "overview"
        understanding = Understanding(INTENT_OF_TOPIC[topic], probability, service=service)
        second, second_probability = next(
            ((t, p) for t, p in recognition.targets[1:] if t.startswith(SERVICE)), ("", 0.0)
        )
        if (
            second_probability >= thresholds.alternative
            and probability - second_probability < thresholds.alternative_gap
        ):
            understanding.alternatives = [service, second.removeprefix(SERVICE)]
        event_id = event.removeprefix(EVENT)
        if event_probability >= thresholds.offer_event and event_id in events_of_service.get(
            service, []
        ):
            understanding.offered_life_event = event_id
        return understanding
    if target.startswith(EVENT) and probability >= (
        thresholds.confirmed if rasa_agrees else thresholds.event
    ):
        return Understanding(LIFE_EVENT_INTENT, probability, life_event=target.removeprefix(EVENT))
    if target == OUT_OF_SCOPE and probability >= thresholds.out_of_scope:
        topic, topic_probability = recognition.top_topic
        if (
            probability < thresholds.weak_out_of_scope
            and rasa_confidence >= thresholds.rasa_sure_of_topic
            and INTENT_OF_TOPIC.get(topic) == rasa_intent
        ):
            return None
        if follow_up_over_out_of_scope(recognition, thresholds):
            return Understanding(INTENT_OF_TOPIC[topic], topic_probability)
        return Understanding(FALLBACK_INTENT, probability)
    # Unsure: Rasa's understanding stands (its fallback when it is unsure too).
    return None
