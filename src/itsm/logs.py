"""Logging set-up: level and optional file from settings; passwords never logged."""

from __future__ import annotations

import logging

from itsm.config import Settings, mask_url


class MaskPasswords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_url(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configure_logging(settings: Settings) -> None:
    root = logging.getLogger("itsm")
    root.setLevel(settings.log_level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    handler: logging.Handler
    if settings.log_file is not None:
        settings.log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(settings.log_file, encoding="utf-8")
    else:
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskPasswords())
    root.addHandler(handler)
    root.propagate = False
