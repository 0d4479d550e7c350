"""Reference numbers of applications (CIV-2026-00042) and appointments (APT-004217): their
canonical formats, and masking them wherever text is logged (they identify a citizen's file)."""

from __future__ import annotations

import re

APPLICATION_REFERENCE = re.compile(r"^[A-Z]{3}-\d{4}-\d{5}$")
APPOINTMENT_REFERENCE = re.compile(r"^APT-\d{6}$")

# An attempt at an application reference inside a message, right or not ("sorry, it's
# urb-2026-0076", Eastern Arabic digits too): three letters, a year of this century, a number.
# Appointment references (APT-) are not applications.
APPLICATION_REFERENCE_ATTEMPT = re.compile(
    r"(?<![A-Za-z])(?!APT)[A-Za-z]{3}[-_ ./]?(?:20|٢٠)[0-9٠-٩]{2}[-_ ./]?[0-9٠-٩]{3,6}(?![0-9٠-٩])",
    re.IGNORECASE,
)

# Loose forms, as they appear in free text, URLs and log lines (any case, any separator).
_APPLICATION_IN_TEXT = re.compile(r"\b([A-Za-z]{3})[-_ ./]?\d{4}[-_ ./]?\d{5}\b")
APPOINTMENT_REFERENCE_IN_TEXT = re.compile(r"\b(APT)[-_ ]?\d{6}\b", re.IGNORECASE)


def mask_references(text: str) -> str:
    """Keep the agency code, hide the digits: CIV-****-*****, APT-******."""
    text = _APPLICATION_IN_TEXT.sub(r"\1-****-*****", text)
    return APPOINTMENT_REFERENCE_IN_TEXT.sub(r"\1-******", text)
