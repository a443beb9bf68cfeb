"""Logging set-up: level, file and format from settings; passwords and secrets never logged.

Code that logs a state change or an external call gives its facts as ``extra={"fields":
{...}}`` (see :func:`fields`): the text format appends them as ``key=value``, the JSON
format (``log_format = "json"``) writes one JSON object per line with them as keys.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from itsm.config import Settings, mask_url
from itsm.errors import ConfigError

#: Field names whose values are never written, whatever code passes them.
_SECRET = re.compile(r"password|passwd|secret|token(?!_id)|hash|authorization|cookie", re.I)


def fields(**values: Any) -> dict[str, Any]:
    """``extra=`` for a structured line: ``log.info("ticket.created", extra=fields(id=3))``."""
    return {"fields": values}


def _fields_of(record: logging.LogRecord) -> dict[str, Any]:
    given = getattr(record, "fields", None)
    if not isinstance(given, Mapping):
        return {}
    return {str(k): "[masked]" if _SECRET.search(str(k)) else _plain(v) for k, v in given.items()}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    return mask_url(str(value))


class MaskPasswords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_url(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class DropIgnoredErrors(logging.Filter):
    """psycopg's "error ignored terminating <Copy>: the connection is lost" and the like.

    psycopg logs them while it raises the error that caused them (a connection lost
    in the middle of a COPY, say) to its caller, and the command reports that error
    in its one ``error:`` line; the warning would be a second line, on stderr.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("error ignored ")


class TextLines(logging.Formatter):
    """``time LEVEL logger: message key=value ...`` (values JSON-quoted when needed)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        pairs = " ".join(f"{k}={_shown(v)}" for k, v in _fields_of(record).items())
        return f"{line} {pairs}" if pairs else line


def _shown(value: Any) -> str:
    """A value as ``key=value`` shows it: numbers bare, text quoted so spaces stay inside."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


class JsonLines(logging.Formatter):
    """One JSON object per line: ``time``, ``level``, ``logger``, ``message`` and the fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in _fields_of(record).items() if k not in entry})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(settings: Settings) -> None:
    psycopg_log = logging.getLogger("psycopg")
    if not any(isinstance(f, DropIgnoredErrors) for f in psycopg_log.filters):
        psycopg_log.addFilter(DropIgnoredErrors())
    root = logging.getLogger("itsm")
    root.setLevel(settings.log_level)
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    handler: logging.Handler
    if settings.log_file is not None:
        try:
            settings.log_file.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(settings.log_file, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"cannot write log file {settings.log_file}: {exc.strerror}"
            ) from None
    else:
        handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if settings.log_format == "json" else TextLines())
    handler.addFilter(MaskPasswords())
    root.addHandler(handler)
    root.propagate = False
