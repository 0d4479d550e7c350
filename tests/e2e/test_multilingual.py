"""Conversations in French and Arabic, and switching language mid-conversation: the reply
comes in the citizen's language, with the registry's text in that language."""

from __future__ import annotations

from .conftest import Conversation, Stack


def fee_text(stack: Stack, service_id: str, lang: str) -> tuple[str, str]:
    service = stack.registry(f"/v1/services/{service_id}?lang={lang}")
    amount = f"{service['channels'][0]['cost']['amount']:g}"
    return service["title"], amount.replace(".", ",") if lang == "fr" else amount


def test_a_french_question_gets_a_french_answer(stack: Stack, conversation: Conversation) -> None:
    conversation.say("bonjour, combien coûte le passeport ?")
    assert conversation.payloads == [{"service_id": "passport", "topic": "fees", "lang": "fr"}]
    title, amount = fee_text(stack, "passport", "fr")
    assert title in conversation.text and amount in conversation.text


def test_an_arabic_question_gets_an_arabic_answer(stack: Stack, conversation: Conversation) -> None:
    conversation.say("ما هي الوثائق المطلوبة لجواز السفر؟")
    assert conversation.payloads == [{"service_id": "passport", "topic": "documents", "lang": "ar"}]
    documents = stack.registry("/v1/services/passport?lang=ar")["required_evidence"]
    assert documents[0] in conversation.text


def test_an_arabic_follow_up_keeps_the_service(stack: Stack, conversation: Conversation) -> None:
    conversation.say("شنوة الأوراق اللازمة لبطاقة التعريف")
    assert conversation.payloads[-1]["service_id"] == "national-id-card"
    conversation.say("وقداش تكلف؟")
    assert conversation.payloads == [
        {"service_id": "national-id-card", "topic": "fees", "lang": "ar"}
    ]


def test_switching_language_mid_conversation(stack: Stack, conversation: Conversation) -> None:
    conversation.say("what documents do I need for a driving licence?")
    assert conversation.payloads[-1]["lang"] == "en"
    conversation.say("speak French please")
    assert "français" in conversation.text
    conversation.say("et combien ça coûte ?")
    assert conversation.payloads == [
        {"service_id": "driving-licence", "topic": "fees", "lang": "fr"}
    ]
    title, _ = fee_text(stack, "driving-licence", "fr")
    assert title in conversation.text


def test_arabic_life_event(stack: Stack, conversation: Conversation) -> None:
    conversation.say("زوجتي ولدت طفل البارحة")
    assert conversation.payloads[-1]["life_event"] == "having-a-baby"
    assert conversation.payloads[-1]["lang"] == "ar"


def test_reference_with_eastern_arabic_digits(stack: Stack, conversation: Conversation) -> None:
    conversation.say("حالة طلبي")
    conversation.say("CIV-٢٠٢٦-٠٠٠٤٢")
    status = stack.registry("/v1/applications/CIV-2026-00042?lang=ar")
    assert status["status_label"] in conversation.text
    assert conversation.payloads[-1]["lang"] == "ar"


def test_french_out_of_scope_gets_the_fallback(conversation: Conversation) -> None:
    conversation.say("tu peux me raconter une blague sur les chats ?")
    assert conversation.payloads == [{"fallback": True, "lang": "fr"}]
