"""Logging set-up: level and optional file from settings; passwords never logged."""

from __future__ import annotations

import logging

from itsm.config import Settings, mask_url
from itsm.errors import ConfigError


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
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskPasswords())
    root.addHandler(handler)
    root.propagate = False
