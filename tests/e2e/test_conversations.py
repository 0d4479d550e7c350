"""Conversations through Rasa's REST webhook against the real stack: each answer must carry
the answer contract and facts that come from the registry at run time."""

from __future__ import annotations

import re

import yaml

from .conftest import Conversation, Stack

TOPIC_QUESTIONS = {
    "overview": "tell me about the passport",
    "documents": "what documents do I need for a passport",
    "fees": "how much does a passport cost",
    "processing_time": "how long does it take to get a passport",
    "offices": "where can I apply for a passport",
    "eligibility": "who is eligible for a passport",
    "how_to_apply": "how do I apply for a passport",
}


def money(amount: float) -> str:
    """An amount as English answers write it: "80 dinars", "1.5 dinars"."""
    return f"{amount:g} dinar"


def expected_fact(stack: Stack, service_id: str, topic: str) -> str:
    """A piece of the registry's record that the answer on this topic must contain."""
    service = stack.registry(f"/v1/services/{service_id}?lang=en")
    if topic == "overview":
        return service["description"]
    if topic == "documents":
        return service["required_evidence"][0]
    if topic == "fees":
        cost = service["channels"][0]["cost"]
        return money(cost["amount"]) if cost["amount"] else "free"
    if topic == "processing_time":
        return service["processing_time"]["description"]
    if topic == "offices":
        return stack.registry(f"/v1/offices?service={service_id}&limit=3")["offices"][0]["name"]
    if topic == "eligibility":
        return service["eligibility"][0]
    return service["how_to_apply"][0]


def test_each_topic_is_answered_with_registry_facts_and_the_contract(
    stack: Stack, conversation: Conversation
) -> None:
    for topic, question in TOPIC_QUESTIONS.items():
        conversation.say(question)
        assert {"service_id": "passport", "topic": topic, "lang": "en"} in conversation.payloads, (
            question,
            conversation.replies,
        )
        assert expected_fact(stack, "passport", topic) in conversation.text


def test_follow_up_keeps_the_service_in_context(stack: Stack, conversation: Conversation) -> None:
    conversation.say("which papers do I need for a driving licence?")
    assert conversation.payloads[-1]["service_id"] == "driving-licence"
    conversation.say("and how much is it?")
    assert conversation.payloads == [
        {"service_id": "driving-licence", "topic": "fees", "lang": "en"}
    ]
    assert expected_fact(stack, "driving-licence", "fees") in conversation.text


def test_life_event_lists_the_bundle_of_services_in_order(
    stack: Stack, conversation: Conversation
) -> None:
    conversation.say("I just had a baby")
    event = stack.registry("/v1/life-events/having-a-baby")
    expected_ids = [s["identifier"] for s in event["services"]]
    assert conversation.payloads == [
        {"life_event": "having-a-baby", "service_ids": expected_ids, "lang": "en"}
    ]
    titles = [s["title"] for s in event["services"]]
    # Once, as numbered buttons in the order of the steps (not listed again in the text).
    assert [b["title"] for b in conversation.buttons] == [
        f"{n}. {title}" for n, title in enumerate(titles, start=1)
    ]


def test_status_explains_a_bad_reference_then_reports_a_good_one(
    stack: Stack, conversation: Conversation
) -> None:
    applications = yaml.safe_load((stack.catalogue_dir / "applications.yml").read_text())
    reference = applications[0]["reference"]
    conversation.say("what is the status of my application?")
    assert "reference number" in conversation.text
    conversation.say("12345")
    assert "three letters" in conversation.text
    conversation.say(reference.lower())
    status = stack.registry(f"/v1/applications/{reference}")
    assert status["status_label"] in conversation.text
    assert reference in conversation.text
    assert conversation.payloads[-1]["topic"] == "application_status"


