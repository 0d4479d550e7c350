"""Reference numbers of applications (CIV-2026-00042) and appointments (APT-004217): their
canonical formats, and masking them wherever text is logged (they identify a citizen's file)."""

from __future__ import annotations

import re

APPLICATION_REFERENCE = re.compile(r"^[A-Z]{3}-\d{4}-\d{5}$")
APPOINTMENT_REFERENCE = re.compile(r"^APT-\d{6}$")

# Loose forms, as they appear in free text, URLs and log lines (any case, any separator).
_APPLICATION_IN_TEXT = re.compile(r"\b([A-Za-z]{3})[-_ ./]?\d{4}[-_ ./]?\d{5}\b")
_APPOINTMENT_IN_TEXT = re.compile(r"\b(APT)[-_ ]?\d{6}\b", re.IGNORECASE)


def mask_references(text: str) -> str:
    """Keep the agency code, hide the digits: CIV-****-*****, APT-******."""
    text = _APPLICATION_IN_TEXT.sub(r"\1-****-*****", text)
    return _APPOINTMENT_IN_TEXT.sub(r"\1-******", text)
