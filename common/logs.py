"""Logging that is safe to keep: every record of the process has its reference numbers masked
and its control characters escaped (a request path with %0A cannot forge a log line, a NUL
or a lone surrogate cannot corrupt the file). Each process calls configure_logging() first."""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

from .references import mask_references

LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def escape_control(text: str) -> str:
    """One printable line: control characters as \\n, \\x00...; lone surrogates as \\udxxx."""
    text = _CONTROL.sub(lambda found: found.group().encode("unicode_escape").decode(), text)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def safe_text(text: str) -> str:
    return escape_control(mask_references(text))


def _safe_record_factory(base: Any) -> Any:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = base(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what logging itself would show
            return record
        record.msg, record.args = safe_text(message), None
        if record.exc_info and record.exc_info[0] is not None:
            formatted = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            masked = mask_references(formatted)
            record.exc_text = masked.encode("utf-8", "backslashreplace").decode("utf-8")
        return record

    factory.safe = True  # type: ignore[attr-defined]
    return factory


def install_safe_records() -> None:
    """Make every log record of this process safe, whoever logs it and however it is handled."""
    base = logging.getLogRecordFactory()
    if not getattr(base, "safe", False):
        logging.setLogRecordFactory(_safe_record_factory(base))


def configure_logging(level: int = logging.INFO) -> None:
    install_safe_records()
    logging.basicConfig(level=level, format=LOG_FORMAT)
