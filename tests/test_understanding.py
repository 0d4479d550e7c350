"""Recognising what a whole sentence is about: the decision between services, life events and
the rest; a service added to the catalogue recognised after training with no NLU file
edited; the lexical path when the embedding package cannot run; the training data kept apart
from the evaluation sets."""

from __future__ import annotations

import importlib.util
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.training_data.message import Message

from language import embeddings
from language.decision import Thresholds, decide
from language.rasa_components import CatalogueRecogniser, take_reference
from language.recogniser import Example, Recogniser, RecogniserConfig, Recognition
from registry.config import CATALOGUE_DIR

PROJECT_DIR = Path(__file__).resolve().parent.parent
CATALOGUE = CATALOGUE_DIR
SHARED_EVAL = PROJECT_DIR.parent / "shared" / "eval"
BLIND_SET = PROJECT_DIR / "tests" / "blind"
EVENTS_OF_SERVICE = {"death-registration": ["death-of-a-relative"]}


def recognition(targets: list[tuple[str, float]], topics: list[tuple[str, float]]) -> Recognition:
    return Recognition(targets, topics)


# The decision -------------------------------------------------------------------------------


def test_a_confident_service_with_no_clear_topic_gets_the_overview() -> None:
    seen = recognition([("service:passport", 0.8)], [("fees", 0.2), ("documents", 0.18)])
    understood = decide("nlu_fallback", 0.3, seen, EVENTS_OF_SERVICE)
    assert understood is not None
    assert (understood.intent, understood.service) == ("ask_overview", "passport")


def test_a_clear_topic_is_kept_and_rasas_unsure_intent_corrected() -> None:
    seen = recognition([("service:passport", 0.7)], [("fees", 0.9)])
    understood = decide("nlu_fallback", 0.4, seen, EVENTS_OF_SERVICE)
    assert understood is not None
    assert (understood.intent, understood.service) == ("ask_fees", "passport")


def test_two_close_services_ask_which_one() -> None:
    seen = recognition(
        [("service:passport", 0.41), ("service:national-id-card", 0.38), ("oos", 0.1)],
        [("how_to_apply", 0.8)],
    )
    understood = decide("ask_how_to_apply", 0.6, seen, EVENTS_OF_SERVICE)
    assert understood is not None
    assert understood.alternatives == ["passport", "national-id-card"]


def test_a_procedure_named_in_a_situation_gets_the_service_and_offers_the_life_event() -> None:
    seen = recognition(
        [("service:death-registration", 0.6), ("event:death-of-a-relative", 0.25)],
        [("offices", 0.7)],
    )
    understood = decide("ask_offices", 0.7, seen, EVENTS_OF_SERVICE)
    assert understood is not None
    assert (understood.intent, understood.service) == ("ask_offices", "death-registration")
    assert understood.offered_life_event == "death-of-a-relative"


def test_a_situation_asked_as_a_whole_gets_the_life_event() -> None:
    seen = recognition(
        [("service:death-registration", 0.45), ("event:death-of-a-relative", 0.42)],
        [("overview", 0.5)],
    )
    understood = decide("ask_overview", 0.5, seen, EVENTS_OF_SERVICE)
    assert understood is not None
    assert (understood.intent, understood.life_event) == ("life_event", "death-of-a-relative")


def test_out_of_scope_goes_to_the_fallback_and_other_requests_keep_rasas_intent() -> None:
    out = decide("ask_fees", 0.8, recognition([("oos", 0.7)], [("fees", 0.5)]), {})
    assert out is not None and out.intent == "nlu_fallback"
    greeting = recognition([("other:greet", 0.9), ("service:passport", 0.05)], [])
    assert decide("greet", 0.95, greeting, {}) is None


def test_a_follow_up_that_rasa_is_unsure_of_takes_the_recognisers_reading() -> None:
    follow_up = recognition([("other:ask_fees", 0.62), ("oos", 0.2)], [("fees", 0.8)])
    understood = decide("nlu_fallback", 0.55, follow_up, {})
    assert understood is not None and understood.intent == "ask_fees"
    assert understood.service is None  # the service in context answers it
    # Rasa's out of scope, where the recogniser reads a follow-up: the follow-up.
    assert decide("out_of_scope", 0.6, follow_up, {}).intent == "ask_fees"  # type: ignore[union-attr]
    # Not sure enough: Rasa's fallback stands.
    assert decide("nlu_fallback", 0.55, recognition([("other:ask_fees", 0.3)], []), {}) is None


