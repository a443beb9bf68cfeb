"""Fixtures of the core integration tests (on top of ``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from itsm.config import Settings
from itsm.db.runtime import Database, open_database


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    """The fresh, committed database of ``settings``, opened as the doors open it."""
    database = open_database(settings)
    yield database
    database.dispose()