def test_booking_an_appointment_with_buttons_and_confirmation(
    stack: Stack, conversation: Conversation
) -> None:
    conversation.say("I want to book an appointment for a national ID card")
    assert conversation.buttons, conversation.replies  # the offices for that service
    conversation.say(conversation.buttons[0]["payload"])
    assert conversation.buttons, conversation.replies  # days with free slots
    conversation.say(conversation.buttons[0]["payload"])
    time = conversation.buttons[0]["title"]
    conversation.say(conversation.buttons[0]["payload"])
    assert time in conversation.text and "book" in conversation.text.lower()
    day = re.search(r"\d{4}-\d{2}-\d{2}", conversation.text)  # the confirmation says it
    assert day, conversation.replies
    conversation.say("yes")
    found = re.search(r"APT-\d{6}", conversation.text)
    assert found, conversation.replies
    appointment = stack.registry(f"/v1/appointments/{found.group()}", conversation.sender)
    assert appointment["status"] == "booked"
    assert (appointment["date"], appointment["time"]) == (day.group(), time)
    assert conversation.payloads[-1] == {
        "service_id": "national-id-card",
        "topic": "appointment",
        "lang": "en",
    }

    conversation.say(f"cancel my appointment {found.group()}")
    assert "cancelled" in conversation.text
    cancelled = stack.registry(f"/v1/appointments/{found.group()}", conversation.sender)
    assert cancelled["status"] == "cancelled"


def test_asking_for_a_human_creates_a_ticket(conversation: Conversation) -> None:
    conversation.say("I want to talk to a real person")
    assert re.search(r"HT-\d{6}", conversation.text), conversation.replies


def test_out_of_scope_gets_the_fallback_not_a_service(conversation: Conversation) -> None:
    for text in ("tell me a joke about cats", "what's the weather like in the mountains"):
        conversation.say(text)
        assert conversation.payloads == [{"fallback": True, "lang": "en"}], (
            text,
            conversation.replies,
        )


def test_nearest_office_from_a_shared_location(stack: Stack, conversation: Conversation) -> None:
    office = stack.registry("/v1/offices?limit=1")["offices"][0]
    conversation.say(
        f'/share_location{{"latitude": {office["latitude"]}, "longitude": {office["longitude"]}}}'
    )
    assert office["name"] in conversation.text.split("\n")[1]


def test_nearest_office_by_city(stack: Stack, conversation: Conversation) -> None:
    office = stack.registry("/v1/offices?limit=1")["offices"][0]
    conversation.say("where is the nearest office?")
    assert "city" in conversation.text
    conversation.say(office["city"])
    assert office["city"] in conversation.text


def test_rating_is_stored(conversation: Conversation) -> None:
    conversation.say("I want to rate this conversation")
    assert conversation.buttons
    conversation.say("7")
    assert "1 to 5" in conversation.text
    conversation.say("4")
    assert "4/5" in conversation.text


def test_a_fee_changed_in_the_registry_shows_in_the_next_answer(
    stack: Stack, conversation: Conversation
) -> None:
    path = stack.catalogue_dir / "services" / "birth-certificate.yml"
    service = yaml.safe_load(path.read_text())
    service["channels"][0]["cost"]["amount"] = 4.321
    path.write_text(yaml.safe_dump(service, allow_unicode=True, sort_keys=False))
    conversation.say("how much is a birth certificate?")
    assert conversation.payloads[-1]["service_id"] == "birth-certificate"
    assert "4.321" in conversation.text


def test_greeting_help_and_restart(conversation: Conversation) -> None:
    conversation.say("hello")
    assert conversation.text
    conversation.say("what can you do?")
    assert conversation.buttons
    conversation.say("how much does a passport cost")
    conversation.say("start over")
    conversation.say("and how much is it?")
    # After a restart there is no service in context: the assistant asks which one.
    assert all("service_id" not in p for p in conversation.payloads)


def test_a_restart_loses_no_conversation_and_no_booking(
    stack: Stack, conversation: Conversation
) -> None:
    """Runs last: stops the whole stack and starts it again on the same databases."""
    conversation.say("which documents do I need for a building permit?")
    assert conversation.payloads[-1]["service_id"] == "building-permit"
    conversation.say("I want to talk to a human")
    ticket = re.search(r"HT-\d{6}", conversation.text)
    assert ticket

    stack.stop()
    stack.start()

    # The tracker came back from the SQL tracker store: the service is still in context.
    conversation.say("and how much is it?")
    assert conversation.payloads == [
        {"service_id": "building-permit", "topic": "fees", "lang": "en"}
    ]
    conversation.say("I want to talk to a human")
    next_ticket = re.search(r"HT-\d{6}", conversation.text)
    assert next_ticket and next_ticket.group() > ticket.group()
