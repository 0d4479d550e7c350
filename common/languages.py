"""The languages the assistant speaks, and the digits citizens type in them."""

from __future__ import annotations

LANGUAGES = ("en", "fr", "ar")
DEFAULT_LANGUAGE = "en"

# Eastern Arabic and Persian digits, as typed on Arabic keyboards, to Western digits.
EASTERN_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
