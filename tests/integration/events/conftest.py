from __future__ import annotations

from collections.abc import Iterator

import pytest

from itsm.config import Settings
from itsm.db.runtime import Database, open_database


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    """The test's database opened as a command opens it, with its bus of subscribers."""
    database = open_database(settings)
    yield database
    database.dispose()
