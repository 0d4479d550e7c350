"""Conversations that do not follow the script, through Rasa's REST webhook against the real
stack: a question in the middle of a booking, a correction, a reference after a bad one, a
city inside a sentence, a person and what they need, and being stuck."""

from __future__ import annotations

import re

import pytest

from .conftest import Conversation, Stack

BUTTON_DAY = re.compile(r'"appointment_date": "(\d{4}-\d{2}-\d{2})"')


def start_booking(conversation: Conversation, request: str) -> None:
    """Ask for an appointment, tap the first office: the form then asks for a day."""
    conversation.say(request)
    office = next(b for b in conversation.buttons if "office_id" in b["payload"])
    conversation.say(office["payload"])
    assert any(BUTTON_DAY.search(b["payload"]) for b in conversation.buttons)


@pytest.mark.parametrize(
    ("lang", "request_text", "question", "topic"),
    [
        ("en", "I need an appointment for a passport", "hang on, what does it cost?", "fees"),
        (
            "fr",
            "je veux un rendez-vous pour le passeport",
            "attendez, il faut apporter quels documents ?",
            "documents",
        ),
        ("ar", "نحب ناخذ موعد لجواز السفر", "استنى، قداش يكلف؟", "fees"),
    ],
)
def test_a_question_in_the_middle_of_a_booking_is_answered_and_the_booking_goes_on(
    conversation: Conversation, lang: str, request_text: str, question: str, topic: str
) -> None:
    start_booking(conversation, request_text)
    conversation.say(question)
    assert {"service_id": "passport", "topic": topic, "lang": lang} in conversation.payloads
    # The form asks for the day again, and takes one.
    day = next(m.group(1) for b in conversation.buttons if (m := BUTTON_DAY.search(b["payload"])))
    conversation.say(day)
    assert any('"appointment_time"' in b["payload"] for b in conversation.buttons)


def test_a_correction_answers_the_same_question_for_the_other_service(
    stack: Stack, conversation: Conversation
) -> None:
    conversation.say("how much is a marriage certificate?")
    assert conversation.payloads[-1]["service_id"] == "marriage-certificate"
    conversation.say("oh no, wrong one, rather the birth certificate")
    assert conversation.payloads[-1] == {
        "service_id": "birth-certificate",
        "topic": "fees",
        "lang": "en",
    }


def test_a_good_reference_after_a_bad_one_is_answered_in_the_conversations_language(
    stack: Stack, conversation: Conversation
) -> None:
    conversation.say("je voudrais suivre ma demande")
    conversation.say("CIV-2026-0042")  # one digit short
    assert "CIV-2026-0042" in conversation.text
    conversation.say("pardon, c'est CIV-2026-00042")
    assert conversation.payloads[-1]["topic"] == "application_status"
    assert conversation.payloads[-1]["lang"] == "fr"
    status = stack.registry("/v1/applications/CIV-2026-00042?lang=fr")
    assert status["status_label"] in conversation.text


def test_the_nearest_office_for_the_service_from_a_city_in_the_sentence(
    stack: Stack, conversation: Conversation
) -> None:
    conversation.say("what documents do I need for a building permit?")
    conversation.say("which office is nearest to me? I'm in Port Marsa")
    handling = stack.registry("/v1/offices?service=building-permit&city=Port%20Marsa")["offices"]
    first_line = conversation.text.splitlines()[1]
    assert handling[0]["name"] in first_line


def test_a_person_then_the_citizens_message_goes_on_the_ticket(
    stack: Stack, conversation: Conversation
) -> None:
    conversation.say("I want to speak to a real person please")
    ticket = re.search(r"HT-\d{6}", conversation.text)
    assert ticket, conversation.text
    conversation.say("my child allowance stopped in March, you can call me on 0611 222 333")
    assert ticket.group(0) in conversation.text
    assert not any(p.get("fallback") for p in conversation.payloads)


def test_two_misunderstandings_in_a_row_offer_a_person(conversation: Conversation) -> None:
    conversation.say("flibber wobble zonk")
    conversation.say("zonk wobble flibber again")
    assert any(b["payload"] == "/request_human" for b in conversation.buttons)
    assert "+999" in conversation.text


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "has anything happened with my passport renewal request? no news for weeks"),
        ("fr", "toujours rien pour mon dossier de carte grise, il avance ?"),
        ("ar", "ملف جواز السفر متاعي مازال ما خرجش، شنوة صار فيه؟"),
    ],
)
def test_a_status_request_that_names_the_service_asks_for_the_reference(
    conversation: Conversation, lang: str, text: str
) -> None:
    conversation.say(text)
    assert "CIV-2026-00042" in conversation.text  # the reference's format, as an example
    assert not any(p.get("fallback") for p in conversation.payloads)
