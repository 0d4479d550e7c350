"""Amounts, dates and times as each language writes them (actions/formatting.py), in the forms
a reader (and the fee checks of the evaluation) can read back: Latin digits, no thousands
separator, no needless decimals."""

from __future__ import annotations

import pytest
import yaml

from actions import formatting
from registry.config import CATALOGUE_DIR

COUNTRY = yaml.safe_load((CATALOGUE_DIR / "country.yml").read_text(encoding="utf-8"))


def currency(lang: str) -> dict[str, object]:
    """The currency as the registry serves it in lang."""
    return {"code": "WDD", "unit": COUNTRY["currency"]["unit"][lang]}


@pytest.mark.parametrize(
    ("lang", "amount", "written"),
    [
        ("en", 80.0, "80 dinars"),
        ("en", 1.0, "1 dinar"),
        ("en", 1.5, "1.5 dinars"),
        ("en", 1500.0, "1500 dinars"),
        ("fr", 80.0, "80 dinars"),
        ("fr", 1.5, "1,5 dinar"),  # French counts below two in the singular
        ("fr", 1500.0, "1500 dinars"),
        ("ar", 80.0, "80 دينارا"),
        ("ar", 5.0, "5 دنانير"),
        ("ar", 150.0, "150 دينارا"),
        ("ar", 100.0, "100 دينار"),
        ("ar", 1.5, "1.5 دينار"),
        ("ar", 1500.0, "1500 دينار"),
    ],
)
def test_money_is_the_amount_and_the_currencys_word_in_its_plural_form(
    lang: str, amount: float, written: str
) -> None:
    assert formatting.money({"amount": amount, "currency": "WDD"}, currency(lang), lang) == written


@pytest.mark.parametrize(("lang", "free"), [("en", "free"), ("fr", "gratuit"), ("ar", "مجاني")])
def test_no_fee_is_the_word_free(lang: str, free: str) -> None:
    assert formatting.money({"amount": 0, "currency": "WDD"}, currency(lang), lang) == free


def test_another_currency_than_the_countrys_keeps_its_code() -> None:
    assert formatting.money({"amount": 12.5, "currency": "EUR"}, currency("en"), "en") == "12.5 EUR"


@pytest.mark.parametrize(
    ("lang", "long", "short"),
    [
        ("en", "Tuesday, 15 December 2026", "Tue 15 Dec"),
        ("fr", "mardi 15 décembre 2026", "mar. 15 déc."),
        ("ar", "الثلاثاء، 15 ديسمبر 2026", "الثلاثاء، 15 ديسمبر"),
    ],
)
def test_dates_have_their_weekday_and_latin_digits(lang: str, long: str, short: str) -> None:
    assert formatting.long_date("2026-12-15", lang) == long
    assert formatting.short_date("2026-12-15", lang) == short


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_times_are_on_the_24_hour_clock_in_latin_digits(lang: str) -> None:
    assert formatting.clock("09:30", lang) == "09:30"
    assert formatting.clock("14:00", lang) == "14:00"


@pytest.mark.parametrize(
    ("title", "lang", "subject"),
    [
        ("Passport", "en", "the passport"),
        (
            "Criminal record extract (Bulletin No. 3)",
            "en",
            "the criminal record extract (Bulletin No. 3)",
        ),
        ("ID card", "en", "the ID card"),
        ("Passeport", "fr", "Passeport"),
    ],
)
def test_a_service_title_reads_inside_a_sentence(title: str, lang: str, subject: str) -> None:
    assert formatting.subject(title, lang) == subject
