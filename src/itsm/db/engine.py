"""Engine and session factory for SQLite (embedded default) and PostgreSQL.

SQLite is tuned for several processes at once: WAL journal, a busy timeout, and
``BEGIN IMMEDIATE`` for write transactions so that a writer waits for the lock
up front instead of failing later with "database is locked".

PostgreSQL connections are checked before use only when they sat idle in the pool
for :data:`PING_AFTER_IDLE_S` or longer (see :func:`_ping_when_idle`).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InvalidatePoolError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from itsm import extras
from itsm.config import Settings, mask_url
from itsm.db import partial_index
from itsm.errors import ConfigError, DatabaseUnavailable

log = logging.getLogger(__name__)

_BEGIN_OPTION = "itsm_sqlite_begin"
_READER_BIND = "_itsm_reader_bind"  # SQLite: the engine whose transactions begin DEFERRED
_CHECKED_IN_AT = "itsm_checked_in_at"

#: A pooled PostgreSQL connection idle this long is pinged before it is handed out.
PING_AFTER_IDLE_S = 1.0


def build_engine(settings: Settings, *, ping_after_idle_s: float = PING_AFTER_IDLE_S) -> Engine:
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
        extras.require("postgresql", needed_by="a postgresql:// database URL")
        partial_index.enable_postgresql()
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        engine = create_engine(
            url,
            echo=settings.sql_echo,
            connect_args={"connect_timeout": 5, "application_name": "itsm"},
            **_pool_options(settings),
        )
        _ping_when_idle(engine, after=ping_after_idle_s)
        return engine
    raise ConfigError(
        f"unsupported database {backend!r} in {mask_url(raw)!r}; use sqlite:// or postgresql://"
    )


def _sqlite_engine(url: str, settings: Settings) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    in_memory = not database or database == ":memory:"  # one shared connection, no pool
    engine = create_engine(
        url,
        echo=settings.sql_echo,
        connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
        **({} if in_memory else _pool_options(settings)),
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
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "IMMEDIATE")
        _begin_sqlite(conn, f"BEGIN {mode}")

    # The same engine and pool for readers' sessions (see session_scope), made once.
    setattr(engine, _READER_BIND, engine.execution_options(**{_BEGIN_OPTION: "DEFERRED"}))
    return engine


def _pool_options(settings: Settings) -> dict[str, int]:
    """The connection pool's size: at least the API server's usual concurrency.

    Past ``pool_size`` connections in use, each further one is opened for one unit of
    work and closed when given back: with SQLAlchemy's default of 5 an API server
    under 8 concurrent requests kept opening connections (a TCP connection and
    authentication on PostgreSQL, four PRAGMAs on SQLite).
    """
    return {
        "pool_size": settings.database_pool_size,
        "max_overflow": settings.database_max_overflow,
    }


def _begin_sqlite(conn: Connection, statement: str) -> None:
    """Run ``BEGIN ...`` on the driver's connection, failures wrapped as SQLAlchemy's.

    Through ``exec_driver_sql`` a ``BEGIN`` costs an execution context, a cursor and
    a result, none of them needed for a statement that returns nothing, in every
    unit of work (on SQLite that overhead is a sizeable part of a one-row write).
    What is kept is the translation of a driver error ("database is locked" once the busy
    timeout ran out) into :class:`sqlalchemy.exc.OperationalError` and friends, so
    callers see the same exceptions as for any other statement.
    """
    driver = conn.connection.driver_connection
    assert driver is not None  # a connection in use always has one
    try:
        driver.execute(statement)
    except sqlite3.Error as exc:
        raise DBAPIError.instance(
            statement, None, exc, sqlite3.Error, dialect=conn.dialect
        ) from exc


def _ping_when_idle(engine: Engine, *, after: float) -> None:
    """``pool_pre_ping``, but only for connections idle ``after`` seconds or more.

    A ping is a round trip (``SELECT 1``) on every checkout: on a busy server with
    commits of under a millisecond, about a tenth of a short unit of work. Connections
    die while idle (server restart, failover, an idle timeout, a dropped network
    path), so those are pinged, and a dead one is replaced together with every
    connection pooled before it, as ``pool_pre_ping`` does. A connection back in the
    pool for less than ``after`` is handed out as it is: if the server went away in
    that moment, the unit of work fails as :class:`~itsm.errors.DatabaseUnavailable`
    (see :mod:`itsm.db.runtime`), the failure invalidates the pool, and the next unit
    of work connects afresh.
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        checked_in = record.info.get(_CHECKED_IN_AT)
        if checked_in is None or time.monotonic() - checked_in < after:
            return  # a new connection, or one used a moment ago
        try:
            dialect.do_ping(dbapi_conn)
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, dbapi_conn, None):
                # The pool replaces this connection and every one pooled before it.
                raise InvalidatePoolError(f"pooled connection lost: {exc}") from exc
            raise


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session], *, write: bool = True) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error.

    ``write=False`` opens a deferred transaction on SQLite so that readers never
    queue behind writers. Entering does no I/O: the connection is taken from the
    pool, and the transaction begun, when the session is first used.
    """
    session = factory()
    try:
        if not write:
            reader = getattr(session.get_bind(), _READER_BIND, None)
            if reader is not None:
                session.bind = reader
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
