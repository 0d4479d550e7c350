"""Every response of the domain speaks the three languages alike: an English, a French and an
Arabic variation, with the same placeholders (so a fact filled in for one is filled in for
all) and the same buttons."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.shared.core.domain import Domain

DOMAIN_DIR = Path(__file__).resolve().parent.parent / "domain"
RESPONSES: dict[str, list[dict[str, Any]]] = Domain.load(DOMAIN_DIR).as_dict()["responses"]
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def language_of(variation: dict[str, Any]) -> str:
    conditions = variation.get("condition") or []
    langs = [c["value"] for c in conditions if c.get("name") == "lang"]
    return langs[0] if langs else "en"


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_each_response_has_one_variation_per_language_with_the_same_variables(name: str) -> None:
    by_lang = {language_of(v): v for v in RESPONSES[name]}
    assert sorted(language_of(v) for v in RESPONSES[name]) == ["ar", "en", "fr"], name
    placeholders = {
        lang: set(PLACEHOLDER.findall(v.get("text", ""))) for lang, v in by_lang.items()
    }
    assert placeholders["fr"] == placeholders["en"] == placeholders["ar"], (name, placeholders)
    buttons = {lang: [b["payload"] for b in v.get("buttons", [])] for lang, v in by_lang.items()}
    assert buttons["fr"] == buttons["en"] == buttons["ar"], (name, buttons)


def test_each_response_is_written_in_one_file_of_the_domain_directory() -> None:
    files: dict[str, list[str]] = {}
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        for name in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses", {}):
            files.setdefault(name, []).append(path.name)
    assert set(files) == set(RESPONSES)
    assert all(len(where) == 1 for where in files.values()), files
