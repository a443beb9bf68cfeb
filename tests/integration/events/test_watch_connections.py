"""The connections that watch for other processes' changes: the LISTEN connection has
the pool's timeout and TCP keepalives (PostgreSQL); the SQLite watcher opens the very
file the server uses, whatever characters its path holds."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import anyio
import pytest
from sqlalchemy import URL, Engine, create_engine

from itsm.db import listen
from itsm.db.sqlite_watch import read_only_uri


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_the_listen_connection_gives_up_and_notices_a_silent_server(engine: Engine) -> None:
    async def parameters() -> dict[str, str]:
        async with await listen.connect(engine) as conn:
            return conn.info.get_parameters()

    got = anyio.run(parameters)
    assert got["connect_timeout"] == "5"
    assert got["keepalives"] == "1"
    assert {"keepalives_idle", "keepalives_interval", "keepalives_count"} <= got.keys()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("folder", ["what?mode=rw", "hash#part", "per%41cent"])
def test_the_sqlite_watcher_opens_a_path_with_uri_characters(
    backend: str, sqlite_template: Path, tmp_path: Path, folder: str
) -> None:
    target = tmp_path / folder / "itsm.db"
    target.parent.mkdir()
    shutil.copyfile(sqlite_template, target)
    # URL.create: the path as the database's name, whatever it holds (the watcher's input)
    engine = create_engine(URL.create("sqlite", database=str(target)))
    try:
        conn = sqlite3.connect(read_only_uri(engine), uri=True)
        try:
            assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                conn.execute("DELETE FROM alembic_version")
        finally:
            conn.close()
    finally:
        engine.dispose()
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder]  # no stray file made