def test_a_language_switch_is_taken_only_when_it_names_the_language() -> None:
    switch = recognition([("other:set_language", 0.6), ("other:ask_fees", 0.3)], [("fees", 0.5)])
    assert decide("nlu_fallback", 0.5, switch, {}) is None  # "et les frais ?"
    named = decide("nlu_fallback", 0.5, switch, {}, entities=frozenset({"language"}))
    assert named is not None and named.intent == "set_language"
    # Rasa sure of a switch that names no language, the recogniser of another request.
    fees = recognition([("other:ask_fees", 0.83)], [("fees", 0.95)])
    understood = decide("set_language", 0.87, fees, {})
    assert understood is not None and understood.intent == "ask_fees"


def test_a_weak_out_of_scope_yields_to_a_topic_rasa_and_the_topic_model_agree_on() -> None:
    short = recognition([("oos", 0.24), ("service:passport", 0.15)], [("fees", 0.9)])
    assert decide("ask_fees", 0.97, short, {}) is None  # Rasa's ask_fees stands
    # The same sentence when the topic model reads another topic, or oos is clear: fallback.
    other_topic = recognition([("oos", 0.24)], [("documents", 0.9)])
    assert decide("ask_fees", 0.97, other_topic, {}).intent == "nlu_fallback"  # type: ignore[union-attr]
    clear = recognition([("oos", 0.6)], [("fees", 0.9)])
    assert decide("ask_fees", 0.97, clear, {}).intent == "nlu_fallback"  # type: ignore[union-attr]


def test_a_follow_up_close_behind_out_of_scope_is_answered_as_that_topic() -> None:
    close = recognition(
        [("oos", 0.48), ("other:ask_processing_time", 0.33)], [("processing_time", 0.92)]
    )
    understood = decide("nlu_fallback", 0.48, close, {})
    assert understood is not None and understood.intent == "ask_processing_time"
    assert understood.service is None  # the dialogue answers for the service in context
    # Far behind, or the topic model unsure, or only a request to act: the fallback.
    for targets, topics in (
        ([("oos", 0.7), ("other:ask_processing_time", 0.2)], [("processing_time", 0.92)]),
        ([("oos", 0.48), ("other:ask_processing_time", 0.33)], [("processing_time", 0.5)]),
        ([("oos", 0.48), ("other:ask_processing_time", 0.33)], [("appointment", 0.9)]),
    ):
        assert decide("nlu_fallback", 0.48, recognition(targets, topics), {}).intent == (  # type: ignore[union-attr]
            "nlu_fallback"
        )


@pytest.mark.parametrize(
    "text, reference",
    [
        ("SOC-2026-0011", "SOC-2026-0011"),  # a wrong one too: the form says what is wrong
        ("wait, the right one is lnd-2026-00031", "lnd-2026-00031"),
        ("هذا هو الرقم HIN-٢٠٢٥-٠٠٠٠٩ من فضلك", "HIN-٢٠٢٥-٠٠٠٠٩"),
        ("c'est CIV 2026 00042 je crois", "CIV 2026 00042"),
    ],
)
def test_a_reference_anywhere_asks_for_that_applications_status(text: str, reference: str) -> None:
    message = Message(data={"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.3}})
    assert take_reference(message)
    assert message.get("intent")["name"] == "check_application_status"
    assert [e["value"] for e in message.get("entities")] == [reference]


@pytest.mark.parametrize(
    "text, intent",
    [
        ("please cancel APT-004217", "cancel_appointment"),
        ("call me on 0612 345 678", "request_human"),
        ("my phone is 0612 345 678", "inform"),
        ("I was born in 2026", "inform"),
    ],
)
def test_appointments_phone_numbers_and_years_are_not_application_references(
    text: str, intent: str
) -> None:
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9}})
    assert not take_reference(message)
    assert message.get("intent")["name"] == intent


def test_a_request_to_act_on_a_service_is_that_request_when_rasa_is_unsure() -> None:
    status = recognition([("service:unemployment-benefit", 0.7)], [("application_status", 0.8)])
    understood = decide("ask_offices", 0.4, status, {})
    # Not sure enough, and Rasa reads a question: the best question topic.
    unsure = recognition(
        [("service:unemployment-benefit", 0.7)], [("application_status", 0.5), ("offices", 0.4)]
    )
    assert decide("ask_offices", 0.4, unsure, {}).intent == "ask_offices"  # type: ignore[union-attr]
    assert understood is not None
    assert (understood.intent, understood.service) == (
        "check_application_status",
        "unemployment-benefit",
    )
    booking = recognition([("service:vehicle-registration", 0.6)], [("appointment", 0.7)])
    assert decide("nlu_fallback", 0.3, booking, {}).intent == "book_appointment"  # type: ignore[union-attr]


