"""What a logger wrote, as the JSON lines ``log_format = "json"`` gives (no file needed)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from itsm.logs import JsonLines


class Lines:
    def __init__(self) -> None:
        self.text = io.StringIO()
        self._taken = 0

    def take(self) -> list[dict[str, Any]]:
        """The lines written since the last call, parsed."""
        lines = self.text.getvalue().splitlines()
        fresh, self._taken = lines[self._taken :], len(lines)
        return [json.loads(x) for x in fresh]


@contextmanager
def captured(name: str) -> Iterator[Lines]:
    """The INFO and higher lines of logger ``name`` while the block runs."""
    lines = Lines()
    handler = logging.StreamHandler(lines.text)
    handler.setFormatter(JsonLines())
    logger = logging.getLogger(name)
    before = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(before)
