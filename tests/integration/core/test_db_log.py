"""A pooled connection found broken logs ``db.invalidated``; its replacement ``db.reconnect``.

On PostgreSQL the connection's backend is really terminated (as a server restart
does to it) and the pool's ping finds it dead at the next checkout. SQLite has no
server to lose: there the connection is invalidated as SQLAlchemy does when an
error says the database went away.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine, text

from itsm.config import Settings
from itsm.db.engine import build_engine
from tests import pg
from tests.log_lines import Lines, captured
from tests.waiting import wait_until


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    built = build_engine(settings)
    yield built
    built.dispose()


@pytest.fixture
def logged() -> Iterator[Lines]:
    with captured("itsm.db.engine") as lines:
        yield lines


def _lose(engine: Engine, backend: str) -> None:
    """Break the pooled connection the way the database would (see the module's text)."""
    with engine.connect() as conn:
        if backend == "sqlite":
            conn.invalidate()
            return
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with psycopg.connect(pg.ADMIN_DSN, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

        def gone() -> bool:  # terminating only signals
            found = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,))
            return found.fetchone() == (0,)

        wait_until("the backend is gone", gone)


def test_a_lost_connection_and_its_replacement_log_one_line_each(
    engine: Engine, backend: str, logged: Lines
) -> None:
    _lose(engine, backend)
    with engine.connect() as conn:  # PostgreSQL: the ping fails, the pool connects again
        assert conn.execute(text("SELECT 1")).scalar() == 1
    lines = logged.take()
    assert [(x["message"], x["level"]) for x in lines] == [
        ("db.connect", "INFO"),
        ("db.invalidated", "INFO"),
        ("db.reconnect", "INFO"),
    ]
    assert all(x["database"] == lines[0]["database"] for x in lines)
    assert lines[1]["reason"] == ("invalidated" if backend == "sqlite" else "ping failed")