def test_a_sure_question_about_the_service_wins_over_a_status_request_by_its_words() -> None:
    question = recognition([("service:criminal-record-extract", 0.7)], [("documents", 0.8)])
    understood = decide("check_application_status", 0.9, question, {})
    assert understood is not None and understood.intent == "ask_documents"
    status = recognition([("service:criminal-record-extract", 0.7)], [("application_status", 0.8)])
    assert decide("check_application_status", 0.9, status, {}).intent == (  # type: ignore[union-attr]
        "check_application_status"
    )
    unclear = recognition(
        [("service:criminal-record-extract", 0.7)],
        [("documents", 0.4), ("application_status", 0.35)],
    )
    assert decide("check_application_status", 0.9, unclear, {}).intent == (  # type: ignore[union-attr]
        "check_application_status"
    )


def test_a_status_or_booking_request_the_topic_model_finds_unlikely_is_a_question() -> None:
    """Rasa's words-only classifier reads "my father turned 62 and has not asked the fund for
    his pension yet" as a status request; the topic model, which has learnt such requests from
    many writers, gives it little chance: the citizen gets an answer, not a form."""
    situation = recognition(
        [("service:old-age-pension", 0.65)],
        [("eligibility", 0.46), ("overview", 0.3), ("application_status", 0.12)],
    )
    understood = decide("check_application_status", 0.97, situation, {})
    assert understood is not None
    assert (understood.intent, understood.service) == ("ask_eligibility", "old-age-pension")
    need = recognition([("service:residence-certificate", 0.95)], [("overview", 0.7)])
    understood = decide("book_appointment", 0.7, need, {})
    assert understood is not None and understood.intent == "ask_overview"


def test_a_booking_keeps_its_intent_and_gets_the_service() -> None:
    seen = recognition([("service:passport", 0.8)], [("how_to_apply", 0.6), ("appointment", 0.3)])
    understood = decide("book_appointment", 0.9, seen, {}, Thresholds())
    assert understood is not None
    assert (understood.intent, understood.service) == ("book_appointment", "passport")


# The Rasa component, trained on the project's data and a catalogue with one more service ---

LIBRARY_CARD = {
    "identifier": "library-card",
    "title": {"en": "Public library card", "fr": "Carte de bibliothèque", "ar": "بطاقة المكتبة"},
    "description": {
        "en": "Join the public libraries and borrow books, films and e-books for free.",
        "fr": "S'inscrire aux bibliothèques publiques et emprunter livres et films.",
        "ar": "الاشتراك في المكتبات العمومية واستعارة الكتب والأفلام مجانا.",
    },
    "keywords": {
        "en": ["library card", "borrow books", "library membership", "public library"],
        "fr": ["carte de bibliothèque", "emprunter des livres", "médiathèque", "abonnement"],
        "ar": ["بطاقة مكتبة", "استعارة الكتب", "المكتبة العمومية", "اشتراك المكتبة"],
    },
}


