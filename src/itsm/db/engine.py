"""Engine and session factory for SQLite (embedded default) and PostgreSQL.

SQLite is tuned for several processes at once: WAL journal, a busy timeout, and
``BEGIN IMMEDIATE`` for write transactions so that a writer waits for the lock
up front instead of failing later with "database is locked".
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from itsm.config import Settings, mask_url
from itsm.errors import ConfigError, DatabaseUnavailable

log = logging.getLogger(__name__)

_BEGIN_OPTION = "itsm_sqlite_begin"


def build_engine(settings: Settings) -> Engine:
    """Create the engine for ``settings``; creates the SQLite file's directory."""
    raw = settings.effective_database_url
    try:
        url = make_url(raw)
    except Exception:
        raise ConfigError(f"invalid database URL {mask_url(raw)!r}") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url.render_as_string(hide_password=False), settings)
    if backend == "postgresql":
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        return create_engine(
            url,
            echo=settings.sql_echo,
            pool_pre_ping=True,
            connect_args={"connect_timeout": 5, "application_name": "itsm"},
        )
    raise ConfigError(
        f"unsupported database {backend!r} in {mask_url(raw)!r}; use sqlite:// or postgresql://"
    )


def _sqlite_engine(url: str, settings: Settings) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        echo=settings.sql_echo,
        connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
    )
    busy = settings.sqlite_busy_timeout_ms

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy)}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session], *, write: bool = True) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error.

    ``write=False`` opens a deferred transaction on SQLite so that readers never
    queue behind writers.
    """
    session = factory()
    try:
        if not write and session.get_bind().dialect.name == "sqlite":
            session.connection(execution_options={_BEGIN_OPTION: "DEFERRED"})
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def unavailable(exc: DBAPIError, settings: Settings) -> DatabaseUnavailable:
    """Translate a driver failure into a one-line, password-free message."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    where = mask_url(settings.effective_database_url)
    return DatabaseUnavailable(f"database {where} is not reachable: {mask_url(reason)}")


def is_connection_error(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated
