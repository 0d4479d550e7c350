"""The stage scenarios (scenarios.yml), checked when the server starts: a broken file stops
start-up with a message that says where, rather than a scenario failing on stage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConstrainedInt, ConstrainedStr, ValidationError, root_validator

from common.languages import LANGUAGES


class Text(ConstrainedStr):
    strip_whitespace = True
    min_length = 1
    max_length = 1000


class ButtonNumber(ConstrainedInt):
    ge = 1
    le = 20


class Step(BaseModel, extra="forbid"):
    say: Text | None = None
    tap: ButtonNumber | None = None

    @root_validator(skip_on_failure=True)
    def one_thing_per_step(cls, values: dict[str, Any]) -> dict[str, Any]:
        if (values.get("say") is None) == (values.get("tap") is None):
            raise ValueError("a step has either `say` or `tap`")
        return values


class Scenario(BaseModel, extra="forbid"):
    id: str
    titles: dict[str, Text]
    steps: dict[str, list[Step]]

    @root_validator(skip_on_failure=True)
    def every_language(cls, values: dict[str, Any]) -> dict[str, Any]:
        for key in ("titles", "steps"):
            missing = [lang for lang in LANGUAGES if not values[key].get(lang)]
            if missing:
                raise ValueError(f"{key} missing for {', '.join(missing)}")
        return values


class ScenarioError(Exception):
    pass


def load_scenarios(path: Path) -> list[dict[str, Any]]:
    """The scenarios as the page receives them; ScenarioError says what is wrong and where."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    if not isinstance(raw, list) or not raw:
        raise ScenarioError(f"{path}: expected a list of scenarios")
    scenarios = []
    for index, entry in enumerate(raw, start=1):
        try:
            scenarios.append(Scenario.parse_obj(entry).dict(exclude_none=True))
        except ValidationError as exc:
            raise ScenarioError(f"{path}: scenario {index}: {exc}") from None
    ids = [s["id"] for s in scenarios]
    if len(set(ids)) != len(ids):
        raise ScenarioError(f"{path}: scenario ids must be unique")
    return scenarios