@pytest.fixture(scope="module")
def recogniser_with_a_new_service(tmp_path_factory: pytest.TempPathFactory) -> CatalogueRecogniser:
    """The component trained as `rasa train` trains it, on the project's NLU data and on a
    copy of the catalogue with a library card service added (no NLU file mentions it)."""
    root = tmp_path_factory.mktemp("recogniser")
    catalogue = root / "catalogue"
    shutil.copytree(CATALOGUE, catalogue)
    service = yaml.safe_load((CATALOGUE / "services" / "passport.yml").read_text("utf-8"))
    service.update(LIBRARY_CARD, competent_authority="interior", related_services=[])
    (catalogue / "services" / "library-card.yml").write_text(
        yaml.safe_dump(service, allow_unicode=True), encoding="utf-8"
    )
    importer = TrainingDataImporter.load_from_dict(
        training_data_paths=[str(PROJECT_DIR / "data")], domain_path=str(PROJECT_DIR / "domain")
    )
    (root / "storage").mkdir()
    storage = LocalModelStorage(root / "storage")
    config = {**CatalogueRecogniser.get_default_config(), "catalogue_dir": str(catalogue)}
    context = ExecutionContext(graph_schema=None, model_id="test")  # type: ignore[arg-type]
    component = CatalogueRecogniser.create(config, storage, Resource("recogniser"), context)
    component.train(importer.get_nlu_data())
    return CatalogueRecogniser.load(config, storage, Resource("recogniser"), context)


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        "how do I get a library card to borrow books?",
        "je voudrais une carte de bibliothèque pour emprunter des livres",
        "كيف أحصل على بطاقة المكتبة لاستعارة الكتب؟",
    ],
)
def test_a_service_added_to_the_catalogue_is_recognised_in_three_languages(
    recogniser_with_a_new_service: CatalogueRecogniser, text: str
) -> None:
    message = Message(data={"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.3}})
    recogniser_with_a_new_service.process([message])
    services = [e["value"] for e in message.get("entities") or [] if e["entity"] == "service"]
    assert services == ["library-card"], message.get("recognition")


def test_the_catalogue_is_part_of_the_components_fingerprint(tmp_path: Path) -> None:
    shutil.copytree(CATALOGUE, tmp_path / "catalogue")
    config = {"catalogue_dir": str(tmp_path / "catalogue")}
    before = CatalogueRecogniser.fingerprint_addon(config)
    (tmp_path / "catalogue" / "services" / "passport.yml").write_text("changed", "utf-8")
    assert CatalogueRecogniser.fingerprint_addon(config) != before  # rasa train retrains


# Without the embedding package ----------------------------------------------------------------


class BrokenEmbedder:
    size = 512

    def __init__(self) -> None:
        raise OSError("illegal instruction in the model's library")


def small_examples() -> list[Example]:
    return [
        *(Example(t, "service:passport", "fees") for t in ("passport fee", "how much passport")),
        *(
            Example(t, "service:passport", "documents")
            for t in ("passport papers", "docs passport")
        ),
        *(Example(t, "oos", None) for t in ("tell me a joke", "weather today", "play music")),
        *(Example(t, "other:greet", None) for t in ("hello", "hi there", "good morning")),
    ]


@pytest.mark.slow
def test_an_embedder_that_cannot_run_leaves_the_lexical_features_and_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    trained = Recogniser(RecogniserConfig(embedder="use")).fit(small_examples())
    assert trained.embedder_name == "use"
    monkeypatch.setitem(embeddings.EMBEDDERS, "use", BrokenEmbedder)
    caplog.set_level(logging.WARNING, logger="language.embeddings")
    # A model trained with embeddings, loaded where they cannot run: it still recognises.
    moved = Recogniser(**{**trained.__getstate__()})
    assert moved.recognise("how much is the passport fee").target == "service:passport"
    assert "lexical features only" in caplog.text
    # Trained where they cannot run: lexical features alone, from the start.
    lexical = Recogniser(RecogniserConfig(embedder="use")).fit(small_examples())
    assert lexical.embedder_name is None
    assert lexical.recognise("tell me a joke please").target == "oos"


# The training data never comes from the evaluation sets ---------------------------------------


@pytest.mark.slow
def test_no_training_sentence_is_a_copy_or_close_variant_of_an_evaluation_sentence() -> None:
    assert SHARED_EVAL.exists(), f"the evaluation sets are expected at {SHARED_EVAL}"
    assert list(BLIND_SET.glob("*.tsv")), f"the blind set is expected in {BLIND_SET}"
    result = subprocess.run(
        [
            sys.executable,
            "scripts/check_training_data.py",
            "data/nlu",
            "--eval-dir",
            str(SHARED_EVAL),
            str(BLIND_SET),
        ],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_the_check_refuses_copies_and_paraphrases_of_an_evaluation_sentence() -> None:
    spec = importlib.util.spec_from_file_location(
        "check_training_data", PROJECT_DIR / "scripts" / "check_training_data.py"
    )
    assert spec and spec.loader
    check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check)
    held_out = ["My father died and his car is still in his name, we want to put it in my mother's"]
    reasons = check.too_close(
        [
            "MY FATHER DIED and his car is still in his name; we want to put it in my mothers",
            "my dad passed away and the car is still on his name, we want it on my mum's name",
            "how much is a passport these days",
            "vehicle registration",
        ],
        held_out,
    )
    assert reasons[0] and reasons[1], reasons
    assert reasons[2] is None and reasons[3] is None, reasons


def test_a_model_file_that_is_not_the_pinned_one_is_not_used(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    pinned = {key: "0" * 64 for key in embeddings.MODEL_FILES["use"]}
    monkeypatch.setitem(embeddings.MODEL_FILES, "use", pinned)
    caplog.set_level(logging.WARNING, logger="language.embeddings")
    assert embeddings.load_embedder("use") is None
    assert "not the pinned model" in caplog.text
