"""Fixtures of the report tests: both databases at once, for cross-database checks."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from itsm.config import Settings
from itsm.db.engine import build_engine
from tests import pg


@pytest.fixture
def both_engines(
    sqlite_template: Path, pg_template: str, tmp_path: Path
) -> Iterator[dict[str, Engine]]:
    """A fresh migrated SQLite database and a fresh PostgreSQL one, for one test."""
    target = tmp_path / "both.db"
    shutil.copyfile(sqlite_template, target)
    name = pg.create_database("itsm_rpt", template=pg_template)
    engines = {
        "sqlite": build_engine(Settings(database_url=f"sqlite:///{target}")),
        "postgresql": build_engine(Settings(database_url=pg.url_for(name))),
    }
    try:
        yield engines
    finally:
        for engine in engines.values():
            engine.dispose()
        pg.drop_database(name)


@pytest.fixture
def both_sessions(both_engines: dict[str, Engine]) -> Iterator[dict[str, Session]]:
    sessions = {name: Session(bind=engine) for name, engine in both_engines.items()}
    try:
        yield sessions
    finally:
        for session in sessions.values():
            session.rollback()
            session.close()
