"""Empty databases for the migration tests: a new SQLite file, a new PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from itsm.config import Settings
from itsm.db.engine import build_engine
from tests import pg


@pytest.fixture
def empty_db_url(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'itsm.db'}"
        return
    pg.require_postgres()
    name = pg.create_database("itsm_mig")
    yield pg.url_for(name)
    pg.drop_database(name)


@pytest.fixture
def engine(empty_db_url: str) -> Iterator[Engine]:
    """An engine on :func:`empty_db_url`."""
    engine = build_engine(Settings(database_url=empty_db_url))
    yield engine
    engine.dispose()
