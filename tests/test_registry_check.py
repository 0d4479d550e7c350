"""`python -m registry.check` tells a catalogue editor what is wrong or missing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from registry.config import CATALOGUE_DIR

PROJECT_DIR = Path(__file__).resolve().parent.parent


def check(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry.check", str(directory)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_shipped_catalogue_has_no_error_and_no_warning() -> None:
    result = check(CATALOGUE_DIR)
    assert result.returncode == 0 and "0 warnings" in result.stdout, result.stdout


def test_a_new_service_without_an_office_or_keywords_is_reported(catalogue_dir: Path) -> None:
    service = yaml.safe_load((catalogue_dir / "services" / "passport.yml").read_text("utf-8"))
    service.update(identifier="library-card", keywords={"en": ["library card"]})
    (catalogue_dir / "services" / "library-card.yml").write_text(
        yaml.safe_dump(service, allow_unicode=True), encoding="utf-8"
    )
    result = check(catalogue_dir)
    assert result.returncode == 0
    assert "service library-card: no office handles it" in result.stdout
    assert "service library-card: no fr keywords" in result.stdout


def test_a_broken_file_is_an_error_naming_the_file_and_field(catalogue_dir: Path) -> None:
    path = catalogue_dir / "services" / "passport.yml"
    path.write_text(path.read_text("utf-8").replace("amount: 80.000", 'amount: "eighty"'), "utf-8")
    result = check(catalogue_dir)
    assert result.returncode == 1
    assert "passport.yml" in result.stdout and "channels.0.cost.amount" in result.stdout


def test_a_service_dearer_online_than_at_the_counter_is_reported(catalogue_dir: Path) -> None:
    path = catalogue_dir / "services" / "passport.yml"
    path.write_text(path.read_text("utf-8").replace("amount: 75.000", "amount: 95.000"), "utf-8")
    result = check(catalogue_dir)
    assert result.returncode == 0
    assert "service passport: dearer online than in person" in result.stdout


def test_a_currency_word_without_its_other_plural_form_is_an_error(catalogue_dir: Path) -> None:
    path = catalogue_dir / "country.yml"
    path.write_text(
        path.read_text("utf-8").replace("{one: dinar, other: dinars}", "{one: dinar}", 1), "utf-8"
    )
    result = check(catalogue_dir)
    assert result.returncode == 1
    assert "country.yml" in result.stdout and "currency.unit.en" in result.stdout
